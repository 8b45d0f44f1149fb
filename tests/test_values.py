"""Values as exports write them: consent words, phone numbers with odd spaces and
extensions, decimal commas, whole names split into first and last, and the mapping rules
that keep a column from the wrong field. Pure tests of the parsers and the client type."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.rules.fields import (
    decimal_separator_for,
    decimal_separator_notice,
    parse_consent,
    parse_decimal,
    parse_field,
    parse_phone,
    parser_for,
)
from domain.rules.mapping import header_key, mapping_notices, missing_required, propose_mapping
from domain.notices import Control, NoticeCode
from domain.rules.problems import RowProblemCode, ValueProblem
from domain.rules.types import FieldKind, FieldSpec, get_type
from domain.rules.types.base import Refusal, header_words
from domain.rules.types.client import split_full_name
from domain.rules.validation import RowValidator

CLIENT = get_type("client")
PRICE = FieldSpec("price", "Price", FieldKind.MONEY, minimum=0, maximum=9_999_999_999)
BALANCE = FieldSpec("balance", "Balance", FieldKind.MONEY)
RATE = FieldSpec("tax_rate", "Tax rate", FieldKind.DECIMAL, minimum=0, maximum=100)


def problem(parse, *args: object, **kwargs: object) -> ValueProblem:
    with pytest.raises(ValueProblem) as caught:
        parse(*args, **kwargs)
    return caught.value


# Consent words ----------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["subscribed", "Subscribed", "SUBSCRIBED", "opted in", "Opted In", "opt-in",
                                  "Opt-In", "opt in", "optin", "consented", "yes", "Y", "true", "1"])
def test_a_consent_word_that_records_consent_is_yes(word):
    assert parse_consent(word) is True


@pytest.mark.parametrize("word", [
    "unsubscribed", "Unsubscribed", "opted out", "Opted-Out", "opt out", "optout",
    "not subscribed", "NOT_SUBSCRIBED", "non-subscribed", "Non subscribed", "never subscribed", "NEVER_SUBSCRIBED",
    "cleaned", "bounced", "pending", "transactional", "archived", "unknown", "Unknown", "suppressed", "redacted",
    "invalid", "no", "N", "false", "0",
])
def test_a_consent_word_without_a_confirmed_consent_is_no(word):
    assert parse_consent(word) is False


@pytest.mark.parametrize("word", ["maybe", "-1", "2", "subscribe me", "on", "x", "opted"])
def test_anything_else_is_not_a_consent_and_says_which_words_are(word):
    error = problem(parse_consent, word)
    assert error.code is RowProblemCode.INVALID_BOOLEAN
    assert str(error) == f"'{word}' is not yes or no; use yes/no, true/false, y/n, 1/0 or subscribed/unsubscribed"


def test_the_marketing_opt_in_takes_consent_words_and_a_yes_no_field_that_is_not_consent_does_not():
    assert parser_for(CLIENT.field("marketing_opt_in"))("Subscribed") is True
    bookable = get_type("appointment_type").field("online_bookable")
    error = problem(parser_for(bookable), "subscribed")
    assert (str(error), error.code) == ("'subscribed' is not yes or no; use yes/no, true/false, y/n or 1/0",
                                        RowProblemCode.INVALID_BOOLEAN)


def test_the_published_description_of_the_opt_in_documents_the_consent_words():
    description = CLIENT.field("marketing_opt_in").description
    for word in ("subscribed", "unsubscribed", "cleaned", "pending", "unknown", "texts"):
        assert word in description


# Phone numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "stored"), [
    ("+44\u00a020\u00a07946\u00a00000", "+44 20 7946 0000"),  # no-break spaces
    ("+33\u202f6\u202f12\u202f34\u202f56\u202f78", "+33 6 12 34 56 78"),  # narrow no-break spaces (French)
    ("020\u20097946\u20090000", "020 7946 0000"),  # thin spaces
    ("020 7946 0000", "020 7946 0000"),
])
def test_a_phone_number_with_no_break_or_thin_spaces_is_stored_with_plain_spaces(cell, stored):
    assert parse_phone(cell) == stored


@pytest.mark.parametrize("cell", ["+1 555 0100 ext. 12", "+1 555 0100 ext 12", "+1 555 0100 x12", "+1 555 0100 X 12",
                                  "+1 555 0100 #12", "+1 555 0100 # 12", "(020) 7946-0000 extension 7",
                                  "020 7946 0000 ext: 345"])
def test_a_phone_number_with_an_extension_is_accepted_as_written(cell):
    assert parse_phone(cell) == cell


@pytest.mark.parametrize("cell", ["abc", "12", "call me", "+44 20 ABC", "#12", "020 7946 0000 ext. twelve"])
def test_a_phone_number_that_is_not_one_is_refused_with_its_code(cell):
    error = problem(parse_phone, cell)
    assert (str(error), error.code) == (f"'{cell}' is not a phone number", RowProblemCode.INVALID_PHONE)


# Decimal separators -----------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "amount"), [
    ("12,50", "12.50"), ("12,5", "12.50"), ("12", "12.00"), ("-3,25", "-3.25"), ("+3,25", "3.25"), (",5", "0.50"),
    ("1.234,50", "1234.50"), ("1.234.567,89", "1234567.89"), ("1 234,50", "1234.50"),
    ("1\u00a0234,50", "1234.50"), ("1\u202f234,50", "1234.50"),  # French grouping with no-break spaces
    ("1.234", "1234.00"),  # grouping, as the separator says
    ("12.50", "12.50"),  # a dot before two digits can only be a decimal point
    ("€12,50", "12.50"), ("12,50 €", "12.50"), ("12,50€", "12.50"), ("£ 1.200,00", "1200.00"),
])
def test_with_a_decimal_comma_amounts_read_as_european_spreadsheets_write_them(cell, amount):
    assert parse_decimal(BALANCE, cell, money=True, decimal_separator=",") == Decimal(amount)


def test_with_a_decimal_comma_a_number_that_reads_both_ways_follows_the_separator():
    # '1,234' is 1234 with a decimal point and 1.234 with a decimal comma: too many decimals.
    assert parse_decimal(PRICE, "1,234", money=True) == Decimal("1234.00")
    error = problem(parse_decimal, PRICE, "1,234", money=True, decimal_separator=",")
    assert (str(error), error.code) == ("'1,234' has more than 2 decimal places (read with the file's decimal comma: "
                                        "1.234)", RowProblemCode.INVALID_NUMBER)


@pytest.mark.parametrize(("cell", "amount"), [("45", "45.00"), ("45.5", "45.50"), ("1,234.50", "1234.50"),
                                              ("£1,200.00", "1200.00"), ("$45", "45.00"), ("45.00 €", "45.00")])
def test_with_a_decimal_point_amounts_read_as_before(cell, amount):
    assert parse_decimal(PRICE, cell, money=True) == Decimal(amount)
    assert parse_decimal(PRICE, cell, money=True, decimal_separator=".") == Decimal(amount)


def test_with_a_decimal_point_a_decimal_comma_is_refused_with_a_hint_at_the_separator():
    error = problem(parse_decimal, PRICE, "12,50", money=True)
    assert str(error) == "'12,50' is not an amount; if the file writes decimal commas, set its decimal separator to ','"
    assert error.code is RowProblemCode.INVALID_NUMBER


@pytest.mark.parametrize(("cell", "separator", "rate"), [("20", ".", "20.00"), ("17,5", ",", "17.50"),
                                                          ("17,5 %", ",", "17.50"), ("17.5%", ".", "17.50")])
def test_a_rate_takes_the_separator_and_a_percent_sign(cell, separator, rate):
    assert parse_field(RATE, cell, decimal_separator=separator) == Decimal(rate)


@pytest.mark.parametrize(("cell", "message"), [
    ("1.2.3", "'1.2.3' is not an amount"), ("12,50,1", "'12,50,1' is not an amount"),
    ("12,505", "'12,505' has more than 2 decimal places (read with the file's decimal comma: 12.505)"),
    ("abc", "'abc' is not an amount"),
    ("€", "'€' is not an amount"),
])
def test_with_a_decimal_comma_what_is_not_an_amount_is_refused(cell, message):
    error = problem(parse_decimal, PRICE, cell, money=True, decimal_separator=",")
    assert (str(error), error.code) == (message, RowProblemCode.INVALID_NUMBER)


def test_parser_for_passes_the_separator_to_decimals_and_amounts_only():
    assert parser_for(PRICE, decimal_separator=",")("1.234,50") == Decimal("1234.50")
    assert parser_for(RATE, decimal_separator=",")("20,5") == Decimal("20.50")
    assert parser_for(CLIENT.field("notes"), decimal_separator=",")("12,50") == "12,50"
    with pytest.raises(ValueError, match="decimal separator"):
        parser_for(PRICE, decimal_separator=";")


def test_the_decimal_separator_is_the_chosen_one_else_a_comma_in_a_semicolon_file():
    assert decimal_separator_for(";") == ","
    assert decimal_separator_for(",") == "."
    assert decimal_separator_for("\t") == "."
    assert decimal_separator_for(None) == "."
    assert decimal_separator_for(";", ".") == "."
    assert decimal_separator_for(",", ",") == ","


def test_a_decimal_comma_nobody_chose_is_a_notice_naming_the_number_columns():
    notice = decimal_separator_notice(";", None, ["price", "cost"])
    assert (notice.code, notice.value, notice.control, notice.column) == (
        NoticeCode.DECIMAL_SEPARATOR, ",", Control.DECIMAL_SEPARATOR, None)
    assert notice.message == ("Numbers in 'price', 'cost' are read with a decimal comma (12,50 is 12.50, 1.234,50 is "
                              "1234.50), as the file is separated by semicolons; choose the decimal separator '.' if "
                              "they use a decimal point.")
    assert decimal_separator_notice(";", ",", ["price"]) is None  # the person chose it
    assert decimal_separator_notice(";", None, []) is None  # no number column
    assert decimal_separator_notice(",", None, ["price"]) is None  # a decimal point


# Codes of the problems parsers raise --------------------------------------------------------------


def test_parsers_raise_the_code_of_their_problem():
    duration = get_type("appointment_type").field("duration_minutes")
    unit = get_type("inventory_product").field("unit")
    cases = [
        (parse_field, (duration, "2"), RowProblemCode.OUT_OF_RANGE),
        (parse_field, (duration, "sixty"), RowProblemCode.INVALID_NUMBER),
        (parse_field, (PRICE, "-1"), RowProblemCode.OUT_OF_RANGE),
        (parse_field, (unit, "boxes"), RowProblemCode.NOT_A_CHOICE),
        (parse_field, (CLIENT.field("email"), "ada@"), RowProblemCode.INVALID_EMAIL),
        (parse_field, (get_type("retail_product").field("barcode"), "123"), RowProblemCode.INVALID_BARCODE),
        (parse_field, (get_type("retail_product").field("sku"), "a b"), RowProblemCode.INVALID_CODE),
    ]
    for parse, args, code in cases:
        assert problem(parse, *args).code is code, args


# Whole names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "parts"), [
    ("Ada Lovelace", ("Ada", "Lovelace")),
    ("Ada King Lovelace", ("Ada", "King Lovelace")),  # the first word is the first name
    ("Ludwig van Beethoven", ("Ludwig", "van Beethoven")),
    ("  Ada   Lovelace ", ("Ada", "Lovelace")),
    ("Lovelace, Ada", ("Ada", "Lovelace")),  # with a comma the last name comes first
    ("Lovelace, Ada King", ("Ada King", "Lovelace")),
    ("de la Cruz, María José", ("María José", "de la Cruz")),
    ("Martin Luther King, Jr.", ("Martin", "Luther King, Jr.")),  # a suffix after the comma is not a first name
    ("Zoë Ødegård", ("Zoë", "Ødegård")),
    ("Cher", ("Cher", "")),  # one word: a first name only
    ("Lovelace,", ("Lovelace", "")),
    (" , Ada Lovelace", ("Ada", "Lovelace")),
])
def test_a_full_name_splits_into_first_and_last_name(name, parts):
    assert split_full_name(name) == parts


def full_row(**values: object) -> dict:
    """A client row's values as validation gives them to the type's check: every field, None when blank."""
    return {name: None for name in CLIENT.field_names} | {"email": "ada@example.com"} | values


def test_a_full_name_fills_blank_first_and_last_names_and_is_not_stored():
    values = full_row(full_name="Ada King Lovelace")
    assert CLIENT.check(values) == []
    record = CLIENT.record(values)
    assert (record["first_name"], record["last_name"]) == ("Ada", "King Lovelace")
    assert "full_name" not in record


def test_a_name_part_that_has_its_own_cell_is_kept_and_the_full_name_fills_only_the_other():
    values = full_row(first_name="Augusta", full_name="Ada Lovelace")
    assert CLIENT.check(values) == []
    record = CLIENT.record(values)
    assert (record["first_name"], record["last_name"]) == ("Augusta", "Lovelace")


def test_one_word_is_a_row_error_when_a_last_name_is_needed_and_enough_when_it_has_a_column():
    assert CLIENT.check(full_row(full_name="Cher")) == [
        ("full_name", "'Cher' has no last name; write the full name as 'First Last' or 'Last, First', "
                      "or map a Last name column"),
    ]
    values = full_row(full_name="Cher", last_name="Sarkisian")
    assert CLIENT.check(values) == []
    assert (CLIENT.record(values)["first_name"], CLIENT.record(values)["last_name"]) == ("Cher", "Sarkisian")


def test_a_row_with_a_blank_full_name_and_blank_name_parts_names_each_missing_part():
    assert CLIENT.check(full_row()) == [
        ("first_name", "First name is required (this row has no full name either)"),
        ("last_name", "Last name is required (this row has no full name either)"),
    ]
    assert CLIENT.check(full_row(first_name="Ada")) == [
        ("last_name", "Last name is required (this row has no full name either)")]


def test_in_an_update_a_name_left_out_is_left_as_it_is_and_a_full_name_still_splits():
    # UPDATE and UPSERT rows give the check only the fields whose cells are filled.
    assert CLIENT.check({"email": "ada@example.com"}) == []
    assert CLIENT.check({"email": "ada@example.com", "full_name": "Ada Lovelace"}) == []
    assert CLIENT.check({"email": "ada@example.com", "full_name": "Cher"})[0][0] == "full_name"


def test_a_record_without_a_full_name_is_as_before():
    values = full_row(first_name="Ada", last_name="Lovelace", email="Ada@Example.com")
    assert CLIENT.record(values) == {**{k: v for k, v in values.items() if k != "full_name"},
                                     "email_key": "ada@example.com"}


# Which fields a mapping needs ---------------------------------------------------------------------


def entries(**fields: str | None) -> list[dict]:
    return [{"column": column, "field": field, "confidence": 1.0} for column, field in fields.items()]


def test_first_and_last_name_are_not_needed_when_a_full_name_is_mapped():
    assert CLIENT.required_given({"email"}) == ("first_name", "last_name", "email")
    assert CLIENT.required_given({"full_name", "email"}) == ("email",)
    assert missing_required(entries(Name="full_name", Email="email"), CLIENT) == []
    assert missing_required(entries(Email="email"), CLIENT) == ["first_name", "last_name"]
    assert missing_required(entries(Name="full_name"), CLIENT) == ["email"]


def test_a_row_with_only_a_full_name_is_valid_once_validation_honours_required_unless():
    validator = RowValidator(CLIENT, ["Name", "Email"], {0: "full_name", 1: "email"})
    outcome = validator.validate(["Ada Lovelace", "ada@example.com"])
    assert outcome.valid, outcome.errors


# Header words, refusals and notices ---------------------------------------------------------------


@pytest.mark.parametrize(("header", "words"), [
    ("Accepts SMS Marketing", ("accepts", "sms", "marketing")),
    ("AcceptsSMSMarketing", ("accepts", "sms", "marketing")),
    ("accepts_sms_marketing", ("accepts", "sms", "marketing")),
    ("E-mail Opt-Out", ("email", "opt", "out")),
    ("SendPromotionalTexts", ("send", "promotional", "texts")),
])
def test_a_header_is_read_as_its_words(header, words):
    assert header_words(header) == words


def test_a_refusal_matches_words_in_a_row_written_apart_or_together_and_whole_headers():
    refusal = Refusal("is not it", words=("opt out", "whatsapp"), headers=("full name",))
    for header in ("Email Opt Out", "email_optout", "EmailOptOut", "WhatsApp Marketing", "Full-Name"):
        assert refusal.applies_to(header), header
    for header in ("Email Opt In", "Options", "Full name of partner", "Outdoor"):
        assert not refusal.applies_to(header), header


@pytest.mark.parametrize(("header", "key"), [
    ("E-mail 1 - Value", "email"), ("Phone 2 - Value", "phone"), ("Email", "email"),
    ("E-mail 1 - Label", None), ("Phone 1 - Type", None), ("Address 1 - Formatted", None),
])
def test_googles_numbered_value_columns_lose_their_suffix_and_their_label_columns_are_never_mapped(header, key):
    assert header_key(header) == key


@pytest.mark.parametrize(("header", "reason"), [
    ("SMS Marketing", "is consent to texts, not to email"),
    ("Accepts SMS Marketing", "is consent to texts, not to email"),
    ("Text Marketing", "is consent to texts, not to email"),
    ("Mobile Marketing", "is consent to calls or texts, not to email"),
    ("Phone Marketing", "is consent to calls or texts, not to email"),
    ("Mail Marketing", "is consent to post, not to email"),
    ("Direct Mail Opt In", "is consent to post, not to email"),
    ("WhatsApp Marketing", "is consent to WhatsApp messages, not to email"),
    ("Email Opt Out", "records a refusal (its yes means no email), the opposite of an opt-in"),
    ("Unsubscribed", "records a refusal (its yes means no email), the opposite of an opt-in"),
])
def test_a_channel_or_refusal_column_is_never_the_email_opt_in_and_a_notice_says_why(header, reason):
    headers = ["First Name", "Last Name", "Email", header]
    proposed = propose_mapping(headers, CLIENT)
    assert proposed[3] == {"column": header, "field": None, "confidence": 0.0}
    notices = mapping_notices(headers, CLIENT, proposed)
    assert [(n.code, n.column, n.control, n.message) for n in notices] == [
        (NoticeCode.COLUMN_NOT_MAPPED, header, Control.MAPPING,
         f"'{header}' {reason}; it is not mapped to Marketing opt-in.")]


@pytest.mark.parametrize("header", ["Email Marketing", "Accepts Email Marketing", "Email Subscription Status",
                                    "Newsletter", "Marketing", "Email Opt-in", "acceptsEmailMarketing", "Subscribed",
                                    "Marketing Opt In", "SendPromotionalEmails"])
def test_an_email_consent_column_is_the_opt_in(header):
    proposed = propose_mapping(["Email", header], CLIENT)
    assert proposed[1]["field"] == "marketing_opt_in"
    assert mapping_notices(["Email", header], CLIENT, proposed) == []


def test_the_email_opt_in_is_chosen_and_the_sms_one_explained_whatever_their_order():
    headers = ["Email", "SMS Marketing", "Email Marketing"]
    proposed = propose_mapping(headers, CLIENT)
    assert [e["field"] for e in proposed] == ["email", None, "marketing_opt_in"]
    assert [n.column for n in mapping_notices(headers, CLIENT, proposed)] == ["SMS Marketing"]


def test_a_column_a_person_maps_by_hand_has_no_notice():
    headers = ["Email", "SMS Marketing"]
    assert mapping_notices(headers, CLIENT, entries(Email="email", **{"SMS Marketing": "marketing_opt_in"})) == []


def test_a_consent_timestamp_or_ip_is_not_the_opt_in_and_needs_no_notice():
    headers = ["Email Address", "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME"]
    proposed = propose_mapping(headers, CLIENT)
    assert [e["field"] for e in proposed] == ["email", None, None, None]
    assert mapping_notices(headers, CLIENT, proposed) == []


@pytest.mark.parametrize("header", ["Name", "Full Name", "Display Name", "Contact Name", "Client Name",
                                    "Customer Name", "Guest Name", "full_name"])
def test_a_whole_name_column_is_the_full_name_never_a_part_of_one(header):
    proposed = propose_mapping([header, "Email"], CLIENT)
    assert [e["field"] for e in proposed] == ["full_name", "email"]


def test_a_whole_name_column_is_left_out_with_a_notice_when_first_and_last_name_have_columns():
    headers = ["Name", "Given Name", "Family Name", "E-mail 1 - Value"]
    proposed = propose_mapping(headers, CLIENT)
    assert [e["field"] for e in proposed] == [None, "first_name", "last_name", "email"]
    notices = mapping_notices(headers, CLIENT, proposed)
    assert [(n.column, n.message) for n in notices] == [(
        "Name", "'Name' looks like Full name; it is not mapped because First name and Last name come from "
                "'Given Name' and 'Family Name'. Map it to full_name to fill the rows where those are blank.")]


def test_a_whole_name_fills_the_part_that_has_no_column():
    proposed = propose_mapping(["Name", "First Name", "Email"], CLIENT)
    assert [e["field"] for e in proposed] == ["full_name", "first_name", "email"]


def test_of_two_equally_good_columns_the_first_is_chosen():
    proposed = propose_mapping(["E-mail 1 - Value", "E-mail 2 - Value", "Phone Number", "Mobile Phone Number"], CLIENT)
    assert [e["field"] for e in proposed] == ["email", None, "phone", None]

"""The client row schema: which cells a client row accepts, and what a person is told when
one is wrong. Pure tests of RowValidator, plus one file imported through the app."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from domain.models import Client
from domain.rules.types import get_type
from domain.rules.validation import RowValidator
from tests.helpers import CLIENT_HEADER, data_of, settle, start, upload

HEADERS = ["First Name", "Surname", "E-mail", "Phone", "DOB", "Newsletter", "Notes", "Ref"]
FIELDS = ["first_name", "last_name", "email", "phone", "date_of_birth", "marketing_opt_in", "notes", "external_ref"]
MAPPING = dict(enumerate(FIELDS))
COLUMN = dict(zip(FIELDS, HEADERS, strict=True))
GOOD = {
    "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0000",
    "date_of_birth": "1990-11-05", "marketing_opt_in": "yes", "notes": "Prefers mornings", "external_ref": "CRM-1",
}


def validator() -> RowValidator:
    return RowValidator(get_type("client"), HEADERS, MAPPING)


def row(**changes: str) -> list[str]:
    cells = GOOD | changes
    return [cells[name] for name in FIELDS]


def values_of(**changes: str) -> dict:
    outcome = validator().validate(row(**changes))
    assert outcome.valid, outcome.errors
    return outcome.values


def only_error(**changes: str) -> dict:
    outcome = validator().validate(row(**changes))
    assert not outcome.valid
    assert outcome.values is None
    assert len(outcome.errors) == 1, outcome.errors
    return outcome.errors[0]


# A valid row ---------------------------------------------------------------------------------


def test_a_complete_row_gives_typed_values_and_its_email_as_the_key():
    outcome = validator().validate(row(email="Ada@Example.com"))

    assert outcome.valid
    assert outcome.errors == []
    assert outcome.values == {
        "first_name": "Ada", "last_name": "Lovelace", "full_name": None, "email": "Ada@Example.com",
        "phone": "+44 20 7946 0000", "date_of_birth": date(1990, 11, 5), "marketing_opt_in": True,
        "notes": "Prefers mornings", "external_ref": "CRM-1",
    }
    assert outcome.key == "ada@example.com"


def test_a_row_with_only_the_required_cells_is_valid_and_the_rest_are_empty():
    values = values_of(phone="", date_of_birth="", marketing_opt_in="", notes="", external_ref="")

    assert values["phone"] is None
    assert values["date_of_birth"] is None
    assert values["marketing_opt_in"] is False
    assert values["notes"] is None
    assert values["external_ref"] is None


def test_every_cell_is_trimmed_before_it_is_checked_and_stored():
    values = values_of(
        first_name="  Ada\t", last_name=" Lovelace ", email="  ada@example.com ", phone=" +44 20 7946 0000 ",
        date_of_birth=" 05/11/1990 ", marketing_opt_in="  Yes  ", notes="\n Prefers mornings \r\n",
        external_ref=" CRM-1 ",
    )

    assert values == {
        "first_name": "Ada", "last_name": "Lovelace", "full_name": None, "email": "ada@example.com",
        "phone": "+44 20 7946 0000", "date_of_birth": date(1990, 11, 5), "marketing_opt_in": True,
        "notes": "Prefers mornings", "external_ref": "CRM-1",
    }


def test_a_cell_of_only_spaces_counts_as_empty():
    assert values_of(phone="   ", date_of_birth=" ", marketing_opt_in="  ")["marketing_opt_in"] is False
    assert only_error(first_name="   ")["message"] == "First name is required"


def test_notes_keep_commas_quotes_and_line_breaks():
    notes = 'likes tea, "strong"\r\nand biscuits, \'plain\'\nno sugar'
    assert values_of(notes=notes)["notes"] == notes


def test_unmapped_columns_are_ignored():
    headers = [*HEADERS, "Shoe size"]
    outcome = RowValidator(get_type("client"), headers, MAPPING).validate([*row(), "not a number"])
    assert outcome.valid
    assert "Shoe size" not in outcome.values


def test_an_optional_field_with_no_column_is_empty():
    mapping = {0: "first_name", 1: "last_name", 2: "email"}
    outcome = RowValidator(get_type("client"), ["a", "b", "c"], mapping).validate(["Ada", "Lovelace", "ada@example.com"])
    assert outcome.valid
    assert outcome.values["date_of_birth"] is None
    assert outcome.values["marketing_opt_in"] is False


# Required fields -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("first_name", "First name is required"),
        ("last_name", "Last name is required"),
        ("email", "Email is required"),
    ],
)
def test_a_missing_required_value_is_a_row_error_naming_the_field(field, message):
    error = only_error(**{field: ""})
    assert error == {"column": COLUMN[field], "field": field, "value": None, "message": message, "code": "REQUIRED"}


def test_a_row_missing_several_required_values_lists_each_one():
    outcome = validator().validate(row(first_name="", last_name="", email=""))
    assert not outcome.valid
    assert [(e["field"], e["column"], e["message"]) for e in outcome.errors] == [
        ("first_name", "First Name", "First name is required"),
        ("last_name", "Surname", "Last name is required"),
        ("email", "E-mail", "Email is required"),
    ]


def test_a_required_field_with_no_column_is_an_error_without_a_column():
    mapping = {0: "first_name", 1: "last_name"}
    outcome = RowValidator(get_type("client"), ["a", "b"], mapping).validate(["Ada", "Lovelace"])
    assert outcome.errors == [{"column": None, "field": "email", "value": None, "message": "Email is required",
                               "code": "REQUIRED"}]


# Emails --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "ada@example.com",
        "Ada.Lovelace+spa@mail.example.co.uk",
        "o'brien@example.ie",
        "first_last-1@sub-domain.example.org",
        "ada@xn--bcher-kva.de",
        "josé@example.com",
        "user@bücher.de",
        "用户@例子.广告",
        "Δοκιμή@παράδειγμα.δοκιμή",
    ],
)
def test_a_valid_email_is_accepted_as_written(email):
    assert values_of(email=email)["email"] == email


@pytest.mark.parametrize(
    "email",
    [
        "a@b",
        "a@@b.com",
        "a b@c.com",
        ".a@b.com",
        "a.@b.com",
        "a..b@c.com",
        "a@-b.com",
        "a@b-.com",
        "a@b..com",
        "a@b.c",
        "a@b.com.",
        "@example.com",
        "ada@",
        "ada.example.com",
        "Ada <ada@example.com>",
        "ada@example.com, bob@example.com",
        "ada@[192.0.2.1]",
        '"ada"@example.com',
        "josé@b",
        "josé@-b.com",
        "josé..x@example.com",
        "josé@b.c",
        "x" * 65 + "@example.com",
        "a@" + ".".join(["b" * 60] * 5) + ".com",
        "a@" + "b" * 64 + ".com",
    ],
)
def test_an_invalid_email_is_a_row_error_that_quotes_it(email):
    error = only_error(email=email)
    assert error == {
        "column": "E-mail", "field": "email", "value": email,
        "message": f"'{email}' is not a valid email address", "code": "INVALID_EMAIL",
    }


def test_the_empty_email_is_refused_as_missing():
    assert only_error(email="")["message"] == "Email is required"


def test_an_email_is_compared_without_regard_to_case_through_its_key():
    first = validator().validate(row(email="ADA@Example.COM"))
    second = validator().validate(row(email=" ada@example.com "))
    assert first.key == second.key == "ada@example.com"
    assert first.values["email"] == "ADA@Example.COM"


def test_an_internationalised_email_has_a_case_folded_key():
    assert validator().validate(row(email="JOSÉ@Example.com")).key == "josé@example.com"


# Dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1990-11-05", date(1990, 11, 5)),
        ("05/11/1990", date(1990, 11, 5)),
        ("5/11/1990", date(1990, 11, 5)),
        ("1990-1-5", date(1990, 1, 5)),
        ("31/12/1999", date(1999, 12, 31)),
        ("29/02/2024", date(2024, 2, 29)),
        ("2000-02-29", date(2000, 2, 29)),
        ("1990-11-05T00:00", date(1990, 11, 5)),
        ("1990/11/05", date(1990, 11, 5)),
        ("05-11-1990", date(1990, 11, 5)),
        ("05.11.1990", date(1990, 11, 5)),
        ("05/11/90", date(1990, 11, 5)),
        ("5th November 1990", date(1990, 11, 5)),
    ],
)
def test_a_date_of_birth_is_read_as_iso_or_day_first(cell, expected):
    assert values_of(date_of_birth=cell)["date_of_birth"] == expected


def test_a_slashed_date_is_read_day_first_not_month_first():
    assert values_of(date_of_birth="03/04/1990")["date_of_birth"] == date(1990, 4, 3)


@pytest.mark.parametrize(
    ("cell", "detail"),
    [
        ("31/02/1990", "day 31 of month 2 of 1990"),
        ("2023-02-29", "day 29 of month 2 of 2023"),
        ("29/02/1900", "day 29 of month 2 of 1900"),
        ("31/04/1990", "day 31 of month 4 of 1990"),
        ("1990-13-01", "day 1 of month 13 of 1990"),
        ("00/01/1990", "day 0 of month 1 of 1990"),
    ],
)
def test_an_impossible_date_is_a_row_error_saying_it_is_not_a_real_date(cell, detail):
    error = only_error(date_of_birth=cell)
    assert error == {
        "column": "DOB", "field": "date_of_birth", "value": cell,
        "message": f"'{cell}' is not a real date ({detail})", "code": "INVALID_DATE",
    }


def test_a_date_real_only_month_first_is_an_ambiguous_date_suggesting_that_order():
    error = only_error(date_of_birth="11/13/1990")
    assert error == {
        "column": "DOB", "field": "date_of_birth", "value": "11/13/1990", "code": "AMBIGUOUS_DATE",
        "message": "'11/13/1990' is not a real date day first (month 13); month first it would be "
                   "13 November 1990 - set dateOrder to MONTH_FIRST if the column is month first",
    }


@pytest.mark.parametrize("cell", ["yesterday", "Fifth of November", "1990-11", "19901105", "05/11/1990 25:00"])
def test_something_that_is_not_a_date_is_a_row_error_showing_how_to_write_one(cell):
    error = only_error(date_of_birth=cell)
    assert error == {
        "column": "DOB", "field": "date_of_birth", "value": cell,
        "message": f"'{cell}' is not a date; write it as 1990-11-05 or 05/11/1990", "code": "INVALID_DATE",
    }


# Yes / no ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Yes", True), ("YES", True), ("yes", True), ("y", True), ("Y", True),
        ("TRUE", True), ("true", True), ("True", True), ("t", True), ("T", True), ("1", True),
        ("no", False), ("NO", False), ("No", False), ("N", False), ("n", False),
        ("false", False), ("FALSE", False), ("f", False), ("0", False), ("", False),
    ],
)
def test_marketing_opt_in_accepts_every_spelling_of_yes_and_no(cell, expected):
    assert values_of(marketing_opt_in=cell)["marketing_opt_in"] is expected


@pytest.mark.parametrize("cell", ["maybe", "2", "-1", "yes please", "si", "on", "off", "x"])
def test_a_value_that_is_not_yes_or_no_is_a_row_error_listing_the_choices(cell):
    error = only_error(marketing_opt_in=cell)
    assert error == {
        "column": "Newsletter", "field": "marketing_opt_in", "value": cell,
        "message": f"'{cell}' is not yes or no; use yes/no, true/false, y/n, 1/0 or subscribed/unsubscribed",
        "code": "INVALID_BOOLEAN",
    }


# Lengths -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "label", "most"),
    [
        ("first_name", "First name", 200),
        ("last_name", "Last name", 200),
        ("external_ref", "External reference", 200),
        ("notes", "Notes", 10000),
    ],
)
def test_a_value_longer_than_its_field_allows_is_a_row_error_giving_both_lengths(field, label, most):
    assert values_of(**{field: "x" * most})[field] == "x" * most
    error = only_error(**{field: "x" * (most + 1)})
    assert error == {
        "column": COLUMN[field], "field": field, "value": "x" * (most + 1),
        "message": f"{label} is {most + 1} characters long; the most is {most}", "code": "TOO_LONG",
    }


def test_an_email_longer_than_320_characters_is_refused_as_too_long():
    email = "a@" + ".".join(["b" * 60] * 6) + ".com"
    assert len(email) > 320
    assert only_error(email=email)["message"] == f"Email is {len(email)} characters long; the most is 320"


def test_a_phone_longer_than_50_characters_is_refused_as_too_long():
    phone = "+44 " + "1" * 47
    assert only_error(phone=phone)["message"] == "Phone is 51 characters long; the most is 50"


def test_length_is_measured_after_trimming():
    assert values_of(first_name="  " + "x" * 200 + "  ")["first_name"] == "x" * 200


# Phones --------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["+44 20 7946 0000", "020 7946 0000", "(020) 7946-0000", "07700.900123", "+1 555 0100 ext. 12"])
def test_a_phone_number_as_people_write_it_is_accepted(phone):
    assert values_of(phone=phone)["phone"] == phone


@pytest.mark.parametrize("phone", ["abc", "12", "call me", "+44 20 ABC"])
def test_something_that_is_not_a_phone_number_is_a_row_error(phone):
    error = only_error(phone=phone)
    assert error == {"column": "Phone", "field": "phone", "value": phone, "message": f"'{phone}' is not a phone number",
                     "code": "INVALID_PHONE"}


# Row shape and several problems --------------------------------------------------------------


def test_a_short_row_reads_its_missing_cells_as_blank():
    # A last row cut short (as exports end a row whose last cells are empty) loses nothing.
    assert validator().validate(row()[:6]).values == values_of(notes="", external_ref="")
    outcome = validator().validate(row()[:2])
    assert [(e["field"], e["code"]) for e in outcome.errors] == [("email", "REQUIRED")]


def test_empty_cells_beyond_the_header_are_trailing_separators_not_an_error():
    assert validator().validate([*row(), "", "  "]).values == values_of()


def test_a_row_with_values_beyond_the_header_is_one_error_saying_both_counts():
    outcome = validator().validate([*row(), "extra", "more", ""])
    assert outcome.errors == [{
        "column": None, "field": None, "value": None, "code": "ROW_SHAPE",
        "message": "This row has values in 10 cells but the header has only 8 columns",
    }]


def test_a_leading_apostrophe_that_keeps_a_value_text_is_taken_off():
    assert values_of(external_ref="'7210448301100")["external_ref"] == "7210448301100"
    assert values_of(last_name="O'Brien")["last_name"] == "O'Brien"


def test_every_bad_cell_of_a_row_is_reported_not_just_the_first():
    outcome = validator().validate(row(last_name="", email="nope", date_of_birth="31/02/1990", marketing_opt_in="maybe"))
    assert not outcome.valid
    assert [(e["field"], e["column"], e["value"]) for e in outcome.errors] == [
        ("last_name", "Surname", None),
        ("email", "E-mail", "nope"),
        ("date_of_birth", "DOB", "31/02/1990"),
        ("marketing_opt_in", "Newsletter", "maybe"),
    ]


def test_an_error_message_with_braces_in_the_value_is_shown_as_typed():
    assert only_error(date_of_birth="{year}")["message"] == "'{year}' is not a date; write it as 1990-11-05 or 05/11/1990"


# Through the app -----------------------------------------------------------------------------


def test_an_imported_client_keeps_awkward_notes_intact_and_gets_a_real_date_and_bool(client, token, db):
    notes = 'likes tea, "strong"\r\nand biscuits, plain'
    content = (
        CLIENT_HEADER
        + 'Ada,Lovelace,Ada@Example.com,+44 20 7946 0000,05/11/1990,YES,"likes tea, ""strong""\r\nand biscuits, plain"\r\n'
        + "Bob,Babbage,bob@example.com,,1991-12-26,,\r\n"
        + "Cy,Young,cy@example.com,,,n,\r\n"
    ).encode()
    created = data_of(upload(client, content, token=token))["createImport"]
    validated = settle(client, token, created["id"])
    assert (validated["status"], validated["totalRows"], validated["failedValidationRows"]) == ("VALIDATED", 3, 0)

    data_of(start(client, token, created["id"]))
    final = settle(client, token, created["id"])
    assert (final["status"], final["importedRows"]) == ("IMPORTED", 3)

    with db.read() as session:
        clients = {c.first_name: c for c in session.exec(select(Client)).all()}
    ada, bob, cy = clients["Ada"], clients["Bob"], clients["Cy"]
    assert ada.notes == notes
    assert ada.email == "Ada@Example.com"
    assert ada.email_key == "ada@example.com"
    assert ada.phone == "+44 20 7946 0000"
    assert type(ada.date_of_birth) is date and ada.date_of_birth == date(1990, 11, 5)
    assert ada.marketing_opt_in is True
    assert type(bob.date_of_birth) is date and bob.date_of_birth == date(1991, 12, 26)
    assert bob.marketing_opt_in is False and bob.notes is None and bob.phone is None
    assert cy.date_of_birth is None
    assert cy.marketing_opt_in is False

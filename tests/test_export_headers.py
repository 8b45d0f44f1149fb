"""Real exports' headers, mapped as a person would map them, and the clients they store.

Each file under tests/samples/exports/ has the column list of a real export, in its order;
the rows are made up. Where the columns come from:

- google_contacts_new_format.csv: Google Contacts "Google CSV" since 2023 (`First Name` ... `E-mail 1 -
  Label`, `E-mail 1 - Value`, `Phone 1 - Label`, `Phone 1 - Value`, `Address 1 - ...`), as
  written by exporters that copy it and read by importers of Google's files.
- google_contacts_legacy.csv: the older Google CSV (`Name`, `Given Name`, `Additional Name`,
  `Family Name`, ... `E-mail 1 - Type`, `E-mail 1 - Value`, `Organization 1 - Name` ...).
- outlook_contacts_mapping.csv: Outlook's CSV export, all 92 columns (`Title`, `First Name` ...
  `Mobile Phone` ... `Birthday` ... `E-mail Address`, `E-mail Type`, `E-mail Display Name` ...
  `Notes` ... `Web Page`), quoted as Outlook writes it.
- shopify_customers_export.csv: Shopify's customer export (`Customer ID`, `First Name`, `Last Name`,
  `Email`, `Accepts Email Marketing`, `Default Address ...`, `Phone`, `Accepts SMS Marketing`,
  `Total Spent`, `Total Orders`, `Note`, `Tax Exempt`, `Tags`); phones start with a
  text-forcing apostrophe as Shopify writes them.
- mailchimp_subscribed.csv, mailchimp_unsubscribed.csv, mailchimp_cleaned.csv: the three
  files of a Mailchimp audience export (merge fields, then MEMBER_RATING, OPTIN_TIME ...
  LEID, EUID, NOTES, TAGS; UNSUB_* and CLEAN_* columns in the other two).
- hubspot_contacts.csv: HubSpot's default contact export columns (`Record ID`, `First Name`,
  `Last Name`, `Email`, `Phone Number`, `Contact owner`, ..., `Marketing contact status`,
  `Create Date`, `Associated Company`) with `Mobile Phone Number` added.
- square_customers.csv: Square's customer directory export (`Reference ID` ... `Memo`,
  `Square Customer ID` ... `Email Subscription Status` (Subscribed / Unsubscribed /
  Unknown, per Square's help) ...).
- salesforce_contacts.csv: a Salesforce contacts report with the standard Contact labels
  (`Contact ID`, `Salutation`, ... `Phone`, `Mobile`, `Email`, `Email Opt Out`, `Do Not
  Call`, `Birthdate`, `Description`, `Account Name`).
- woocommerce_customers.csv: WooCommerce Analytics' Customers report download (`Name`,
  `Username`, `Last active`, `Date registered`, `Email`, `Orders`, `Total spend`, `AOV`,
  `Country / Region`, `City`, `Region`, `Postal code`): one whole-name column.
- mindbody_clients_api.csv: Mindbody's client fields as its Public API names them (`Id`,
  `FirstName`, `MobilePhone`, `BirthDate`, `SendPromotionalEmails`, `SendPromotionalTexts`,
  `Notes`), as migration tools write them out.
- shopify_products.csv: Shopify's product CSV (`Handle`, `Title`, `Body (HTML)`, `Vendor`, ...
  `Variant SKU` ... `Variant Price` ... `Variant Barcode` ... `Cost per item`, `Status`), as a
  retail product import.
- spa_booking_clients.csv: the columns issue 11 lists from booking and spa platforms
  (`Guest Code`, `Mobile Number`, `Cell Phone`, `Client Notes`, `Email Marketing`, `SMS
  Marketing`); not checked against one product's documentation.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from domain.rules.mapping import mapping_notices
from domain.models import Client, RetailProduct
from domain.rules.types import get_type
from tests.helpers import data_of, gql, settle, start, upload

EXPORTS = Path(__file__).parent / "samples" / "exports"
CLIENT = get_type("client")


def headers_of(name: str) -> list[str]:
    with (EXPORTS / name).open(newline="", encoding="utf-8-sig") as file:
        return next(csv.reader(file))


def create(client, token: str, name: str, type_: str = "CLIENT") -> dict:
    content = (EXPORTS / name).read_bytes()
    return data_of(upload(client, content, token=token, filename=name, type_=type_))["createImport"]


def expected(name: str, mapped: dict[str, str]) -> dict[str, str | None]:
    """The whole mapping of the file `name`: `mapped` columns to their field, every other column to none."""
    headers = headers_of(name)
    assert set(mapped) <= set(headers), set(mapped) - set(headers)
    return {header: mapped.get(header) for header in headers}


def mapping_of(created: dict) -> dict[str, str | None]:
    return {entry["column"]: entry["field"] for entry in created["mapping"]}


def notices_of(name: str, created: dict) -> list[tuple[str, str]]:
    return [(n.column, n.message) for n in mapping_notices(headers_of(name), CLIENT, created["mapping"])]


def imported(client, token: str, created: dict) -> dict:
    """Validate and import; the settled import, every row valid."""
    validated = settle(client, token, created["id"])
    assert (validated["status"], validated["failedValidationRows"]) == ("VALIDATED", 0), validated
    data_of(start(client, token, created["id"]))
    final = settle(client, token, created["id"])
    assert final["status"] == "IMPORTED", final
    return final


def clients(db) -> dict[str, tuple]:
    """Every stored client by email, as (first, last, phone, date of birth, opt-in, notes, external ref)."""
    with db.read() as session:
        rows = session.exec(select(Client)).all()
    return {c.email: (c.first_name, c.last_name, c.phone, c.date_of_birth, c.marketing_opt_in, c.notes,
                      c.external_ref) for c in rows}


ADA = ("Ada", "Lovelace")
NOTE = "Prefers morning appointments"


def test_google_contacts_maps_the_first_email_and_phone_values_and_never_their_labels(client, token, db):
    name = "google_contacts_new_format.csv"
    created = create(client, token, name)

    assert mapping_of(created) == expected(name, {
        "First Name": "first_name", "Last Name": "last_name", "Birthday": "date_of_birth", "Notes": "notes",
        "E-mail 1 - Value": "email", "Phone 1 - Value": "phone"})
    assert created["missingRequiredFields"] == []
    assert notices_of(name, created) == []
    imported(client, token, created)
    assert clients(db) == {
        "ada@example.com": (*ADA, "+44 7700 900123", date(1990, 11, 5), False, NOTE, None),
        "grace@example.com": ("Grace", "Hopper", "07700 900456", date(1985, 12, 9), False, None, None),
    }


def test_the_older_google_csv_takes_given_and_family_name_and_explains_why_name_is_left_out(client, token, db):
    name = "google_contacts_legacy.csv"
    created = create(client, token, name)

    assert mapping_of(created) == expected(name, {
        "Given Name": "first_name", "Family Name": "last_name", "Birthday": "date_of_birth", "Notes": "notes",
        "E-mail 1 - Value": "email", "Phone 1 - Value": "phone"})
    assert notices_of(name, created) == [(
        "Name", "'Name' looks like Full name; it is not mapped because First name and Last name come from "
                "'Given Name' and 'Family Name'. Map it to full_name to fill the rows where those are blank.")]
    imported(client, token, created)
    assert clients(db) == {
        "ada@example.com": (*ADA, "+44 7700 900123", date(1990, 11, 5), False, NOTE, None),
        "grace@example.com": ("Grace", "Hopper", "07700 900456", None, False, None, None),
    }


def test_outlook_maps_e_mail_address_and_mobile_phone_among_its_92_columns(client, token, db):
    name = "outlook_contacts_mapping.csv"
    created = create(client, token, name)

    assert mapping_of(created) == expected(name, {
        "First Name": "first_name", "Last Name": "last_name", "Mobile Phone": "phone", "Birthday": "date_of_birth",
        "E-mail Address": "email", "Notes": "notes"})
    assert notices_of(name, created) == []
    imported(client, token, created)
    assert clients(db) == {
        "ada@example.com": (*ADA, "+44 7700 900123", None, False, NOTE, None),
        "grace@example.com": ("Grace", "Hopper", None, None, False, None, None),
    }


def test_shopify_takes_email_consent_and_leaves_sms_consent_out_with_a_notice(client, token, db):
    name = "shopify_customers_export.csv"
    created = create(client, token, name)

    assert mapping_of(created) == expected(name, {
        "Customer ID": "external_ref", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
        "Accepts Email Marketing": "marketing_opt_in", "Phone": "phone", "Note": "notes"})
    assert notices_of(name, created) == [(
        "Accepts SMS Marketing",
        "'Accepts SMS Marketing' is consent to texts, not to email; it is not mapped to Marketing opt-in.")]
    imported(client, token, created)
    assert clients(db) == {
        "ada@example.com": (*ADA, "+447700900123", None, True, NOTE, "7999252627681"),
        # Grace accepts texts but not email: she is not opted in.
        "grace@example.com": ("Grace", "Hopper", None, None, False, None, "8779761975521"),
    }


MAILCHIMP = {"Email Address": "email", "First Name": "first_name", "Last Name": "last_name",
             "Phone Number": "phone", "NOTES": "notes"}


@pytest.mark.parametrize(("name", "stored"), [
    ("mailchimp_subscribed.csv", {
        "ada@example.com": (*ADA, "+44 7700 900123", None, False, NOTE, None),
        "grace@example.com": ("Grace", "Hopper", None, None, False, None, None)}),
    ("mailchimp_unsubscribed.csv", {"bob@example.com": ("Bob", "Babbage", None, None, False, None, None)}),
    ("mailchimp_cleaned.csv", {"old@example.com": ("Olive", "Oldham", None, None, False, None, None)}),
])
def test_each_mailchimp_audience_file_maps_its_merge_fields_and_never_its_consent_timestamps(
        client, token, db, name, stored):
    created = create(client, token, name)

    # OPTIN_TIME, OPTIN_IP, UNSUB_* and CLEAN_* are about the consent, never the consent itself.
    # Mailchimp says who is subscribed by the file, not by a column: no column is the opt-in.
    assert mapping_of(created) == expected(name, MAILCHIMP)
    assert notices_of(name, created) == []
    imported(client, token, created)
    assert clients(db) == stored


def test_hubspot_takes_record_id_and_the_first_phone_and_not_its_marketing_contact_status(client, token, db):
    name = "hubspot_contacts.csv"
    created = create(client, token, name)

    # 'Marketing contact status' is HubSpot's billing status (marketing contact or not), not consent.
    assert mapping_of(created) == expected(name, {
        "Record ID": "external_ref", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
        "Phone Number": "phone"})
    assert notices_of(name, created) == []
    imported(client, token, created)
    assert clients(db) == {
        "ada@example.com": (*ADA, "020 7946 0000", None, False, None, "51"),
        "grace@example.com": ("Grace", "Hopper", "07700 900456", None, False, None, "101"),
    }


def test_square_reads_its_email_subscription_status_words_and_memo(client, token, db):
    name = "square_customers.csv"
    created = create(client, token, name)

    assert mapping_of(created) == expected(name, {
        "Reference ID": "external_ref", "First Name": "first_name", "Last Name": "last_name",
        "Email Address": "email", "Phone Number": "phone", "Birthday": "date_of_birth", "Memo": "notes",
        "Email Subscription Status": "marketing_opt_in"})
    assert notices_of(name, created) == []
    imported(client, token, created)
    assert clients(db) == {
        "ada@example.com": (*ADA, "+44 7700 900123", date(1990, 11, 5), True, NOTE, "CRM-1042"),  # Subscribed
        "grace@example.com": ("Grace", "Hopper", None, None, False, None, None),  # Unsubscribed
        "bob@example.com": ("Bob", "Babbage", None, None, False, None, None),  # Unknown: no consent recorded
    }


def test_salesforce_never_takes_email_opt_out_for_the_opt_in_and_says_why(client, token, db):
    name = "salesforce_contacts.csv"
    created = create(client, token, name)

    assert mapping_of(created) == expected(name, {
        "Contact ID": "external_ref", "First Name": "first_name", "Last Name": "last_name", "Phone": "phone",
        "Email": "email", "Birthdate": "date_of_birth", "Description": "notes"})
    assert notices_of(name, created) == [(
        "Email Opt Out", "'Email Opt Out' records a refusal (its yes means no email), the opposite of an opt-in; "
                         "it is not mapped to Marketing opt-in.")]
    imported(client, token, created)
    assert clients(db) == {
        "ada@example.com": (*ADA, "020 7946 0000", None, False, NOTE, "0035g00000ABCDeAAH"),
        "grace@example.com": ("Grace", "Hopper", "020 7946 0001 x12", None, False, None, "0035g00000ABCDfAAH"),
    }


def test_woocommerce_maps_its_name_column_to_the_full_name_never_to_a_part(client, token):
    name = "woocommerce_customers.csv"
    created = create(client, token, name)

    assert mapping_of(created) == expected(name, {"Name": "full_name", "Email": "email"})
    assert created["missingRequiredFields"] == []
    assert notices_of(name, created) == []


def test_woocommerce_names_are_split_into_first_and_last_and_one_word_is_a_row_error(client, token, db):
    created = create(client, token, "woocommerce_customers.csv")
    validated = settle(client, token, created["id"])
    assert (validated["totalRows"], validated["failedValidationRows"]) == (4, 1)
    errors = data_of(gql(client, """query($id: ID!) { import(id: $id) { errors(first: 10) {
        edges { node { rowNumber column message } } } } }""", {"id": created["id"]}, token=token))
    assert [e["node"] for e in errors["import"]["errors"]["edges"]] == [{
        "rowNumber": 5, "column": "Name",
        "message": "'Cher' has no last name; write the full name as 'First Last' or 'Last, First', "
                   "or map a Last name column"}]
    data_of(start(client, token, created["id"]))
    assert settle(client, token, created["id"])["status"] == "IMPORTED"
    assert clients(db) == {
        "ada@example.com": (*ADA, None, None, False, None, None),
        "countess@example.com": ("Ada", "King Lovelace", None, None, False, None, None),
        "grace@example.com": ("Grace", "Hopper", None, None, False, None, None),
    }


def test_mindbody_takes_promotional_emails_for_the_opt_in_and_explains_promotional_texts(client, token, db):
    name = "mindbody_clients_api.csv"
    created = create(client, token, name)

    assert mapping_of(created) == expected(name, {
        "Id": "external_ref", "FirstName": "first_name", "LastName": "last_name", "Email": "email",
        "MobilePhone": "phone", "BirthDate": "date_of_birth", "SendPromotionalEmails": "marketing_opt_in",
        "Notes": "notes"})
    assert notices_of(name, created) == [(
        "SendPromotionalTexts",
        "'SendPromotionalTexts' is consent to texts, not to email; it is not mapped to Marketing opt-in.")]
    imported(client, token, created)
    assert clients(db) == {
        "ada@example.com": (*ADA, "+44 7700 900123", None, True, NOTE, "100000123"),
        "grace@example.com": ("Grace", "Hopper", "07700 900456", None, False, None, "100000124"),
    }


def test_a_spa_export_maps_guest_code_mobile_number_and_client_notes_and_stores_plain_spaces(client, token, db):
    name = "spa_booking_clients.csv"
    created = create(client, token, name)

    assert mapping_of(created) == expected(name, {
        "Guest Code": "external_ref", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
        "Mobile Number": "phone", "Client Notes": "notes", "Email Marketing": "marketing_opt_in"})
    assert notices_of(name, created) == [(
        "SMS Marketing", "'SMS Marketing' is consent to texts, not to email; it is not mapped to Marketing opt-in.")]
    imported(client, token, created)
    assert clients(db) == {
        "ada@example.com": (*ADA, "+44 7700 900123", None, True, NOTE, "G-0001"),  # "Opted in"
        # SMS yes, email no; the file's no-break spaces are stored as plain spaces.
        "grace@example.com": ("Grace", "Hopper", "07700 900 456", None, False, None, "G-0002"),
    }


def test_a_shopify_product_csv_maps_its_variant_columns_to_a_retail_product(client, token, db):
    name = "shopify_products.csv"
    created = create(client, token, name, type_="RETAIL_PRODUCT")

    assert mapping_of(created) == expected(name, {
        "Title": "name", "Vendor": "brand", "Type": "category", "Variant SKU": "sku", "Variant Inventory Qty": "stock",
        "Variant Price": "price", "Variant Barcode": "barcode", "Cost per item": "cost"})
    imported(client, token, created)
    with db.read() as session:
        product = session.exec(select(RetailProduct)).one()
    assert (product.sku, product.name, product.brand, product.category, product.price, product.cost, product.barcode,
            product.stock, product.currency) == ("SKU-123", "Rose body oil 100ml", "Elemis", "Body care",
                                                 Decimal("24.00"), Decimal("11.50"), "5012345678900", 12, "GBP")


def test_import_types_publishes_the_full_name_field_and_the_aliases_of_real_exports(client, token):
    result = data_of(gql(client, "{ importTypes { type fields { name required aliases description } } }",
                         token=token))
    fields = {f["name"]: f for t in result["importTypes"] if t["type"] == "CLIENT" for f in t["fields"]}
    assert [name for name in fields][:3] == ["first_name", "last_name", "full_name"]
    assert (fields["full_name"]["required"], fields["first_name"]["required"]) == (False, True)
    assert "unless a Full name column is mapped" in fields["first_name"]["description"]
    assert "'Ada King Lovelace' is Ada / King Lovelace" in fields["full_name"]["description"]
    for field, alias in [("phone", "mobile phone"), ("phone", "cell phone"), ("phone", "mobile number"),
                         ("marketing_opt_in", "accepts email marketing"),
                         ("marketing_opt_in", "email subscription status"), ("notes", "memo"),
                         ("notes", "client notes"), ("external_ref", "record id"), ("external_ref", "guest code"),
                         ("external_ref", "customer id"), ("full_name", "name")]:
        assert alias in fields[field]["aliases"], (field, alias)

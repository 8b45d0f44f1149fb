"""A date column's order, decided from its dates, through the API: real export files are
uploaded, validated and imported, and the stored birthdays and the import's notices checked."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from sqlmodel import select

from domain.models import Client, Import
from domain.options import DateOrder, ReadOptions
from tests.helpers import IMPORT_FIELDS, data_of, gql, settle, start, upload

EXPORTS = Path(__file__).parent / "samples" / "exports"
OUTLOOK_MAPPING = [
    {"column": "First Name", "field": "first_name"}, {"column": "Last Name", "field": "last_name"},
    {"column": "E-mail Address", "field": "email"}, {"column": "Mobile Phone", "field": "phone"},
    {"column": "Birthday", "field": "date_of_birth"}, {"column": "Notes", "field": "notes"},
]
SIMPLE_MAPPING = [
    {"column": "First Name", "field": "first_name"}, {"column": "Last Name", "field": "last_name"},
    {"column": "Email", "field": "email"}, {"column": "Birthday", "field": "date_of_birth"},
]
REMAP = f"""mutation($id: ID!, $m: [MappingInput!]!) {{
    updateImportMapping(id: $id, mapping: $m) {{ {IMPORT_FIELDS} }} }}"""
ERRORS = """query($id: ID!) { import(id: $id) { errors(first: 100) {
    edges { node { rowNumber column field value code message } } } } }"""


def validated(client, token, name: str, mapping: list[dict]) -> dict:
    created = data_of(upload(client, (EXPORTS / name).read_bytes(), token=token, filename=name, mapping=mapping))
    final = settle(client, token, created["createImport"]["id"])
    assert final["status"] == "VALIDATED", final["errorMessage"]
    return final


def imported(client, token, import_id: str) -> dict:
    data_of(start(client, token, import_id))
    final = settle(client, token, import_id)
    assert final["status"] == "IMPORTED", final
    return final


def birthdays(db) -> dict[str, date | None]:
    """The stored clients' birthdays by first name."""
    with db.read() as session:
        return {person.first_name: person.date_of_birth for person in session.exec(select(Client)).all()}


def notices(db, import_id: str) -> list[dict]:
    with db.read() as session:
        return session.get(Import, uuid.UUID(import_id)).notices or []


def date_notices(db, import_id: str) -> list[dict]:
    return [notice for notice in notices(db, import_id) if notice["code"].startswith("DATE_")]


def row_errors(client, token, import_id: str) -> list[dict]:
    result = data_of(gql(client, ERRORS, {"id": import_id}, token=token))
    return [edge["node"] for edge in result["import"]["errors"]["edges"]]


def choose_date_order(db, client, token, import_id: str, order: DateOrder, mapping: list[dict]) -> dict:
    """Set the import's dateOrder (stored options; GraphQL takes it later) and validate again."""
    with db.write() as session:
        record = session.get(Import, uuid.UUID(import_id))
        record.options = ReadOptions(date_order=order).to_json()
        session.add(record)
    data_of(gql(client, REMAP, {"id": import_id, "m": mapping}, token=token))
    final = settle(client, token, import_id)
    assert final["status"] == "VALIDATED", final["errorMessage"]
    return final


def test_an_outlook_us_export_is_read_month_first_because_a_birthday_proves_it(client, token, db):
    checked = validated(client, token, "outlook_contacts_us.csv", OUTLOOK_MAPPING)
    assert (checked["totalRows"], checked["failedValidationRows"]) == (5, 0)

    imported(client, token, checked["id"])

    assert birthdays(db) == {
        "Ada": date(1990, 5, 11), "Grace": date(1986, 12, 9), "Alan": date(1982, 6, 23), "Katherine": None,
        "Edsger": date(1985, 12, 31),
    }
    assert date_notices(db, checked["id"]) == [{
        "code": "DATE_ORDER", "column": "Birthday", "value": "MONTH_FIRST", "control": None,
        "sample": "row 4: 6/23/1982",
        "message": "Column 'Birthday' is read month first: row 4 has 6/23/1982: the second part is over 12, so "
                   "this column is month first. So 5/11/1990 (row 2) is read as 11 May 1990. 1 cell written like "
                   "0/0/00 means no date and is left empty.",
    }]


def test_a_uk_export_is_read_day_first_because_a_birthday_proves_it(client, token, db):
    mapping = [{"column": "First Name", "field": "first_name"}, {"column": "Surname", "field": "last_name"},
               {"column": "Email Address", "field": "email"}, {"column": "Mobile", "field": "phone"},
               {"column": "Date of Birth", "field": "date_of_birth"}, {"column": "Notes", "field": "notes"}]
    checked = validated(client, token, "clients_uk_day_first.csv", mapping)

    imported(client, token, checked["id"])

    assert birthdays(db) == {"Ada": date(1990, 5, 13), "Grace": date(1990, 11, 5), "Alan": date(1985, 2, 1),
                             "Mary": date(1979, 12, 31)}
    [notice] = date_notices(db, checked["id"])
    assert (notice["column"], notice["value"]) == ("Date of Birth", "DAY_FIRST")
    assert notice["message"].startswith("Column 'Date of Birth' is read day first: row 2 has 13/05/1990: the first "
                                        "part is over 12")


def test_an_ambiguous_column_is_day_first_by_default_then_month_first_when_the_import_asks(client, token, db):
    checked = validated(client, token, "clients_ambiguous_dates.csv", SIMPLE_MAPPING)
    [notice] = date_notices(db, checked["id"])
    assert notice == {
        "code": "DATE_ORDER", "column": "Birthday", "value": "DAY_FIRST", "control": "dateOrder", "sample": None,
        "message": "No date in column 'Birthday' proves its order (each day and month is 12 or less), so it is read "
                   "day first, this organisation's default; set dateOrder to MONTH_FIRST if it is month first. "
                   "So 05/11/1990 (row 2) is read as 5 November 1990.",
    }

    again = choose_date_order(db, client, token, checked["id"], DateOrder.MONTH_FIRST, SIMPLE_MAPPING)
    [notice] = date_notices(db, checked["id"])
    assert notice["value"] == "MONTH_FIRST"
    assert "so it is read month first, as dateOrder asks; set dateOrder to DAY_FIRST" in notice["message"]

    imported(client, token, again["id"])
    assert birthdays(db) == {"Ada": date(1990, 5, 11), "Grace": date(1985, 1, 2), "Alan": date(1979, 12, 10),
                             "Mary": None}


def test_an_ambiguous_column_follows_the_organisations_default_order(client, token, db):
    data_of(gql(client, "mutation { updateOrganisationSettings(dateOrder: MONTH_FIRST) { dateOrder } }", token=token))
    checked = validated(client, token, "clients_ambiguous_dates.csv", SIMPLE_MAPPING)

    imported(client, token, checked["id"])

    assert birthdays(db)["Ada"] == date(1990, 5, 11)
    [notice] = date_notices(db, checked["id"])
    assert (notice["value"], "read month first, this organisation's default" in notice["message"]) == (
        "MONTH_FIRST", True)


def test_a_conflicting_column_takes_the_order_most_rows_prove_and_the_rows_that_disagree_are_errors(
        client, token, db):
    checked = validated(client, token, "clients_conflicting_dates.csv", SIMPLE_MAPPING)
    assert (checked["totalRows"], checked["failedValidationRows"]) == (5, 1)

    assert row_errors(client, token, checked["id"]) == [{
        "rowNumber": 4, "column": "Birthday", "field": "date_of_birth", "value": "13/05/1985", "code": "AMBIGUOUS_DATE",
        "message": "'13/05/1985' is not a real date month first (month 13); day first it would be 13 May 1985 - "
                   "set dateOrder to DAY_FIRST if the column is day first",
    }]
    order, conflict = date_notices(db, checked["id"])
    assert (order["code"], order["value"]) == ("DATE_ORDER", "MONTH_FIRST")
    assert order["message"].startswith("Column 'Birthday' is read month first: 3 rows prove it (row 2 has 12/31/1990: "
                                       "the second part is over 12), against 1 that proves day first.")
    assert conflict == {
        "code": "DATE_ORDER_CONFLICT", "column": "Birthday", "value": "MONTH_FIRST", "control": None,
        "sample": "row 4: 13/05/1985",
        "message": "1 row of column 'Birthday' proves day first (row 4: 13/05/1985), against 3 that prove month "
                   "first: that row is an error; correct it in the file.",
    }

    imported(client, token, checked["id"])
    assert birthdays(db) == {"Ada": date(1990, 12, 31), "Grace": date(1990, 5, 11), "Mary": date(1979, 11, 30),
                             "Emmy": date(1982, 1, 20)}


def test_iso_date_times_keep_their_date_and_drop_the_time_and_zone(client, token, db):
    mapping = [{"column": "First Name", "field": "first_name"}, {"column": "Last Name", "field": "last_name"},
               {"column": "Email", "field": "email"}, {"column": "Date of birth", "field": "date_of_birth"},
               {"column": "Record ID", "field": "external_ref"}]
    checked = validated(client, token, "crm_contacts_iso_datetimes.csv", mapping)
    assert checked["failedValidationRows"] == 0

    imported(client, token, checked["id"])

    assert birthdays(db) == {"Ada": date(1990, 11, 5), "Grace": date(1985, 12, 24), "Alan": date(1978, 3, 1),
                             "Mary": date(1992, 7, 4)}
    assert date_notices(db, checked["id"]) == []  # nothing was decided: ISO dates are not in doubt


def test_german_dotted_dates_are_day_first_and_sap_zero_dates_are_empty(client, token, db):
    mapping = [{"column": "Vorname", "field": "first_name"}, {"column": "Nachname", "field": "last_name"},
               {"column": "E-Mail", "field": "email"}, {"column": "Telefon", "field": "phone"},
               {"column": "Geburtsdatum", "field": "date_of_birth"}]
    checked = validated(client, token, "clients_german_dotted_dates.csv", mapping)
    assert checked["failedValidationRows"] == 0

    imported(client, token, checked["id"])

    assert birthdays(db) == {"Jürgen": date(1985, 12, 24), "Anna": date(1990, 11, 5), "Lena": None,
                             "Karl": date(1975, 2, 1)}
    [notice] = date_notices(db, checked["id"])
    assert (notice["column"], notice["value"]) == ("Geburtsdatum", "DAY_FIRST")
    assert "1 cell written like 00.00.0000 means no date and is left empty." in notice["message"]


def test_validating_again_replaces_the_date_notices_and_keeps_the_others(client, token, db):
    checked = validated(client, token, "clients_ambiguous_dates.csv", SIMPLE_MAPPING)
    encoding = {"code": "ENCODING", "message": "Read as UTF-8.", "column": None, "value": "utf-8",
                "control": "encoding", "sample": None}
    with db.write() as session:
        record = session.get(Import, uuid.UUID(checked["id"]))
        record.notices = [encoding, *record.notices]
        session.add(record)

    unmapped = [entry for entry in SIMPLE_MAPPING if entry["field"] != "date_of_birth"]
    data_of(gql(client, REMAP, {"id": checked["id"], "m": unmapped}, token=token))
    assert settle(client, token, checked["id"])["status"] == "VALIDATED"

    assert notices(db, checked["id"]) == [encoding]

"""Every import type end to end: a realistic file of good and bad rows stored, updated or
upserted, and rolled back, through the GraphQL API."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from domain.models import (
    AppointmentType,
    AreaBookingType,
    Client,
    Import,
    InventoryProduct,
    Package,
    RetailProduct,
    SessionType,
    Voucher,
)
from domain.rules.types import (
    IMPORT_TYPES,
    FieldKind,
    FieldSpec,
    ImportTypeSpec,
)
from tests.helpers import data_of, error_code, gql, rollback, settle, start, upload

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / f"{name}.csv").read_bytes()


def run(client, token, type_: str, content: bytes, mode: str = "STORE", **kwargs) -> dict:  # noqa: ANN003
    """Upload, validate, import; the settled import."""
    created = data_of(upload(client, content, token=token, type_=type_, mode=mode,
                             filename=f"{type_.lower()}.csv", **kwargs))["createImport"]
    if mode == "STORE":
        assert created["missingRequiredFields"] == [], created["mapping"]
    validated = settle(client, token, created["id"])
    assert validated["status"] == "VALIDATED", validated["errorMessage"]
    data_of(start(client, token, created["id"]))
    final = settle(client, token, created["id"])
    assert final["status"] == "IMPORTED", final
    return final


def undo(client, token, import_id: str) -> dict:
    data_of(rollback(client, token, import_id))
    final = settle(client, token, import_id)
    assert final["status"] == "ROLLED_BACK"
    return final


def row_errors(client, token, import_id: str) -> dict[int, str]:
    result = data_of(gql(client, """query($id: ID!) { import(id: $id) { errors(first: 100) {
        edges { node { rowNumber message } } } } }""", {"id": import_id}, token=token))
    return {e["node"]["rowNumber"]: e["node"]["message"] for e in result["import"]["errors"]["edges"]}


def records(db, model, key: str = "code") -> dict:
    """The stored records by `key`; codes and SKUs in upper case, as an update may write them in any case."""
    with db.read() as session:
        items = session.exec(select(model)).all()
    if key in ("code", "sku"):
        return {getattr(item, key).upper(): item for item in items}
    return {getattr(item, key): item for item in items}


def test_appointment_types_keep_exact_prices_default_the_currency_and_explain_bad_rows(client, token, db):
    final = run(client, token, "APPOINTMENT_TYPE", sample("appointment_type"))

    assert (final["importedRows"], final["failedValidationRows"]) == (3, 5)
    assert row_errors(client, token, final["id"]) == {
        5: "'ninety' is not a whole number",
        6: "Duration (minutes) is 3; the least is 5",
        7: "'12.345' has more than 2 decimal places",
        8: "'GPB' is not a currency; did you mean 'GBP'?",
        9: "The same code is already on row 2 of this file",
    }
    stored = records(db, AppointmentType)
    assert set(stored) == {"FACIAL60", "MASS90", "NAILS30"}
    facial = stored["FACIAL60"]
    assert (facial.price, facial.currency, facial.duration_minutes, facial.buffer_minutes) == (
        Decimal("65.00"), "GBP", 60, 15)
    assert (facial.code_key, facial.online_bookable, facial.tax_rate) == ("facial60", True, Decimal("20.00"))
    assert facial.description == "Cleanse, exfoliate and massage"
    assert (stored["MASS90"].price, stored["MASS90"].tax_rate) == (Decimal("1095.50"), Decimal("20.00"))
    assert (stored["NAILS30"].price, stored["NAILS30"].currency) == (Decimal("25.00"), "EUR")

    upsert = run(client, token, "APPOINTMENT_TYPE",
                 b"code,name,duration_minutes,price\n facial60 ,,,70.00\nPED45,Pedicure,45,35\n", "UPSERT")
    assert upsert["importedRows"] == 2
    changed = records(db, AppointmentType)
    assert (changed["FACIAL60"].price, changed["FACIAL60"].name) == (Decimal("70.00"), "Signature facial")
    assert changed["PED45"].currency == "GBP"

    undo(client, token, upsert["id"])
    restored = records(db, AppointmentType)
    assert set(restored) == {"FACIAL60", "MASS90", "NAILS30"}
    assert restored["FACIAL60"].price == Decimal("65.00")

    assert undo(client, token, final["id"])["rolledBackRows"] == 3
    assert records(db, AppointmentType) == {}


def test_session_types_have_a_capacity_and_a_level_and_update_by_code_in_any_case(client, token, db):
    final = run(client, token, "SESSION_TYPE", sample("session_type"))

    assert (final["importedRows"], final["failedValidationRows"]) == (3, 3)
    assert row_errors(client, token, final["id"]) == {
        5: "'expert' is not a level; use one of all levels, beginner, intermediate, advanced",
        6: "Capacity is 0; the least is 1",
        7: "Capacity is required",
    }
    stored = records(db, SessionType)
    assert (stored["SPIN45"].level, stored["SPIN45"].capacity, stored["SPIN45"].price) == (
        "beginner", 20, Decimal("8.50"))

    update = run(client, token, "SESSION_TYPE", b"code,name,duration_minutes,capacity,price\nspin45,,,24,\nNOPE,,,10,\n", "UPDATE")
    assert (update["importedRows"], update["failedValidationRows"], update["failedImportRows"]) == (1, 1, 0)
    assert row_errors(client, token, update["id"]) == {3: "No session type with code NOPE to update"}
    assert records(db, SessionType)["SPIN45"].capacity == 24

    undo(client, token, update["id"])
    assert records(db, SessionType)["SPIN45"].capacity == 20


def test_area_booking_types_are_booked_in_whole_minute_slots(client, token, db):
    final = run(client, token, "AREA_BOOKING_TYPE", sample("area_booking_type"))

    assert (final["importedRows"], final["failedValidationRows"]) == (3, 2)
    assert row_errors(client, token, final["id"]) == {
        5: "'60 mins' is not a whole number",
        6: "Slot length (minutes) is 2000; the most is 1440",
    }
    court = records(db, AreaBookingType)["COURT1"]
    assert (court.slot_minutes, court.capacity, court.price, court.currency) == (60, 4, Decimal("12.00"), "GBP")

    upsert = run(client, token, "AREA_BOOKING_TYPE",
                 b"code,name,slot_minutes,capacity,price\nCOURT1,,,,14.00\nCOURT2,Tennis court 2,60,4,12\n", "UPSERT")
    assert upsert["importedRows"] == 2
    assert records(db, AreaBookingType)["COURT1"].price == Decimal("14.00")

    undo(client, token, upsert["id"])
    after = records(db, AreaBookingType)
    assert set(after) == {"COURT1", "SAUNA", "LANE1"}
    assert (after["COURT1"].price, after["COURT1"].capacity) == (Decimal("12.00"), 4)


def test_retail_products_check_barcodes_and_keep_skus_unique_without_regard_to_case(client, token, db):
    final = run(client, token, "RETAIL_PRODUCT", sample("retail_product"))

    assert (final["importedRows"], final["failedValidationRows"]) == (3, 4)
    assert row_errors(client, token, final["id"]) == {
        5: "'5012345678901' is not a valid barcode: its check digit should be 0",
        6: "Price is -5.00; the least is 0",
        7: "The same sku is already on row 2 of this file",
        8: "Stock is -1; the least is 0",
    }
    stored = records(db, RetailProduct, "sku")
    oil = stored["SKU-123"]
    assert (oil.barcode, oil.price, oil.cost, oil.tax_rate, oil.stock, oil.sku_key) == (
        "5012345678900", Decimal("24.00"), Decimal("11.50"), Decimal("20.00"), 12, "sku-123")
    assert stored["SKU-124"].barcode == "036000291452"
    assert stored["SKU-125"].cost is None

    again = run(client, token, "RETAIL_PRODUCT", b"sku,name,price\n SKU-123 ,Rose oil,20\n")
    assert row_errors(client, token, again["id"])[2].startswith("A retail product with sku SKU-123 already exists (record ")

    update = run(client, token, "RETAIL_PRODUCT", b"sku,name,stock,price\nsku-124,,7,\n", "UPDATE")
    assert update["importedRows"] == 1
    assert (records(db, RetailProduct, "sku")["SKU-124"].stock,
            records(db, RetailProduct, "sku")["SKU-124"].price) == (7, Decimal("48.00"))
    undo(client, token, update["id"])
    assert records(db, RetailProduct, "sku")["SKU-124"].stock == 5


def test_inventory_units_are_a_choice_that_suggests_the_nearest_unit(client, token, db):
    final = run(client, token, "INVENTORY_PRODUCT", sample("inventory_product"))

    assert (final["importedRows"], final["failedValidationRows"]) == (3, 2)
    assert row_errors(client, token, final["id"]) == {
        5: "'Mins' is not a unit; did you mean 'minutes'?",
        6: "'7.5.0' is not an amount",
    }
    stored = records(db, InventoryProduct, "sku")
    assert stored["INV-WAX"].unit == "kg"
    oil = stored["INV-OIL-5L"]
    assert (oil.unit, oil.supplier, oil.cost, oil.currency, oil.stock, oil.reorder_level) == (
        "l", "Spa Supplies Ltd", Decimal("38.00"), "GBP", 6, 2)

    upsert = run(client, token, "INVENTORY_PRODUCT",
                 b"sku,name,unit,stock\nINV-TOWEL,,,100\nINV-GLOVE,Nitrile gloves,box,20\n", "UPSERT")
    assert upsert["importedRows"] == 2
    assert records(db, InventoryProduct, "sku")["INV-TOWEL"].stock == 100
    undo(client, token, upsert["id"])
    after = records(db, InventoryProduct, "sku")
    assert set(after) == {"INV-OIL-5L", "INV-TOWEL", "INV-WAX"}
    assert after["INV-TOWEL"].stock == 120


def test_vouchers_need_a_value_or_a_service_and_expire_after_they_are_issued(client, token, db):
    final = run(client, token, "VOUCHER", sample("voucher"))

    assert (final["importedRows"], final["failedValidationRows"]) == (3, 4)
    assert row_errors(client, token, final["id"]) == {
        5: "The expiry date 2025-01-01 is not after the issue date 2025-01-10",
        6: "A voucher needs a value or the service it pays for",
        7: "A voucher has a value or a service it pays for, not both",
        8: "'not-an-email' is not a valid email address",
    }
    stored = records(db, Voucher)
    gift = stored["GIFT-0001"]
    assert (gift.value, gift.currency, gift.issued_on, gift.expires_on, gift.recipient_email) == (
        Decimal("50.00"), "GBP", date(2024, 12, 1), date(2025, 12, 1), "grace@example.com")
    service = stored["GIFT-0002"]
    assert (service.value, service.currency, service.service, service.expires_on) == (
        None, None, "Signature facial", date(2025, 6, 1))
    assert (stored["GIFT-0003"].currency, stored["GIFT-0003"].expires_on) == ("EUR", None)

    update = run(client, token, "VOUCHER", b"code,issued_on,expires_on,recipient_name\ngift-0001,,2026-06-01,\n", "UPDATE")
    assert update["importedRows"] == 1
    assert records(db, Voucher)["GIFT-0001"].expires_on == date(2026, 6, 1)
    undo(client, token, update["id"])
    restored = records(db, Voucher)["GIFT-0001"]
    assert (restored.expires_on, restored.recipient_name) == (date(2025, 12, 1), "Grace Hopper")


def test_a_package_names_existing_services_and_products_and_a_missing_one_fails_its_row(client, token, db):
    run(client, token, "APPOINTMENT_TYPE", sample("appointment_type"))
    run(client, token, "RETAIL_PRODUCT", sample("retail_product"))

    final = run(client, token, "PACKAGE", sample("package"))

    # The package naming a missing service is refused at validation, with the bad-price row.
    assert (final["importedRows"], final["failedValidationRows"], final["failedImportRows"]) == (2, 2, 0)
    assert row_errors(client, token, final["id"]) == {
        4: "No appointment type or retail product with code NOPE-1, SKU-999 exists; import it before the package",
        5: "';' names no codes; separate codes with ';'",
    }
    services = records(db, AppointmentType)
    products = records(db, RetailProduct, "sku")
    stored = records(db, Package)
    assert stored["PAMPER1"].items == [
        {"type": "appointment_type", "id": services["FACIAL60"].id, "code": "FACIAL60"},
        {"type": "retail_product", "id": products["SKU-123"].id, "code": "SKU-123"},
    ]
    assert [item["code"] for item in stored["RELAX2"].items] == ["MASS90", "NAILS30", "SKU-124"]
    assert (stored["PAMPER1"].price, stored["PAMPER1"].currency, stored["PAMPER1"].valid_days) == (
        Decimal("120.00"), "GBP", 365)

    update = run(client, token, "PACKAGE", b"code,name,items,price\npamper1,,NAILS30,99\n", "UPDATE")
    assert update["importedRows"] == 1
    assert [item["code"] for item in records(db, Package)["PAMPER1"].items] == ["NAILS30"]
    undo(client, token, update["id"])
    restored = records(db, Package)["PAMPER1"]
    assert ([item["code"] for item in restored.items], restored.price) == (["FACIAL60", "SKU-123"], Decimal("120.00"))


PREMIER_CORE_ENTRIES = [
    {"column": "Client ID", "field": "external_ref"}, {"column": "First Name", "field": "first_name"},
    {"column": "Surname", "field": "last_name"}, {"column": "Email Address", "field": "email"},
    {"column": "Mobile", "field": "phone"}, {"column": "DOB", "field": "date_of_birth"},
    {"column": "Email Marketing", "field": "marketing_opt_in"}, {"column": "Client Notes", "field": "notes"},
]


def saved_mapping(client, token: str, type_: str) -> str:
    """A saved mapping of `type_`, written by hand through createImportMapping."""
    result = data_of(gql(client, """mutation($type: ImportType!, $name: String!, $m: [MappingInput!]!) {
        createImportMapping(type: $type, name: $name, mapping: $m) { id type name } }""",
        {"type": type_.upper(), "name": f"{type_} export", "m": PREMIER_CORE_ENTRIES}, token=token))
    return result["createImportMapping"]["id"]


def test_premier_core_clients_need_a_saved_premier_core_mapping_and_become_clients(client, token, db):
    content = sample("premier_core")
    missing = upload(client, content, token=token, type_="PREMIER_CORE")
    assert error_code(missing) == "BAD_INPUT"
    assert "needs premierCoreMappingId" in missing["errors"][0]["message"]
    assert error_code(upload(client, content, token=token, type_="PREMIER_CORE",
                             premier_core_mapping_id="not-hex")) == "BAD_INPUT"
    wrong_type = upload(client, content, token=token, type_="PREMIER_CORE",
                        premier_core_mapping_id=saved_mapping(client, token, "client"))
    assert "is for client imports, not premier_core" in wrong_type["errors"][0]["message"]

    mapping_id = saved_mapping(client, token, "premier_core")
    final = run(client, token, "PREMIER_CORE", content, premier_core_mapping_id=mapping_id)

    assert (final["type"], final["importedRows"], final["failedValidationRows"]) == ("PREMIER_CORE", 2, 2)
    assert row_errors(client, token, final["id"]) == {
        4: "'not-an-email' is not a valid email address",
        5: "'31/02/1990' is not a real date (day 31 of month 2 of 1990)",
    }
    with db.read() as session:
        assert session.get(Import, uuid.UUID(final["id"])).premier_core_mapping_id == mapping_id
    ada = records(db, Client, "external_ref")["PC-1001"]
    assert (ada.first_name, ada.email_key, ada.date_of_birth, ada.marketing_opt_in) == (
        "Ada", "ada@example.com", date(1985, 12, 10), True)

    undo(client, token, final["id"])
    assert records(db, Client, "external_ref") == {}


def test_import_types_lists_every_type_with_its_fields_and_allowed_values(client, token):
    result = data_of(gql(client, """{ importTypes { type fields { name kind required allowedValues } } }""",
                         token=token))
    types = {t["type"]: {f["name"]: f for f in t["fields"]} for t in result["importTypes"]}
    assert {"CLIENT", "PREMIER_CORE", "APPOINTMENT_TYPE", "SESSION_TYPE", "AREA_BOOKING_TYPE", "RETAIL_PRODUCT",
            "PACKAGE", "INVENTORY_PRODUCT", "VOUCHER"} == set(types)
    unit = next(t for n, t in types.items() if n.lower() == "inventory_product")["unit"]
    assert unit["allowedValues"] == ["each", "pack", "box", "pair", "ml", "l", "g", "kg", "minutes"]
    assert (unit["kind"], unit["required"]) == ("choice", True)
    currency = next(t for n, t in types.items() if n.lower() == "voucher")["currency"]
    assert currency["allowedValues"][0] == "GBP"
    assert next(t for n, t in types.items() if n.lower() == "retail_product")["barcode"]["allowedValues"] == []


def _leads_record(values):  # noqa: ANN202
    first, _, last = (values.get("full_name") or "").partition(" ")
    email = values.get("email")
    return {"first_name": first, "last_name": last or "-", "email": email,
            "email_key": email.casefold() if email else None, "phone": values.get("phone")}


# A tenth type is one small spec: leads from a web form, written to the clients table. The
# GraphQL ImportType enum holds the reference API's nine names, so the test lends it a slot.
LEADS = ImportTypeSpec(
    name="client",
    label="Leads",
    model=Client,
    unique_field="email",
    unique_column="email_key",
    match_keys=("email",),
    record=_leads_record,
    fields=(
        FieldSpec("full_name", "Full name", required=True, aliases=("name",)),
        FieldSpec("email", "Email", FieldKind.EMAIL, required=True, max_length=320),
        FieldSpec("phone", "Phone", FieldKind.PHONE, max_length=50),
    ),
)


def test_a_new_type_is_one_small_spec_and_runs_end_to_end(client, token, db, monkeypatch):
    monkeypatch.setitem(IMPORT_TYPES, "client", LEADS)
    content = b"Name,Email,Phone\nAda Lovelace,ada@example.com,+44 20 7946 0000\nBob,bad-address,\n"

    final = run(client, token, "CLIENT", content)

    assert (final["importedRows"], final["failedValidationRows"]) == (1, 1)
    assert row_errors(client, token, final["id"]) == {3: "'bad-address' is not a valid email address"}
    ada = records(db, Client, "email")["ada@example.com"]
    assert (ada.first_name, ada.last_name, ada.phone) == ("Ada", "Lovelace", "+44 20 7946 0000")
    undo(client, token, final["id"])
    assert records(db, Client, "email") == {}

"""STORE, UPDATE and UPSERT, and rolling each back: before-images and rollback conflicts."""

from __future__ import annotations

from sqlmodel import select

from domain.models import Client
from tests.helpers import data_of, gql, rollback, settle, start, upload

HEADER = "external_ref,first_name,last_name,email,phone,notes\n"
ORIGINAL = HEADER + (
    "E1,Ada,Lovelace,ada@example.com,+44 1111 1111,first note\n"
    "E2,Bob,Builder,bob@example.com,,\n"
    "E3,Cy,Young,cy@example.com,,\n"
)


def run_import(client, token, content: str, mode: str, *, before_start=None) -> dict:
    """Upload, validate and import `content`; `before_start(import_id)` runs once it is VALIDATED."""
    created = data_of(upload(client, content.encode(), token=token, mode=mode))["createImport"]
    assert settle(client, token, created["id"])["status"] == "VALIDATED"
    if before_start:
        before_start(created["id"])
    data_of(start(client, token, created["id"]))
    final = settle(client, token, created["id"])
    assert final["status"] == "IMPORTED"
    return final


def undo(client, token, import_id: str) -> dict:
    data_of(rollback(client, token, import_id))
    final = settle(client, token, import_id)
    assert final["status"] == "ROLLED_BACK"
    return final


def clients(db) -> dict[str, Client]:
    with db.read() as session:
        return {c.external_ref: c for c in session.exec(select(Client)).all()}


def messages(client, token, import_id: str) -> list[str]:
    result = data_of(gql(client, """query($id: ID!) { import(id: $id) { errors(first: 100) {
        edges { node { rowNumber message } } } } }""", {"id": import_id}, token=token))
    return [e["node"]["message"] for e in result["import"]["errors"]["edges"]]


def test_update_changes_found_records_keeps_blank_cells_and_fails_unknown_ones(client, token, db):
    run_import(client, token, ORIGINAL, "STORE")
    changes = HEADER + (
        "E1,,,,+44 2222 2222,\n"
        ",Bobby,Builder,BOB@example.com,,\n"
        "E9,Nobody,Here,nobody@example.com,,\n"
    )
    final = run_import(client, token, changes, "UPDATE")

    assert (final["importedRows"], final["failedValidationRows"], final["failedImportRows"]) == (2, 1, 0)
    after = clients(db)
    assert len(after) == 3
    assert after["E1"].phone == "+44 2222 2222"
    assert (after["E1"].first_name, after["E1"].notes) == ("Ada", "first note")
    assert after["E2"].first_name == "Bobby"
    assert "No client with external reference E9 to update" in messages(client, token, final["id"])


def test_store_refuses_a_record_whose_match_key_exists(client, token, db):
    run_import(client, token, ORIGINAL, "STORE")
    final = run_import(client, token, HEADER + "E1,Ada,Again,new-ada@example.com,,\nE4,Di,Prince,di@example.com,,\n", "STORE")
    assert (final["importedRows"], final["failedValidationRows"], final["failedImportRows"]) == (1, 1, 0)
    assert messages(client, token, final["id"]) == [
        "A client with external reference E1 already exists (record 1); import it in UPDATE or UPSERT mode to change it"]
    assert clients(db)["E1"].last_name == "Lovelace"


def test_rolling_back_an_upsert_deletes_what_it_created_and_restores_what_it_changed(client, token, db):
    run_import(client, token, ORIGINAL, "STORE")
    before = clients(db)["E1"]
    upsert = run_import(client, token, HEADER + "E1,Ada,King,ada.king@example.com,,changed\nE5,Eve,New,eve@example.com,,\n",
                        "UPSERT")
    assert upsert["importedRows"] == 2
    changed = clients(db)
    assert (changed["E1"].last_name, changed["E1"].email, changed["E1"].notes) == ("King", "ada.king@example.com", "changed")
    assert "E5" in changed

    final = undo(client, token, upsert["id"])

    assert (final["rolledBackRows"], final["rollbackConflictRows"]) == (2, 0)
    restored = clients(db)
    assert set(restored) == {"E1", "E2", "E3"}
    for name in ("first_name", "last_name", "email", "email_key", "phone", "notes"):
        assert getattr(restored["E1"], name) == getattr(before, name), name


def test_a_record_changed_after_an_import_is_not_clobbered_by_its_rollback(client, token, db):
    store = run_import(client, token, ORIGINAL, "STORE")
    first = run_import(client, token, HEADER + "E1,,Byron,,,\nE2,,Bloggs,,,\n", "UPDATE")
    run_import(client, token, HEADER + "E1,,Somerville,,,\n", "UPDATE")

    final = undo(client, token, first["id"])

    assert (final["rolledBackRows"], final["rollbackConflictRows"]) == (1, 1)
    after = clients(db)
    assert after["E1"].last_name == "Somerville"
    assert after["E2"].last_name == "Builder"
    assert any("changed after the import" in m for m in messages(client, token, first["id"]))

    stored = undo(client, token, store["id"])
    assert (stored["rolledBackRows"], stored["rollbackConflictRows"]) == (2, 1)
    assert set(clients(db)) == {"E1"}


def test_an_upsert_row_that_matches_nothing_must_be_a_complete_new_record(client, token, db):
    run_import(client, token, ORIGINAL, "STORE")
    final = run_import(client, token, HEADER + "E1,,Lovelace-King,,,\nE8,Newt,,newt@example.com,,\n", "UPSERT")
    assert (final["importedRows"], final["failedValidationRows"], final["failedImportRows"]) == (1, 1, 0)
    assert "No client matches this row, and it cannot create one: Last name is required" in messages(
        client, token, final["id"])
    assert "E8" not in clients(db)


def test_upsert_rows_sharing_an_external_ref_import_once_and_refuse_the_repeat(client, token, db):
    """Two rows of one chunk with one new external reference: the first creates the record,
    the second is refused naming the first (it once crashed the chunk, leaving the import
    IMPORTING forever)."""
    upsert = HEADER + "E7,Gus,Grey,gus@example.com,,\nE7,Gus,Green,gus.green@example.com,,\n"
    final = run_import(client, token, upsert, "UPSERT")
    assert (final["importedRows"], final["failedValidationRows"] + final["failedImportRows"]) == (1, 1)
    assert messages(client, token, final["id"]) == ["The same external reference is already on row 2 of this file"]
    assert clients(db)["E7"].last_name == "Grey"

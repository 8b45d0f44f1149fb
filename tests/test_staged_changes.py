"""UPDATE and UPSERT written set-based (rows staged at validation: domain/pipeline/staged_changes.py)
do what the row-by-row path does: the same records, problems and counts, and the same
records again after a rollback.

Each path runs in an organisation of its own, on the same database. For the row-by-row
path the staged documents are taken off the rows once validated, as for an import an
earlier release validated: the chunks then validate and write each row again.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import null
from sqlmodel import select, update

from domain.models import Client, Import, ImportRow
from tests.helpers import data_of, gql
from tests.test_modes import run_import, undo

HEADER = "first_name,last_name,email,phone,date_of_birth,marketing_opt_in,notes\n"
STORED = HEADER + (
    "Ada,Lovelace,ada@example.com,+44 1111 1111,10/12/1985,yes,first note\n"
    "Bob,Builder,bob@example.com,,,no,\n"
    "Cy,Young,cy@example.com,,01/02/1970,,\n"
)
UPDATES = HEADER + (
    ",,ada@example.com,+44 2222 2222,,,\n"  # blank cells keep their values
    "Bobby,,BOB@EXAMPLE.COM,,,yes,\n"  # the key in another case finds the record; the email takes the new form
    ",,cy@example.com,,0/0/00,no,changed\n"  # a date cell meaning no value clears the date
    "Nobody,Here,nobody@example.com,,,,\n"  # no such client
    ",,bob@example.com,,,,\n"  # the same key again: refused, naming row 3 (the header is row 1)
)
UPSERTS = UPDATES + (
    "Eve,New,eve@example.com,,,yes,\n"  # new, and complete: created
    "Newt,,newt@example.com,,,,\n"  # new, and no last name: refused
)
LATER = HEADER + ",,ada@example.com,+44 3333 3333,,,\n"
COMPARED = ("first_name", "last_name", "email", "email_key", "phone", "date_of_birth", "marketing_opt_in", "notes")


def unstage(db, import_id: str) -> None:
    with db.write() as session:
        session.connection().execute(update(ImportRow).where(ImportRow.import_id == uuid.UUID(import_id))
                                     .values(staged=null()))


def problems(client, token, import_id: str) -> list[tuple[int, str]]:
    result = data_of(gql(client, """query($id: ID!) { import(id: $id) { errors(first: 100) {
        edges { node { rowNumber message } } } } }""", {"id": import_id}, token=token))
    return sorted((e["node"]["rowNumber"], e["node"]["message"]) for e in result["import"]["errors"]["edges"])


def org_records(db, import_id: str) -> dict[str, tuple]:
    """The clients of the organisation that ran `import_id`, by email key."""
    with db.read() as session:
        organisation = session.get(Import, uuid.UUID(import_id)).organisation_id
        rows = session.exec(select(Client).where(Client.organisation_id == organisation)).all()
    return {c.email_key: tuple(getattr(c, name) for name in COMPARED) for c in rows}


def staged_rows(db, import_id: str) -> int:
    """The import's rows that hold a staged document."""
    with db.read() as session:
        documents = session.exec(select(ImportRow.staged).where(ImportRow.import_id == uuid.UUID(import_id))).all()
    return sum(1 for document in documents if isinstance(document, dict))


def counts(final: dict) -> tuple[int, int, int]:
    return final["importedRows"], final["failedValidationRows"], final["failedImportRows"]


@pytest.mark.parametrize("mode, content", [("UPDATE", UPDATES), ("UPSERT", UPSERTS)])
def test_staged_changes_write_what_the_row_by_row_path_writes(client, db, token, other_token, mode, content):
    outcomes = {}
    for path, key in (("staged", token), ("row by row", other_token)):
        stored = run_import(client, key, STORED, "STORE")
        before = org_records(db, stored["id"])
        final = run_import(client, key, content, mode,
                           before_start=(lambda import_id: unstage(db, import_id)) if path == "row by row" else None)
        after = org_records(db, stored["id"])
        run_import(client, key, LATER, "UPDATE")  # Ada changes again: the rollback must leave her
        rolled = undo(client, key, final["id"])
        outcomes[path] = {"counts": counts(final), "problems": problems(client, key, final["id"]),
                          "after": after, "rolled back": (rolled["rolledBackRows"], rolled["rollbackConflictRows"]),
                          "restored": org_records(db, stored["id"]), "before": before,
                          "staged": staged_rows(db, final["id"]) > 0}

    staged, row_by_row = outcomes["staged"], outcomes["row by row"]
    assert (staged["staged"], row_by_row["staged"]) == (True, False)
    assert staged["counts"] == row_by_row["counts"]
    assert staged["problems"] == row_by_row["problems"]
    assert staged["after"] == row_by_row["after"]
    assert staged["rolled back"] == row_by_row["rolled back"]
    for outcome in (staged, row_by_row):
        assert outcome["rolled back"][1] == 1  # Ada's row: a conflict
        assert outcome["restored"]["ada@example.com"][4] == "+44 3333 3333"
        assert {k: v for k, v in outcome["restored"].items() if k != "ada@example.com"} == {
            k: v for k, v in outcome["before"].items() if k != "ada@example.com"}
    assert staged["after"]["ada@example.com"][:4] == ("Ada", "Lovelace", "ada@example.com", "ada@example.com")
    assert staged["after"]["ada@example.com"][4] == "+44 2222 2222"
    assert staged["after"]["bob@example.com"][:3] == ("Bobby", "Builder", "BOB@EXAMPLE.COM")
    assert staged["after"]["cy@example.com"][5:] == (None, False, "changed")
    assert (5, "No client with email nobody@example.com to update") in staged["problems"] or mode == "UPSERT"
    assert (6, "The same email is already on row 3 of this file") in staged["problems"]
    if mode == "UPSERT":
        assert staged["after"]["eve@example.com"][:2] == ("Eve", "New")
        assert "newt@example.com" not in staged["after"]
        assert (8, "No client matches this row, and it cannot create one: Last name is required") in staged["problems"]


WITH_REFERENCES = "external_ref,first_name,last_name,email\n"
STORED_WITH_REFERENCES = WITH_REFERENCES + "E1,Ada,Lovelace,ada@example.com\nE2,Bob,Builder,bob@example.com\n"
STORE_WITH_REFERENCES = WITH_REFERENCES + (
    "E1,Ada,Again,new-ada@example.com\n"  # row 2: a stored client has the reference
    "E9,Bob,Other,bob@example.com\n"  # row 3: a new reference, a stored email
    ",Cy,Young,cy@example.com\n"  # row 4: no reference, new: created
    "E5,Di,Prince,di@example.com\n"  # row 5: created
    "E5,Di,Twin,di.twin@example.com\n"  # row 6: row 5's reference again
    ",Ed,Dup,ADA@example.com\n"  # row 7: no reference, a stored email (another case)
    "E6,Fay,New,di@example.com\n"  # row 8: a new reference, row 5's email
)


def test_store_with_a_second_match_key_refuses_what_the_row_by_row_path_refused(client, db, token):
    """The problems and records the row-by-row path gave this file before STORE with an
    external reference was staged (checked on that code), now from the staged path."""
    run_import(client, token, STORED_WITH_REFERENCES, "STORE")
    final = run_import(client, token, STORE_WITH_REFERENCES, "STORE")
    assert staged_rows(db, final["id"]) > 0
    assert counts(final) == (2, 5, 0)
    assert problems(client, token, final["id"]) == [
        (2, "A client with external reference E1 already exists (record 1); import it in UPDATE or UPSERT mode "
            "to change it"),
        (3, "A client with email bob@example.com already exists (record 2); import it in UPDATE or UPSERT mode "
            "to change it"),
        (6, "The same external reference is already on row 5 of this file"),
        (7, "A client with email ADA@example.com already exists (record 1); import it in UPDATE or UPSERT mode "
            "to change it"),
        (8, "The same email is already on row 5 of this file"),
    ]
    stored = org_records(db, final["id"])
    assert set(stored) == {"ada@example.com", "bob@example.com", "cy@example.com", "di@example.com"}
    assert stored["di@example.com"][:2] == ("Di", "Prince")


REFERENCED = "external_ref,first_name,last_name,email,phone,notes\n"
STORED_REFERENCED = REFERENCED + (
    "E1,Ada,Lovelace,ada@example.com,,\nE2,Bob,Builder,bob@example.com,,\nE3,Cy,Young,cy@example.com,,\n")
CHANGES_BY_REFERENCE = REFERENCED + (
    "E1,,,,+44 2222 2222,\n"  # row 2: found by its reference; blank cells keep their values
    "E2,Bobby,,bobby@example.com,,\n"  # row 3: found by its reference; a new email
    ",,,cy@example.com,,changed\n"  # row 4: no reference: found by its email
    "E9,Nobody,Here,nobody@example.com,,\n"  # row 5: an unknown reference (UPSERT: a new client)
    "E3,,,ada@example.com,,\n"  # row 6: Cy's reference with Ada's email
    "E1,,,,,again\n"  # row 7: row 2's reference again
    "E8,Newt,,newt@example.com,,\n"  # row 8: unknown, and no last name
)
BY_REFERENCE_PROBLEMS = {
    "UPDATE": [
        (5, "No client with external reference E9 to update"),
        (6, "A client with email ada@example.com already exists (record 1); import it in UPDATE or UPSERT mode "
            "to change it"),
        (7, "The same external reference is already on row 2 of this file"),
        (8, "No client with external reference E8 to update"),
    ],
    "UPSERT": [
        (6, "A client with email ada@example.com already exists (record 1); import it in UPDATE or UPSERT mode "
            "to change it"),
        (7, "The same external reference is already on row 2 of this file"),
        (8, "No client matches this row, and it cannot create one: Last name is required"),
    ],
}


@pytest.mark.parametrize("mode", ["UPDATE", "UPSERT"])
def test_changes_found_by_a_second_match_key_are_what_the_row_by_row_path_made(client, db, token, mode):
    """The problems and records the row-by-row path gave this file before UPDATE and UPSERT
    by external reference were staged (checked on that code), now from the staged path."""
    run_import(client, token, STORED_REFERENCED, "STORE")
    final = run_import(client, token, CHANGES_BY_REFERENCE, mode)
    assert staged_rows(db, final["id"]) > 0
    assert problems(client, token, final["id"]) == BY_REFERENCE_PROBLEMS[mode]
    after = org_records(db, final["id"])
    assert after["ada@example.com"][:5] == ("Ada", "Lovelace", "ada@example.com", "ada@example.com", "+44 2222 2222")
    assert after["bobby@example.com"][:3] == ("Bobby", "Builder", "bobby@example.com")
    assert "bob@example.com" not in after
    assert after["cy@example.com"][7] == "changed"
    assert ("nobody@example.com" in after) == (mode == "UPSERT")
    assert "newt@example.com" not in after
    rolled = undo(client, token, final["id"])
    assert (rolled["rolledBackRows"], rolled["rollbackConflictRows"]) == (counts(final)[0], 0)
    assert set(org_records(db, final["id"])) == {"ada@example.com", "bob@example.com", "cy@example.com"}

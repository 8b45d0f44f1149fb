"""Rows that repeat an earlier row's email are marked invalid, naming the first, a batch at a
time: a file with more repeats than one batch (2,000) marks every one and counts each once."""

from __future__ import annotations

from sqlmodel import select

from domain.models import ImportRow
from tests.helpers import CLIENT_HEADER, data_of, settle, upload

DISTINCT = 1500
ROWS = 4600  # 3,100 repeats: two batches


def repeating_csv() -> bytes:
    lines = [CLIENT_HEADER]
    for i in range(ROWS):
        email = f"Person{i % DISTINCT}@Example.com" if i % 2 else f"person{i % DISTINCT}@example.com"
        lines.append(f"First{i},Last{i},{email},,1990-11-05,yes,\n")
    return "".join(lines).encode()


def test_every_repeat_of_an_email_is_invalid_and_names_the_first_row(client, token, db):
    created = data_of(upload(client, repeating_csv(), token=token))["createImport"]

    final = settle(client, token, created["id"])

    assert final["status"] == "VALIDATED"
    assert final["totalRows"] == ROWS
    assert final["failedValidationRows"] == ROWS - DISTINCT
    with db.read() as session:
        last = session.exec(select(ImportRow).where(ImportRow.row_number == ROWS + 1)).one()
        first = session.exec(select(ImportRow).where(ImportRow.row_number == 2)).one()
    assert last.status == "invalid"
    assert last.errors[0]["message"] == f"The same email is already on row {(ROWS - 1) % DISTINCT + 2} of this file"
    assert last.errors[0]["value"] == f"Person{(ROWS - 1) % DISTINCT}@Example.com"
    assert first.status == "valid"


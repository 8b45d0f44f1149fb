"""decide(): what a valid row does to the records, for each mode and each holder of its keys."""

from __future__ import annotations

import pytest

from domain.rules.decisions import Change, Create, EarlierRow, Fail, Refusal, Stored, decide
from domain.models import ImportMode

STORE, UPDATE, UPSERT = ImportMode.STORE, ImportMode.UPDATE, ImportMode.UPSERT
ADA = Stored({"id": 1, "email_key": "ada@example.com"})
BOB = Stored({"id": 2, "email_key": "bob@example.com"})
ROW_2 = EarlierRow(2)


@pytest.mark.parametrize(("mode", "found", "owner", "expected"), [
    (STORE, None, None, Create()),
    (STORE, ADA, ADA, Fail(Refusal.EXISTS, "match", ADA)),
    (STORE, None, BOB, Fail(Refusal.EXISTS, "unique", BOB)),
    (STORE, ROW_2, None, Fail(Refusal.REPEATED, "match", ROW_2)),
    (STORE, None, ROW_2, Fail(Refusal.REPEATED, "unique", ROW_2)),
    (UPDATE, None, None, Fail(Refusal.NOT_FOUND)),
    (UPDATE, ADA, None, Change(ADA)),
    (UPDATE, ADA, ADA, Change(ADA)),
    (UPDATE, ADA, BOB, Fail(Refusal.EXISTS, "unique", BOB)),
    (UPDATE, ROW_2, None, Fail(Refusal.REPEATED, "match", ROW_2)),
    (UPDATE, ADA, ROW_2, Fail(Refusal.REPEATED, "unique", ROW_2)),
    (UPSERT, None, None, Create()),
    (UPSERT, ADA, None, Change(ADA)),
    (UPSERT, None, BOB, Fail(Refusal.EXISTS, "unique", BOB)),
    (UPSERT, ROW_2, None, Fail(Refusal.REPEATED, "match", ROW_2)),
    (UPSERT, None, ROW_2, Fail(Refusal.REPEATED, "unique", ROW_2)),
    (UPSERT, ADA, BOB, Fail(Refusal.EXISTS, "unique", BOB)),
])
def test_decide(mode, found, owner, expected):
    assert decide(mode, found, owner) == expected

"""Bulk inserts (COPY on PostgreSQL, the driver's executemany on SQLite) store exactly what
SQLAlchemy's own insert stores: ids, dates, times, amounts, JSON, yes/no and defaults."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from domain.pipeline.bulk import insert_many
from domain.db import Database
from domain.models import Client, Import, ImportRow, Organisation, Package, User, utcnow
from tests.services import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'bulk.sqlite3'}")
        database.migrate()
        yield database
        database.dispose()
        return
    with postgres_database() as url:
        database = Database(url.replace("postgresql://", "postgresql+psycopg://", 1))
        database.migrate()
        yield database
        database.dispose()


def an_import(db: Database) -> Import:
    with db.write() as session:
        organisation = Organisation(name=f"org-{uuid.uuid4().hex[:8]}")
        user = User(organisation_id=organisation.id, email="ada@example.com")
        record = Import(organisation_id=organisation.id, created_by_id=user.id, type="client", mode="store",
                        status="validating", filename="a.csv", stored_path="a", encoding="utf-8", delimiter=",")
        for item in (organisation, user, record):  # no relationships: flush in foreign-key order
            session.add(item)
            session.flush()
    return record


def stored(db: Database, table, order) -> list[dict]:
    with db.read() as session:
        return [dict(row) for row in session.connection().execute(select(table).order_by(order)).mappings()]


def without_ids(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "id"} for row in rows]


def test_stored_rows_are_the_same_as_with_a_core_insert(db: Database):
    record = an_import(db)
    rows = [
        {"import_id": record.id, "row_number": 2, "status": "valid", "cells": ["Zoë", 'say "hi"', "a,b\nc"],
         "errors": None, "match_key": "zoë@example.com", "staged": {"first_name": "Zoë", "date_of_birth": "1990-05-11"}},
        {"import_id": record.id, "row_number": 3, "status": "invalid", "cells": ["", "x"],
         "errors": [{"column": "E-mail", "field": "email", "value": None, "message": "Email is required",
                     "code": "REQUIRED"}],
         "match_key": None, "staged": None},
    ]
    with db.write() as session:
        insert_many(session.connection(), ImportRow.__table__, rows[:1])
        session.connection().execute(insert(ImportRow), rows[1:])
    first, second = without_ids(stored(db, ImportRow.__table__, ImportRow.row_number))
    assert first == {**rows[0], "record_id": None, "before": None}
    assert second == {**rows[1], "record_id": None, "before": None}


def test_new_records_are_the_same_as_with_a_core_insert_defaults_included(db: Database):
    record = an_import(db)
    now = utcnow()
    common = {"organisation_id": record.organisation_id, "import_id": record.id, "created_at": now, "updated_at": now}
    bulk = {"first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Example.com", "email_key": "ada@example.com",
            "phone": None, "date_of_birth": date(1815, 12, 10), "import_row": 2, **common}  # no marketing_opt_in
    core = {**bulk, "email": "b@example.com", "email_key": "b@example.com", "import_row": 3}
    with db.write() as session:
        insert_many(session.connection(), Client.__table__, [bulk])
        session.connection().execute(insert(Client), [core])
    by_bulk, by_core = without_ids(stored(db, Client.__table__, Client.import_row))
    assert by_bulk["marketing_opt_in"] is False and by_bulk["date_of_birth"] == date(1815, 12, 10)
    assert by_bulk == {**by_core, "email": "Ada@Example.com", "email_key": "ada@example.com", "import_row": 2}


def test_amounts_and_json_lists_keep_their_exact_values(db: Database):
    record = an_import(db)
    now = utcnow()
    row = {"organisation_id": record.organisation_id, "import_id": record.id, "import_row": 2, "code": "SPA-1",
           "code_key": "spa-1", "name": "Spa day", "items": [{"type": "retail_product", "id": 7, "code": "OIL"}],
           "price": Decimal("1234.50"), "currency": "GBP", "valid_days": None, "description": None,
           "created_at": now, "updated_at": now}
    with db.write() as session:
        insert_many(session.connection(), Package.__table__, [row])
    (saved,) = without_ids(stored(db, Package.__table__, Package.import_row))
    assert saved["price"] == Decimal("1234.50") and saved["items"] == row["items"]
    assert saved["created_at"].replace(tzinfo=None) == now.replace(tzinfo=None)

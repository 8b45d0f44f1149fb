"""The single-pass baseline: csv reader -> pydantic v2 model (regex email) -> SQLAlchemy Core
executemany into a fresh SQLite file, 2,000 rows per transaction (the naive single pass
issue #12 compares with)."""

from __future__ import annotations

import csv
import re
import time
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy import Boolean, Column, Date, Integer, MetaData, String, Table, Text, create_engine

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BOOLEANS = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False, "": False}


class ClientRow(BaseModel):
    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    date_of_birth: date | None = None
    marketing_opt_in: bool = False
    notes: str | None = None

    @field_validator("first_name", "last_name", "email", mode="before")
    @classmethod
    def required(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("required")
        return value

    @field_validator("email")
    @classmethod
    def email_shape(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError("not an email address")
        return value

    @field_validator("date_of_birth", mode="before")
    @classmethod
    def day_first(cls, value: str) -> date | None:
        value = value.strip()
        if not value:
            return None
        return datetime.strptime(value, "%d/%m/%Y" if "/" in value else "%Y-%m-%d").date()

    @field_validator("marketing_opt_in", mode="before")
    @classmethod
    def yes_no(cls, value: str) -> bool:
        key = value.strip().lower()
        if key not in BOOLEANS:
            raise ValueError("not yes/no")
        return BOOLEANS[key]


def _table(metadata: MetaData) -> Table:
    return Table(
        "client", metadata, Column("id", Integer, primary_key=True),
        Column("first_name", String(200)), Column("last_name", String(200)),
        Column("email", String(320), unique=True), Column("phone", String(50)),
        Column("date_of_birth", Date), Column("marketing_opt_in", Boolean), Column("notes", Text),
    )


def run_baseline(csv_path: Path, db_path: Path, batch: int = 2000) -> dict:
    """Read, validate and insert every row once; rows, valid, invalid and seconds."""
    engine = create_engine(f"sqlite:///{db_path}")
    metadata = MetaData()
    table = _table(metadata)
    metadata.create_all(engine)
    began = time.perf_counter()
    rows = invalid = 0
    seen: set[str] = set()
    pending: list[dict] = []
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for cells in reader:
            rows += 1
            try:
                record = ClientRow(**dict(zip(header, cells, strict=False))).model_dump()
            except ValidationError:
                invalid += 1
                continue
            key = record["email"].casefold()
            if key in seen:
                invalid += 1
                continue
            seen.add(key)
            pending.append(record)
            if len(pending) >= batch:
                _insert(engine, table, pending)
        _insert(engine, table, pending)
    seconds = time.perf_counter() - began
    engine.dispose()
    return {"rows": rows, "valid": rows - invalid, "invalid": invalid, "seconds": seconds}


def _insert(engine, table: Table, pending: list[dict]) -> None:  # noqa: ANN001
    if pending:
        with engine.begin() as connection:
            connection.execute(table.insert(), pending)
        pending.clear()

"""Validate once, for UPDATE and UPSERT: a chunk's changes written by the database.

Validation stores each valid row's changes (`staged["set"]`: the columns of its filled cells)
and, in UPSERT, the record it creates when nothing matches (`staged["create"]`, see
staging.Stager). Importing a chunk is then a few set-based statements: each row finds its
record by its key and keeps that record's before-image (one UPDATE of the rows), the records
take the rows' changes (one UPDATE ... FROM), and UPSERT's other rows create theirs (one
INSERT ... SELECT). Only the rows refused are read back, to word their problems.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, Table, and_, case, cast, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import col

from domain.models import Import, ImportRow, table_of
from domain.pipeline.staging import SET_BY_IMPORT, key_of, other_match_keys, valid_in
from domain.rules.types import ImportTypeSpec


def find_records(conn: Connection, record: Import, spec: ImportTypeSpec, first_row: int, last_row: int,
                 now: datetime) -> None:
    """Each valid row in the range whose key finds a record: that record's id, and its
    before-image (every column the import may set, and updated_at) stamped `now`."""
    table = table_of(spec.model)
    rows = table_of(ImportRow)
    if other_match_keys(record, spec):
        found = _found(conn, record, spec)
        conn.execute(update(rows).where(*valid_in(record, first_row, last_row), found.is_not(None))
                     .values(record_id=found))
        conn.execute(update(rows).where(*valid_in(record, first_row, last_row), table.c.id == rows.c.record_id)
                     .values(before=_before_image(conn, table, now)))
        return
    conn.execute(update(rows).where(*valid_in(record, first_row, last_row),
                                    table.c.organisation_id == record.organisation_id,
                                    table.c[spec.unique_column] == rows.c.match_key)
                 .values(record_id=table.c.id, before=_before_image(conn, table, now)))


def apply_changes(conn: Connection, record: Import, spec: ImportTypeSpec, first_row: int, last_row: int,
                  now: datetime) -> int:
    """The records found take the changes of their rows (one UPDATE ... FROM; a column
    whose cell was blank keeps its value); how many."""
    table = table_of(spec.model)
    rows = table_of(ImportRow)
    found = (*valid_in(record, first_row, last_row), rows.c.record_id.is_not(None))
    if conn.dialect.name == "postgresql":
        # Each document parsed once (jsonb), not once per column and reference.
        changes = (select(rows.c.record_id, cast(rows.c.staged, JSONB).op("->")("set").label("doc")).where(*found)
                   .cte("changes").prefix_with("MATERIALIZED"))
        values = {column.name: case((changes.c.doc.op("?")(column.name),
                                     cast(changes.c.doc.op("->>")(column.name), column.type)), else_=column)
                  for column in _settable(table)}
        target = changes.c.record_id
        where: tuple[ColumnElement[bool], ...] = ()
    else:
        values = {column.name: case((_has(rows.c.staged, column.name), _extract(rows.c.staged, column)),
                                    else_=column)
                  for column in _settable(table)}
        target, where = rows.c.record_id, found
    statement = (update(table).where(table.c.id == target, *where)
                 .values(updated_at=literal(now, type_=table.c.updated_at.type), **values)
                 .execution_options(preserve_rowcount=True))
    return conn.execute(statement).rowcount


def refused(conn: Connection, record: Import, spec: ImportTypeSpec, first_row: int, last_row: int, *,
            found: bool) -> list[tuple[int, dict[str, Any], int | None, int | None]]:
    """(row number, staged document, the record the row finds, the record holding its unique
    key) of the valid rows in the range that may be refused: those that find no record, and
    those whose unique key another record holds. What the row finds: by its keys now
    (`found=False`), or as find_records found it in this transaction (`found=True`)."""
    rows = table_of(ImportRow)
    target = rows.c.record_id if found else _found(conn, record, spec)
    owner = _holder_of_unique(spec, record)
    query = (select(rows.c.row_number, rows.c.staged, target, owner)
             .where(*valid_in(record, first_row, last_row), or_(target.is_(None), owner != target))
             .order_by(rows.c.row_number))
    return [(number, document, found_id, owner_id) for number, document, found_id, owner_id in conn.execute(query)]


def _found(conn: Connection, record: Import, spec: ImportTypeSpec) -> Any:
    """The record a row finds: by the first of its match keys it has (decisions.decide)."""
    table = table_of(spec.model)
    whens = []
    for name in other_match_keys(record, spec):
        value = key_of(conn, col(ImportRow.staged), name)
        holder = (select(table.c.id).where(table.c.organisation_id == record.organisation_id, table.c[name] == value)
                  .correlate(table_of(ImportRow)).scalar_subquery())
        whens.append((and_(value.is_not(None), value != ""), holder))
    unique = _holder_of_unique(spec, record)
    return case(*whens, else_=unique) if whens else unique


def _holder_of_unique(spec: ImportTypeSpec, record: Import) -> Any:
    """The id of the organisation's record that holds the row's unique key (one index probe a row)."""
    table = table_of(spec.model)
    return (select(table.c.id).where(table.c.organisation_id == record.organisation_id,
                                     table.c[spec.unique_column] == col(ImportRow.match_key))
            .correlate(table_of(ImportRow)).scalar_subquery())


def _settable(table: Table) -> list[Any]:
    return [column for column in table.columns if column.name not in SET_BY_IMPORT]


def _before_image(conn: Connection, table: Table, now: datetime) -> ColumnElement[Any]:
    """{"values": {column: value, ..., "updated_at": ...}, "stamp": now, "written": now} as JSON,
    built by the database; decimals as text, as writing.json_value keeps them. `written` is
    `now` as the database stores it, for restore_changed to compare the record's updated_at
    with, in SQL."""
    columns = [*_settable(table), table.c.updated_at]
    pairs: list[Any] = []
    for column in columns:
        value = cast(column, String()) if column.type.python_type is Decimal else column
        pairs += [literal(column.name), value]
    build = func.json_build_object if conn.dialect.name == "postgresql" else func.json_object
    return build(literal("values"), build(*pairs), literal("stamp"), literal(now.isoformat()),
                 literal("written"), literal(now, type_=table.c.updated_at.type))


def _has(document: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """SQLite: the row's changes hold `name` (a filled cell, maybe meaning no value)."""
    return func.json_type(document, f'$.set."{name}"').is_not(None)


def _extract(document: ColumnElement[Any], column: Any) -> ColumnElement[Any]:
    """SQLite: the row's change of `column`, in its type."""
    return func.json_extract(document, f'$.set."{column.name}"', type_=column.type)


def creates(conn: Connection, document: ColumnElement[Any]) -> ColumnElement[Any]:
    """UPSERT's new record in a staged document; NULL when the row cannot create one."""
    if conn.dialect.name == "postgresql":
        return document.op("->>")("create")
    return func.json_extract(document, "$.create")


def restore_changed(conn: Connection, record: Import, spec: ImportTypeSpec,
                    in_range: tuple[ColumnElement[bool], ...]) -> list[int]:
    """Restore the before-images that find_records kept for the rows in range (one UPDATE ...
    FROM), where the record is as the import left it; the rows whose record is gone or changed
    since (rollback conflicts)."""
    table = table_of(spec.model)
    rows = table_of(ImportRow)
    kept = (*in_range, written_by_sql(conn, rows.c.before).is_not(None))
    written = _image_value(conn, rows.c.before, "written", table.c.updated_at)
    untouched = select(table.c.id).where(table.c.id == rows.c.record_id, table.c.updated_at == written).exists()
    conflicts = list(conn.execute(select(rows.c.row_number).where(*kept, ~untouched)).scalars())
    if conn.dialect.name == "postgresql":
        # Each image parsed once (jsonb), not once per column.
        images = (select(rows.c.record_id, cast(rows.c.before, JSONB).label("doc")).where(*kept)
                  .cte("images").prefix_with("MATERIALIZED"))
        where: tuple[ColumnElement[bool], ...] = ()
        record_id, image = images.c.record_id, images.c.doc
    else:
        record_id, image, where = rows.c.record_id, rows.c.before, kept
    values = {column.name: _image_value(conn, image, column.name, column, inner="values")
              for column in [*_settable(table), table.c.updated_at]}
    conn.execute(update(table).where(table.c.id == record_id, *where,
                                     table.c.updated_at == _image_value(conn, image, "written", table.c.updated_at))
                 .values(**values))
    return conflicts


def written_by_sql(conn: Connection, before: ColumnElement[Any]) -> ColumnElement[Any]:
    """A before-image's `written`: NULL for one written row by row (restored in Python)."""
    return _image_value(conn, before, "written", None)


def _image_value(conn: Connection, document: ColumnElement[Any], name: str, column: Any, *,
                 inner: str | None = None) -> ColumnElement[Any]:
    """A value of a before-image, in `column`'s type (as JSON text without one)."""
    if conn.dialect.name == "postgresql":
        holder = document.op("->")(inner) if inner else document
        text = holder.op("->>")(name)
        return text if column is None else cast(text, column.type)
    path = f'$.{inner}."{name}"' if inner else f'$."{name}"'
    return func.json_extract(document, path, type_=column.type if column is not None else String())

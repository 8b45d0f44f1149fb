"""Validate once: a STORE row's record, staged at validation, written by the database.

Validation stores the columns of the record each valid row would create (`ImportRow.staged`,
JSON). Importing a chunk is then a few set-based statements: the rows whose key a stored
record already has are found by a join and refused, the rest copied into the records' table
by one INSERT ... SELECT, and the rows marked by range. No row is parsed or validated again.

Staged: imports of types without references to resolve (see `stages`). A second match key
(a client's external reference) has no constraint: its repeats in a file are marked at the
end of validation (`mark_repeated_match_keys`), and the clash query checks it first, as
decisions.decide does. UPDATE and UPSERT: domain/pipeline/staged_changes.py.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (Column, ColumnElement, Connection, FromClause, String, Table, bindparam, cast, func,
                        literal, literal_column, or_, select, true, update)
from sqlmodel import SQLModel, col

from domain.rules.mapping import column_indexes
from domain.models import Import, ImportMode, ImportRow, RowStatus, table_of
from domain.rules.problems import RowProblemCode
from domain.rules.types import ImportTypeSpec
from domain.rules.validation import RowValidator

SET_BY_IMPORT = ("id", "organisation_id", "import_id", "import_row", "created_at", "updated_at")


def stages(record: Import, spec: ImportTypeSpec) -> bool:
    """Whether this import's valid rows are staged at validation and imported set-based:
    STORE, UPDATE and UPSERT of types without references to resolve."""
    return record.mode in _STAGED_MODES and spec.resolve is None


def other_match_keys(record: Import, spec: ImportTypeSpec) -> list[str]:
    """The match keys mapped besides the unique field, in the type's order (a client's
    external reference): each a record column of the same name."""
    mapped = set(column_indexes(record.mapping).values())
    return [name for name in spec.match_keys if name in mapped and name != spec.unique_field]


_STAGED_MODES = (ImportMode.STORE.value, ImportMode.UPDATE.value, ImportMode.UPSERT.value)


class Stager:
    """The staged document of each valid row of one import. STORE: the record's columns
    (`staged`). UPDATE and UPSERT: `set`, the columns the row changes (its filled cells);
    `key`, the unique field's value as read, and `keys`, the other match keys' (a client's
    external reference); UPSERT also `create`, the record it creates when nothing matches, or
    `incomplete`, the problems that keep it from being one."""

    def __init__(self, record: Import, spec: ImportTypeSpec, complete: RowValidator | None) -> None:
        self.record = record
        self.spec = spec
        self.partial = record.mode != ImportMode.STORE.value
        self.complete = complete if record.mode == ImportMode.UPSERT.value else None
        self.others = other_match_keys(record, spec)

    def document(self, cells: list[str], values: dict[str, Any]) -> dict[str, Any]:
        """A valid row's document; `values`, what the import's validator took from `cells`
        (`complete` checks again only what that left blank)."""
        if not self.partial:
            return staged(self.spec, values)
        changes = {name: json_value(value)
                   for name, value in changed_columns(self.spec, self.record, cells, values).items()}
        document: dict[str, Any] = {"set": changes, "key": json_value(values.get(self.spec.unique_field)),
                                    "keys": {name: json_value(values.get(name)) for name in self.others}}
        if self.complete is not None:
            problems = self.complete.validate_taken(cells, values).errors
            document["create"] = None if problems else staged(self.spec, values)
            document["incomplete"] = problems or None
        return document


def changed_columns(spec: ImportTypeSpec, record: Import, cells: list[str], values: dict[str, Any]) -> dict[str, Any]:
    """The columns an update sets: the fields whose cell is not blank (blank leaves a value as it is)."""
    filled = {entry["field"] for entry, cell in zip(record.mapping, cells, strict=False)
              if entry["field"] and cell.strip()}
    columns = spec.record({name: value for name, value in values.items()})
    keep = set(filled) | {part for name in filled for part in spec.field(name).fills}  # a full name fills its parts
    if spec.unique_field in filled:
        keep.add(spec.unique_column)
    return {name: value for name, value in columns.items() if name in keep}


def staged(spec: ImportTypeSpec, values: dict[str, Any]) -> dict[str, Any]:
    """The record a valid row creates, as JSON: its columns less those the import sets. Runs
    for every valid row: only the date and number columns are converted."""
    record = spec.record(with_defaults(spec, values))
    for name in _converted(spec.model):
        if name in record:
            record[name] = json_value(record[name])
    return record


def with_defaults(spec: ImportTypeSpec, values: dict[str, Any]) -> dict[str, Any]:
    """A new record's values: a blank yes/no is no."""
    out = dict(values)
    for name in spec.boolean_fields:
        if name in out and out[name] is None:
            out[name] = False
    return out


def json_value(value: Any) -> Any:
    """A column's value as JSON holds it: decimals as text, dates and times in ISO form."""
    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat() if isinstance(value, (date, datetime)) else value


@functools.cache
def _converted(model: type[SQLModel]) -> tuple[str, ...]:
    """The record columns JSON cannot hold as they are: dates, times and decimals."""
    return tuple(column.name for column in table_of(model).columns
                 if column.name not in SET_BY_IMPORT and column.type.python_type in (date, datetime, Decimal))


def is_staged(conn: Connection, record: Import, first_row: int, last_row: int) -> bool:
    """Whether the valid rows in the range were staged (not those of an import validated
    before staging existed, or in another mode)."""
    unstaged = conn.execute(select(col(ImportRow.row_number)).where(
        *valid_in(record, first_row, last_row), col(ImportRow.staged).is_(None)).limit(1)).first()
    return unstaged is None


def clashes(conn: Connection, record: Import, spec: ImportTypeSpec, first_row: int,
            last_row: int | None = None) -> list[dict[str, Any]]:
    """The valid rows in the range that STORE refuses because a stored record of the
    organisation has one of their keys, as failures ({"rid", "errors"}): as decisions.decide
    does, the first match key the row has decides, then its unique key. One query."""
    table = table_of(spec.model)
    unique = spec.unique_field
    names = [*other_match_keys(record, spec), unique]
    # One index probe per row and key, whatever the plan: a join was planned by PostgreSQL,
    # before it has statistics of a table an import fills, as a scan of the organisation's records.
    holders = {name: (select(table.c.id).where(table.c.organisation_id == record.organisation_id,
                                               table.c[name] == _extract(conn, ImportRow.staged, name, String()))
                      .correlate(table_of(ImportRow)).scalar_subquery()) for name in names[:-1]}
    holders[unique] = (select(table.c.id).where(table.c.organisation_id == record.organisation_id,
                                                table.c[spec.unique_column] == col(ImportRow.match_key))
                       .correlate(table_of(ImportRow)).scalar_subquery())
    rows = (select(col(ImportRow.row_number),
                   *[_extract(conn, ImportRow.staged, name, String()).label(f"value_{i}") for i, name in enumerate(names)],
                   *[holders[name].label(f"holder_{i}") for i, name in enumerate(names)])
            .where(*valid_in(record, first_row, last_row)).subquery())
    found = conn.execute(select(rows).where(or_(*[rows.c[f"holder_{i}"].is_not(None) for i in range(len(names))]))
                         .order_by(rows.c.row_number)).all()
    failures = []
    for row in found:
        values = {name: row[1 + i] for i, name in enumerate(names)}
        holder = {name: row[1 + len(names) + i] for i, name in enumerate(names)}
        first = next((name for name in names if values[name] not in (None, "")), unique)
        name = first if holder[first] is not None else unique
        if holder[name] is not None:
            failures.append(_exists(record, spec, row.row_number, name, values[name], holder[name]))
    return failures


def _exists(record: Import, spec: ImportTypeSpec, row_number: int, name: str, value: Any,
            record_id: int) -> dict[str, Any]:
    label = spec.field(name).label.lower()
    noun = spec.label.lower().rstrip("s")
    return {"rid": row_number, "errors": [{
        "column": column_of(record, name), "field": name, "value": value, "code": RowProblemCode.ALREADY_EXISTS.value,
        "record_id": record_id,
        "message": f"A {noun} with {label} {value} already exists (record {record_id}); "
                   "import it in UPDATE or UPSERT mode to change it",
    }]}


def mark_repeated_match_keys(conn: Connection, record: Import, spec: ImportTypeSpec) -> int:
    """Valid staged rows whose other match key (an external reference) an earlier
    row of the file has: invalid, naming that row, and no longer a key for the repeat scan of
    the unique field. How many. Each key's values are read in order, never held whole."""
    marked = 0
    for name in other_match_keys(record, spec):
        value = (_extract(conn, ImportRow.staged, name, String()) if record.mode == ImportMode.STORE.value
                 else key_of(conn, ImportRow.staged, name))
        query = (select(value, col(ImportRow.row_number))
                 .where(*valid_in(record, 0, None), value.is_not(None), value != "")
                 .order_by(value, col(ImportRow.row_number)).execution_options(stream_results=True, yield_per=2000))
        repeats: list[dict[str, Any]] = []
        current, first = None, 0
        for text, row_number in conn.execute(query):
            if text != current:
                current, first = text, row_number
            else:
                repeats.append(_repeat(record, spec, name, text, row_number, first))
        if repeats:
            conn.execute(update(ImportRow)
                         .where(col(ImportRow.import_id) == record.id, col(ImportRow.row_number) == bindparam("rid"))
                         .values(status=RowStatus.INVALID.value, errors=bindparam("errors"), match_key=None), repeats)
        marked += len(repeats)
    return marked


def key_of(conn: Connection, document: Any, name: str) -> ColumnElement[Any]:
    """An UPDATE or UPSERT row's other match key `name`, from its staged document (text)."""
    if conn.dialect.name == "postgresql":
        return cast(document.op("->")("keys").op("->>")(name), String())
    return func.json_extract(document, f'$.keys."{name}"', type_=String())


def _repeat(record: Import, spec: ImportTypeSpec, name: str, value: str, row_number: int,
            first: int) -> dict[str, Any]:
    label = spec.field(name).label.lower()
    return {"rid": row_number, "errors": [{
        "column": column_of(record, name), "field": name, "value": value,
        "code": RowProblemCode.DUPLICATE_IN_FILE.value,
        "message": f"The same {label} is already on row {first} of this file"}]}


def column_of(record: Import, name: str) -> str | None:
    """The header of the column mapped to field `name`."""
    return next((entry["column"] for entry in record.mapping if entry["field"] == name), None)


def insert_staged(  # noqa: PLR0913 - keyword-only: where UPSERT's records are, and which rows create one
        conn: Connection, record: Import, spec: ImportTypeSpec, first_row: int, last_row: int,
        now: datetime, *, inner: str | None = None, where: tuple[ColumnElement[bool], ...] = ()) -> int:
    """Create the records of the valid rows in the range (and `where`) from their staged
    columns, or from the document at key `inner` of them: one INSERT ... SELECT. How many."""
    table = table_of(spec.model)
    columns = [column for column in table.columns if column.name not in SET_BY_IMPORT]
    stamp = literal(now, type_=table.c.created_at.type)
    values, rows = _staged_columns(conn, table, columns, inner)
    source = select(
        *values,
        literal(record.organisation_id, type_=table.c.organisation_id.type),
        literal(record.id, type_=table.c.import_id.type), col(ImportRow.row_number), stamp, stamp,
    ).select_from(rows).where(*valid_in(record, first_row, last_row), *where)
    names = [column.name for column in columns] + ["organisation_id", "import_id", "import_row", "created_at",
                                                    "updated_at"]
    statement = table.insert().from_select(names, source).execution_options(preserve_rowcount=True)
    return conn.execute(statement).rowcount


def _staged_columns(conn: Connection, table: Table, columns: list[Column[Any]],
                    inner: str | None) -> tuple[list[ColumnElement[Any]], FromClause]:
    """The staged values of `columns`, and what to select them from. PostgreSQL reads each
    row's document once into the table's row type (json_populate_record); SQLite extracts
    each value with json_extract."""
    if conn.dialect.name != "postgresql":
        prefix = f"{inner}." if inner else ""
        return [_with_default(func.json_extract(ImportRow.staged, f'$.{prefix}"{column.name}"', type_=column.type),
                              column)
                for column in columns], table_of(ImportRow)
    record_type: ColumnElement[Any] = literal_column(f"NULL::{conn.dialect.identifier_preparer.quote(table.name)}")
    document = col(ImportRow.staged).op("->")(inner) if inner else col(ImportRow.staged)
    populated = func.json_populate_record(record_type, document).table_valued(
        *[column.name for column in columns])
    return ([_with_default(populated.c[column.name], column) for column in columns],
            table_of(ImportRow).join(populated, true()))


def _with_default(value: ColumnElement[Any], column: Column[Any]) -> ColumnElement[Any]:
    """A record column's staged value; its default where the type has no such field."""
    default = column.default
    if default is not None and default.is_scalar:
        return func.coalesce(value, literal(default.arg, type_=column.type))  # type: ignore[attr-defined]
    return value


def valid_in(record: Import, first_row: int, last_row: int | None) -> list[ColumnElement[bool]]:
    where = [col(ImportRow.import_id) == record.id, col(ImportRow.status) == RowStatus.VALID.value,
             col(ImportRow.row_number) >= first_row]
    if last_row is not None:
        where.append(col(ImportRow.row_number) <= last_row)
    return where


def _extract(conn: Connection, document: Any, name: str, type_: Any) -> ColumnElement[Any]:
    """The value at key `name` of a JSON column, in the column type the record needs."""
    if conn.dialect.name == "postgresql":
        return cast(document.op("->>")(name), type_)
    # SQLite: json_extract gives JSON's text, numbers and true/false (1/0) as SQLite values,
    # which the records' columns store as their own types do (dates are ISO text).
    return func.json_extract(document, f'$."{name}"', type_=type_)

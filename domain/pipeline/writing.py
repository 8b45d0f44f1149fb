"""Writing the records of one chunk of valid rows, in each mode, and undoing them.

STORE creates; UPDATE changes the record found by the type's match key, keeping its
before-image on the row; UPSERT does either. Undo deletes what was created and restores
before-images, unless the record changed since: then the row is a rollback conflict.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeGuard

from sqlalchemy import ColumnElement, Connection, Exists, RowMapping, Table, Update, bindparam, delete, or_, text, update
from sqlmodel import Session, SQLModel, col, select

from domain.pipeline.bulk import insert_many
from domain.rules.date_columns import orders_from_notices
from domain.rules.decisions import Change, EarlierRow, Fail, Holder, Refusal, Stored, decide
from domain.rules.fields import decimal_separator_for, parser_for
from domain.options import DateOrder, ReadOptions
from domain.rules.mapping import column_indexes
from domain.models import Import, ImportMode, ImportRow, RowStatus, as_utc, table_of, utcnow
from domain.rules.problems import RowProblemCode
from domain.pipeline.rows import ClaimedRow
from domain.pipeline import staged_changes
from domain.pipeline.staging import changed_columns, column_of, clashes, insert_staged, is_staged, json_value, stages, with_defaults
from domain.rules.types import ImportTypeSpec
from domain.rules.types.base import FieldKind
from domain.rules.validation import RowValidator, cell_text


class StoredRow(Protocol):
    """A stored row as a chunk reads it: its number and its cells."""

    row_number: int
    cells: list[str]


@dataclass
class Plan:
    """What one chunk will do: records to create and to change, rows that fail."""

    creates: list[dict[str, Any]] = field(default_factory=list)
    changes: list[tuple[StoredRow, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)


def write_chunk(session: Session, record: Import, spec: ImportTypeSpec,
                rows: Sequence[ClaimedRow]) -> tuple[int, int]:
    """Write the records of `rows` (all VALID, a contiguous run this transaction holds) and
    mark each row; (imported, failed). Staged rows are written set-based (domain/pipeline/staging.py);
    others are validated again and written row by row."""
    now = utcnow()
    conn = session.connection()
    first, last = rows[0].row_number, rows[-1].row_number
    if stages(record, spec) and is_staged(conn, record, first, last):
        return _write_staged(conn, record, spec, first, last, now)
    stored = rows if _have_cells(rows) else _with_cells(conn, record, first, last)
    plan = _plan(session, record, spec, stored)
    if plan.creates:
        insert_many(conn, table_of(spec.model), [{**c, "created_at": now, "updated_at": now} for c in plan.creates])
    if plan.changes:
        _apply_changes(conn, record, spec, plan.changes, now)
    _mark_failed(conn, record, plan.failures)
    numbers = [row.row_number for row in stored]
    conn.execute(
        update(ImportRow)
        .where(col(ImportRow.import_id) == record.id, col(ImportRow.row_number).between(min(numbers), max(numbers)),
               col(ImportRow.status) == RowStatus.VALID.value)
        .values(status=RowStatus.IMPORTED.value)
    )
    return len(plan.creates) + len(plan.changes), len(plan.failures)


def _write_staged(conn: Connection, record: Import, spec: ImportTypeSpec, first: int, last: int,
                  now: datetime) -> tuple[int, int]:
    if record.mode == ImportMode.STORE.value:
        failures = clashes(conn, record, spec, first, last)
        _mark_failed(conn, record, failures)
        written = insert_staged(conn, record, spec, first, last, now)
    else:
        written, failures = _write_staged_changes(conn, record, spec, first, last, now)
    conn.execute(
        update(ImportRow)
        .where(col(ImportRow.import_id) == record.id, col(ImportRow.row_number).between(first, last),
               col(ImportRow.status) == RowStatus.VALID.value)
        .values(status=RowStatus.IMPORTED.value)
    )
    return written, len(failures)


def _write_staged_changes(conn: Connection, record: Import, spec: ImportTypeSpec, first: int, last: int,
                          now: datetime) -> tuple[int, list[dict[str, Any]]]:
    """UPDATE and UPSERT, set-based (domain/pipeline/staged_changes.py): the records the rows find
    change, UPSERT's other rows create theirs, the rest fail."""
    staged_changes.find_records(conn, record, spec, first, last, now)
    failures = staged_refusals(conn, record, spec, first, last, found=True)
    _mark_failed(conn, record, failures)
    written = staged_changes.apply_changes(conn, record, spec, first, last, now)
    if record.mode == ImportMode.UPSERT.value:
        rows = table_of(ImportRow)
        written += insert_staged(conn, record, spec, first, last, now, inner="create",
                                 where=(rows.c.record_id.is_(None),
                                        staged_changes.creates(conn, rows.c.staged).is_not(None)))
    return written, failures


def staged_refusals(conn: Connection, record: Import, spec: ImportTypeSpec, first: int, last: int, *,
                    found: bool = False) -> list[dict[str, Any]]:
    """What UPDATE and UPSERT refuse of the staged rows in the range, as decisions.decide
    would: a row that finds no record (in UPSERT, one that cannot create one, or whose unique
    key a record holds), and one whose unique key a record other than its own holds.
    `found`: as find_records found them in this transaction, rather than by their keys now."""
    failures = []
    for number, document, target, owner in staged_changes.refused(conn, record, spec, first, last, found=found):
        row = _Numbered(number)
        values = {**document.get("keys", {}), spec.unique_field: document["key"]}
        found_by = Stored({"id": target}) if target is not None else None
        holder = Stored({"id": owner}) if owner is not None else None
        decision = decide(ImportMode(record.mode), found_by, holder)
        if isinstance(decision, Fail):
            failures.append(_refused(row, record, spec, values, decision))
        elif target is None and document.get("create") is None:
            failures.append(_incomplete(row, spec, document["incomplete"]))
    return failures


@dataclass
class _Numbered:
    row_number: int


def _have_cells(rows: Sequence[ClaimedRow]) -> TypeGuard[Sequence[StoredRow]]:
    return hasattr(rows[0], "cells")


def _with_cells(conn: Connection, record: Import, first: int, last: int) -> list[StoredRow]:
    """The valid rows in the range with their cells (rows claimed without them)."""
    return list(conn.execute(
        select(ImportRow.row_number, ImportRow.cells)
        .where(col(ImportRow.import_id) == record.id, col(ImportRow.row_number).between(first, last),
               col(ImportRow.status) == RowStatus.VALID.value)
        .order_by(col(ImportRow.row_number))).all())


def _mark_failed(conn: Connection, record: Import, failures: list[dict[str, Any]]) -> None:
    if failures:
        conn.execute(
            update(ImportRow)
            .where(col(ImportRow.import_id) == record.id, col(ImportRow.row_number) == bindparam("rid"))
            .values(status=RowStatus.FAILED.value, errors=bindparam("errors")),
            failures,
        )


def is_partial(record: Import) -> bool:
    """UPDATE and UPSERT rows may leave cells blank: a blank cell leaves a value as it is."""
    return record.mode in (ImportMode.UPDATE.value, ImportMode.UPSERT.value)


def refusals(session: Session, record: Import, spec: ImportTypeSpec, rows: Sequence[StoredRow]) -> list[dict[str, Any]]:
    """What importing `rows` (all VALID) now would refuse, without writing: a key that an
    existing record already has, no record to update, a reference to nothing. Each as
    {"rid": row number, "errors": [...]}. A VALIDATE import is checked as a STORE would be."""
    mode = _mode_as_imported(record)
    if mode is ImportMode.STORE and spec.resolve is None:
        return _store_clashes(session, record, spec, rows)
    return _plan(session, record, spec, rows, mode=mode).failures


def _store_clashes(session: Session, record: Import, spec: ImportTypeSpec,
                   rows: Sequence[StoredRow]) -> list[dict[str, Any]]:
    """STORE's refusals from the rows' keys alone (the rows are valid: only their key cells
    are read again): a key an existing record, or an earlier row, already has."""
    keyed = [(row, values, _row_keys(spec, values)) for row, values in _key_values(record, spec, rows)]
    index = _Existing(session, spec, record.organisation_id, [keys for _, _, keys in keyed])
    failures = []
    for row, values, (keys, unique) in keyed:
        decision = decide(ImportMode.STORE, index.match(keys), index.owner_of(unique))
        if isinstance(decision, Fail):
            failures.append(_refused(row, record, spec, values, decision))
        else:
            index.claim(row.row_number, keys, unique)
    return failures


_AS_WRITTEN = frozenset({FieldKind.TEXT, FieldKind.EMAIL, FieldKind.CODE})


def _key_values(record: Import, spec: ImportTypeSpec,
                rows: Sequence[StoredRow]) -> Iterator[tuple[StoredRow, dict[str, Any]]]:
    """(row, {key field: value}) of each valid row: its unique field and match keys, parsed."""
    columns = {name: index for index, name in column_indexes(record.mapping).items()}
    names = [name for name in dict.fromkeys((spec.unique_field, *spec.match_keys)) if name in columns]
    # A valid row's text, email or code is its cell as written: only other kinds are parsed again.
    parsers = {name: (str if spec.field(name).kind in _AS_WRITTEN else parser_for(spec.field(name)))
               for name in names}
    for row in rows:
        texts = {name: cell_text(row.cells, columns[name]) for name in names}
        yield row, {name: parsers[name](text) if text else None for name, text in texts.items()}


def _mode_as_imported(record: Import) -> ImportMode:
    mode = ImportMode(record.mode)
    return ImportMode.STORE if mode is ImportMode.VALIDATE else mode


def row_validator(record: Import, spec: ImportTypeSpec, *, partial: bool,
                  date_orders: Mapping[str, DateOrder]) -> RowValidator:
    """The validator of the import's rows, as validation and import both read them: its
    mapping, its date columns' orders, its decimal separator."""
    separator = decimal_separator_for(record.delimiter, ReadOptions.from_json(record.options).decimal_separator)
    return RowValidator(spec, record.headers, column_indexes(record.mapping), partial=partial,
                        date_orders=date_orders, decimal_separator=separator)


def _plan(session: Session, record: Import, spec: ImportTypeSpec, rows: Sequence[StoredRow], *,
          mode: ImportMode | None = None) -> Plan:
    orders = orders_from_notices(record.notices, record.mapping)  # date columns read as validation read them
    validator = row_validator(record, spec, partial=is_partial(record), date_orders=orders)
    # What a new record must pass: in STORE mode, the row's own validation already did.
    complete = row_validator(record, spec, partial=False, date_orders=orders) if is_partial(record) else None
    outcomes = [(row, validator.validate(row.cells)) for row in rows]
    valid = [(row, o.values) for row, o in outcomes if o.valid and o.values is not None]
    refused = _resolve(session, record, spec, valid)
    keyed = {row.row_number: _row_keys(spec, values) for row, values in valid if values}
    index = _Existing(session, spec, record.organisation_id, list(keyed.values()))
    mode = mode or ImportMode(record.mode)
    plan = Plan()
    for row, outcome in outcomes:
        if not outcome.valid:
            first = outcome.errors[0]
            plan.failures.append(_failure(row, None, None, None,
                                          "This row no longer passes validation: " + first["message"],
                                          RowProblemCode(first.get("code", RowProblemCode.INVALID_VALUE.value))))
            continue
        if row.row_number in refused:
            plan.failures.append(_failure(row, None, None, None, refused[row.row_number],
                                          RowProblemCode.MISSING_REFERENCE))
            continue
        values = outcome.values or {}
        keys, unique = keyed[row.row_number]
        decision = decide(mode, index.match(keys), index.owner_of(unique))
        if isinstance(decision, Fail):
            plan.failures.append(_refused(row, record, spec, values, decision))
        elif isinstance(decision, Change):
            plan.changes.append((row, decision.record.values, changed_columns(spec, record, row.cells, values)))
            index.claim(row.row_number, keys, unique)
        elif complete is not None and (problems := complete.validate(row.cells).errors):
            plan.failures.append(_incomplete(row, spec, problems))
        else:
            plan.creates.append({**spec.record(with_defaults(spec, values)), "organisation_id": record.organisation_id,
                                 "import_id": record.id, "import_row": row.row_number})
            index.claim(row.row_number, keys, unique)
    return plan


def _resolve(session: Session, record: Import, spec: ImportTypeSpec,
             valid: list[tuple[StoredRow, dict[str, Any]]]) -> dict[int, str]:
    """The type's references to existing records resolved in place; row number -> error."""
    if spec.resolve is None or not valid:
        return {}
    refused = {}
    answers = spec.resolve(session, record.organisation_id, [values for _, values in valid])
    for (row, values), (message, resolved) in zip(valid, answers, strict=True):
        if message is not None:
            refused[row.row_number] = message
        else:
            values.update(resolved or {})
    return refused


class _Existing:
    """Who holds each key this chunk may touch: the organisation's records, found in one
    query (on PostgreSQL, one per key column), and the rows of the chunk decided so far."""

    def __init__(self, session: Session, spec: ImportTypeSpec, organisation_id: uuid.UUID,
                 rows: list[tuple[list[tuple[str, Any]], tuple[str, Any] | None]]) -> None:
        self.by_key: dict[tuple[str, Any], Holder] = {}
        wanted: dict[str, set[Any]] = {}
        for keys, unique in rows:
            for name, key in filter(None, [*keys, unique]):
                wanted.setdefault(name, set()).add(key)
        if not wanted:
            return
        for data in _records_with_keys(session.connection(), spec, organisation_id, wanted):
            stored = Stored(dict(data))
            for name in wanted:
                if data.get(name) is not None:
                    self.by_key[(name, data[name])] = stored

    def match(self, keys: list[tuple[str, Any]]) -> Holder | None:
        """The record the match keys find: the first key present in the row decides."""
        return self.by_key.get(keys[0]) if keys else None

    def owner_of(self, unique: tuple[str, Any] | None) -> Holder | None:
        """The record that holds the row's unique key."""
        return None if unique is None else self.by_key.get(unique)

    def claim(self, row_number: int, keys: list[tuple[str, Any]], unique: tuple[str, Any] | None) -> None:
        """A record this row creates or changes: later rows of the chunk find the row, not it."""
        for key in [*keys, unique]:
            if key is not None:
                self.by_key[key] = EarlierRow(row_number)


def _records_with_keys(conn: Connection, spec: ImportTypeSpec, organisation_id: uuid.UUID,
                       wanted: dict[str, set[Any]]) -> list[RowMapping]:
    """The organisation's records whose column `name` holds one of `wanted[name]`."""
    table = table_of(spec.model)
    if conn.dialect.name != "postgresql":
        conditions = [table.c[name].in_(keys) for name, keys in wanted.items()]
        return list(conn.execute(table.select().where(table.c.organisation_id == organisation_id,
                                                      or_(*conditions))).mappings())
    # One index probe per key. With `IN (2000 keys)` PostgreSQL, before it has statistics
    # of a table that an import is filling, filters every record of the organisation
    # against the list instead (quadratic: hours for a million rows).
    found: list[RowMapping] = []
    for name, keys in wanted.items():
        found += conn.execute(text(
            f"SELECT t.* FROM unnest(CAST(:keys AS text[])) AS k(key) CROSS JOIN LATERAL "
            f"(SELECT * FROM {table.name} WHERE organisation_id = :organisation AND {name} = k.key) AS t"
        ), {"keys": [str(key) for key in keys], "organisation": organisation_id}).mappings().all()
    return found


def _row_keys(spec: ImportTypeSpec, values: dict[str, Any]) -> tuple[list[tuple[str, Any]], tuple[str, Any] | None]:
    """The row's match keys (see _keys) and its unique key as (column, key), computed once."""
    value = values.get(spec.unique_field)
    unique = None if value in (None, "") else (spec.unique_column, spec.unique_key(value))
    return _keys(spec, values), unique


def _keys(spec: ImportTypeSpec, values: dict[str, Any]) -> list[tuple[str, Any]]:
    """(column, value) of each match key the row has, in the type's order."""
    keys = []
    for name in spec.match_keys:
        value = values.get(name)
        if value is None or value == "":
            continue
        if name == spec.unique_field:
            keys.append((spec.unique_column, spec.unique_key(value)))
        else:
            keys.append((name, value))
    return keys


def _apply_changes(conn: Connection, record: Import, spec: ImportTypeSpec,
                   changes: list[tuple[StoredRow, dict[str, Any], dict[str, Any]]], now: datetime) -> None:
    for columns, params in _grouped([(found["id"], {**columns, "updated_at": now}) for _, found, columns in changes]):
        conn.execute(_update_by_id(spec.model, columns), params)
    conn.execute(
        update(ImportRow)
        .where(col(ImportRow.import_id) == record.id, col(ImportRow.row_number) == bindparam("rid"))
        .values(status=RowStatus.IMPORTED.value, record_id=bindparam("record"), before=bindparam("image")),
        [
            {"rid": row.row_number, "record": found["id"],
             "image": {"values": {name: json_value(found[name]) for name in [*columns, "updated_at"]},
                       "stamp": now.isoformat()}}
            for row, found, columns in changes
        ],
    )


def _grouped(items: list[tuple[int, dict[str, Any]]]) -> list[tuple[tuple[str, ...], list[dict[str, Any]]]]:
    """(record id, new values) grouped by the columns they set, as executemany parameters."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record_id, values in items:
        groups.setdefault(tuple(sorted(values)), []).append(
            {"record_id": record_id, **{f"new_{name}": value for name, value in values.items()}})
    return list(groups.items())


def _update_by_id(model: type[SQLModel], columns: tuple[str, ...]) -> Update:
    """UPDATE of `columns` of one record, run with executemany (one statement per group)."""
    table = table_of(model)
    return (update(table).where(table.c.id == bindparam("record_id"))
            .values({name: bindparam(f"new_{name}", type_=table.c[name].type) for name in columns}))


def undo_chunk(session: Session, record: Import, spec: ImportTypeSpec, first_row: int, last_row: int) -> tuple[int, int]:
    """Undo the imported rows in the range; (undone, conflicts).

    A few statements per chunk whatever its size: the records the rows created are deleted
    in one statement, before-images restored by one executemany per set of columns, rows
    marked by range.
    """
    conn = session.connection()
    in_range = (col(ImportRow.import_id) == record.id, col(ImportRow.row_number).between(first_row, last_row),
                col(ImportRow.status) == RowStatus.IMPORTED.value)
    table = table_of(spec.model)
    # The records the range's rows created; the range bounds the index scan whatever the plan,
    # and each record finds its row by the (import_id, row_number) key: an IN (subquery) was
    # planned by PostgreSQL, before it has statistics of the tables, as a nested loop over
    # every row of the range for every record (0.3 s a chunk).
    created = (table.c.import_id == record.id, table.c.import_row.between(first_row, last_row),
               _created_by_its_row(table, record))
    conflicts = (_created_and_changed(conn, spec, created) + staged_changes.restore_changed(conn, record, spec, in_range)
                 + _restore_changed(conn, spec, in_range))
    _delete_created(conn, spec, created)
    label = spec.label.lower().rstrip("s")
    _mark(conn, record, conflicts, RowStatus.ROLLBACK_CONFLICT, [{
        "column": None, "field": None, "value": None, "code": RowProblemCode.CHANGED_SINCE_IMPORT.value,
        "message": f"The {label} this row wrote was changed after the import, so the rollback left it as it is",
    }])
    undone = conn.execute(update(ImportRow).where(*in_range).values(status=RowStatus.ROLLED_BACK.value)).rowcount
    return undone, len(conflicts)


def _created_by_its_row(table: Table, record: Import) -> Exists:
    """A record's row is imported and created it (an update keeps a before-image); found by
    its key alone (a range here too is planned as a filter again)."""
    return (select(col(ImportRow.row_number))
            .where(col(ImportRow.import_id) == record.id, col(ImportRow.row_number) == table.c.import_row,
                   col(ImportRow.status) == RowStatus.IMPORTED.value, col(ImportRow.before).is_(None))
            .exists())


def _created_and_changed(conn: Connection, spec: ImportTypeSpec, created: tuple[ColumnElement[bool], ...]) -> list[int]:
    """Rows whose created record someone changed since: left as they are."""
    table = table_of(spec.model)
    return list(conn.execute(
        select(table.c.import_row).where(*created, table.c.updated_at != table.c.created_at)).scalars())


def _delete_created(conn: Connection, spec: ImportTypeSpec, created: tuple[ColumnElement[bool], ...]) -> None:
    table = table_of(spec.model)
    conn.execute(delete(table).where(*created, table.c.updated_at == table.c.created_at))


def _restore_changed(conn: Connection, spec: ImportTypeSpec, in_range: tuple[ColumnElement[bool], ...]) -> list[int]:
    """Restore the before-images of the records the rows updated one by one (those written
    row by row: staged_changes.restore_changed restores the others); the rows in conflict."""
    changed = conn.execute(
        select(ImportRow.row_number, ImportRow.record_id, ImportRow.before)
        .where(*in_range, col(ImportRow.before).is_not(None),
               staged_changes.written_by_sql(conn, table_of(ImportRow).c.before).is_(None))
    ).all()
    if not changed:
        return []
    table = table_of(spec.model)
    stamps: dict[int, datetime] = dict(conn.execute(select(table.c.id, table.c.updated_at)
                                                    .where(table.c.id.in_([row.record_id for row in changed]))).all())
    conflicts, restores = [], []
    for row in changed:
        stamp = stamps.get(row.record_id)
        if stamp is None or as_utc(stamp) != datetime.fromisoformat(row.before["stamp"]):
            conflicts.append(row.row_number)
        else:
            restores.append((row.record_id, _restored(spec.model, row.before["values"])))
    for columns, params in _grouped(restores):
        conn.execute(_update_by_id(spec.model, columns), params)
    return conflicts


def _mark(conn: Connection, record: Import, numbers: list[int], status: RowStatus,
          errors: list[dict[str, Any]] | None) -> None:
    if numbers:
        values: dict[str, Any] = {"status": status.value}
        if errors is not None:
            values["errors"] = errors
        conn.execute(update(ImportRow).where(col(ImportRow.import_id) == record.id,
                                             col(ImportRow.row_number).in_(numbers))
                     .values(**values))


def _restored(model: type[SQLModel], values: dict[str, Any]) -> dict[str, Any]:
    """A before-image back in column types: the record exactly as it was, updated_at included."""
    table = table_of(model)
    restored = {}
    for name, value in values.items():
        kind = table.c[name].type.python_type
        if value is not None and kind in (date, datetime):
            value = kind.fromisoformat(value)
        elif value is not None and kind is Decimal:
            value = Decimal(value)
        restored[name] = value
    return restored


def _failure(row: ClaimedRow, column: str | None, field_name: str | None, value: Any, message: str,
             code: RowProblemCode) -> dict[str, Any]:
    return {"rid": row.row_number,
            "errors": [{"column": column, "field": field_name, "value": value, "message": message, "code": code.value}]}


def _refused(row: ClaimedRow, record: Import, spec: ImportTypeSpec, values: dict[str, Any],
             decision: Fail) -> dict[str, Any]:
    """The failure of a row `decide` refused, in words and with its code."""
    if decision.refusal is Refusal.NOT_FOUND:
        return _not_found(row, record, spec, values)
    name = (spec.unique_field if decision.key == "unique"
            else next(n for n in spec.match_keys if values.get(n) not in (None, "")))
    label = spec.field(name).label.lower()
    if isinstance(decision.holder, EarlierRow):
        return _failure(row, column_of(record, name), name, values[name],
                        f"The same {label} is already on row {decision.holder.row_number} of this file",
                        RowProblemCode.DUPLICATE_IN_FILE)
    assert isinstance(decision.holder, Stored)
    record_id = decision.holder.id
    noun = spec.label.lower().rstrip("s")
    failure = _failure(row, column_of(record, name), name, values[name],
                       f"A {noun} with {label} {values[name]} already exists (record {record_id}); "
                       "import it in UPDATE or UPSERT mode to change it", RowProblemCode.ALREADY_EXISTS)
    failure["errors"][0]["record_id"] = record_id
    return failure


def _incomplete(row: ClaimedRow, spec: ImportTypeSpec, problems: list[dict[str, Any]]) -> dict[str, Any]:
    """An UPSERT row that matches nothing, and would not be a valid new record."""
    noun = spec.label.lower().rstrip("s")
    reasons = "; ".join(problem["message"] for problem in problems)
    return {"rid": row.row_number, "errors": [
        {**problems[0], "message": f"No {noun} matches this row, and it cannot create one: {reasons}"}]}

def _not_found(row: ClaimedRow, record: Import, spec: ImportTypeSpec, values: dict[str, Any]) -> dict[str, Any]:
    name = next((n for n in spec.match_keys if values.get(n) not in (None, "")), spec.unique_field)
    label = spec.field(name).label.lower()
    noun = spec.label.lower().rstrip("s")
    return _failure(row, column_of(record, name), name, values.get(name),
                    f"No {noun} with {label} {values.get(name)} to update", RowProblemCode.NOT_FOUND)

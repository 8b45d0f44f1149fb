"""Reading imports, their row errors and error reports, always within one organisation."""

from __future__ import annotations

import base64
import csv
import io
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from domain.accounts.auth import Principal
from domain.db import Database
from domain.errors import BadInput
from domain.models import Import, ImportRow, RowStatus
from domain.rules.problems import RowProblemCode
from domain.accounts.access import owned_import
from domain.rules.types import get_type
from domain.rules.validation import FORMULA_STARTS

MAX_PAGE = 500
# What neutralise() quotes: a formula's start (validation's cell_text takes that quote off
# again when a report comes back), or a tab or a return.
_NEUTRALISED = (*FORMULA_STARTS, "\t", "\r")
T = TypeVar("T")


@dataclass(frozen=True)
class ImportFilter:
    type: str | None = None
    status: str | None = None
    mode: str | None = None
    created_by: uuid.UUID | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


@dataclass(frozen=True)
class RowError:
    row_number: int
    column: str | None
    field: str | None
    message: str
    value: str | None
    code: RowProblemCode
    record_id: int | None = None  # ALREADY_EXISTS: the existing record the row's key belongs to


@dataclass(frozen=True)
class ErrorCount:
    """How many problems of one kind one field has (field None: problems of a whole row)."""

    code: RowProblemCode
    field: str | None
    count: int


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: items with their cursors, and whether more follow."""

    items: list[tuple[str, T]]
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        return self.items[-1][0] if self.items else None


def get_import(db: Database, principal: Principal, import_id: uuid.UUID) -> Import:
    with db.read() as session:
        return owned_import(session, principal, import_id)


def list_imports(
    db: Database, principal: Principal, *, first: int, after: str | None, filters: ImportFilter
) -> Page[Import]:
    """Imports of the caller's organisation, newest first."""
    first = _page_size(first)
    query = select(Import).where(Import.organisation_id == principal.organisation_id)
    query = _filtered(query, filters)
    if after:
        created_at, last_id = _decode_import_cursor(after)
        query = query.where(
            or_(col(Import.created_at) < created_at,
                and_(col(Import.created_at) == created_at, col(Import.id) < last_id))
        )
    query = query.order_by(col(Import.created_at).desc(), col(Import.id).desc()).limit(first + 1)
    with db.read() as session:
        records = list(session.exec(query).all())
    items = [(_import_cursor(r), r) for r in records[:first]]
    return Page(items, has_next_page=len(records) > first)


def row_errors(
    db: Database, principal: Principal, import_id: uuid.UUID, *, first: int, after: str | None,
    field: str | None = None, code: RowProblemCode | None = None,
) -> Page[RowError]:
    """Every problem of every failed row, in file order; a cursor is 'row:index'. With
    `field`, only the problems of that field (a name of the import type's fields); with
    `code`, only the problems of that kind."""
    first = _page_size(first)
    after_row, after_index = _decode_error_cursor(after) if after else (0, -1)
    found: list[tuple[str, RowError]] = []
    with db.read() as session:
        record = owned_import(session, principal, import_id)
        _check_error_field(record, field)
        for row in _failed_rows_from(session, import_id, after_row, batch=first + 1):
            for index, error in enumerate(row.errors or []):
                if (row.row_number, index) <= (after_row, after_index):
                    continue
                if (field is None or error.get("field") == field) and (code is None or problem_code(error) is code):
                    found.append((f"{row.row_number}:{index}", _row_error(row.row_number, error)))
            if len(found) > first:
                break
    return Page(found[:first], has_next_page=len(found) > first)


def error_counts(db: Database, principal: Principal, import_id: uuid.UUID) -> list[ErrorCount]:
    """The problems of the import's failed rows counted by code and field, most frequent first."""
    counts: Counter[tuple[RowProblemCode, str | None]] = Counter()
    with db.read() as session:
        owned_import(session, principal, import_id)
        for row in _failed_rows_from(session, import_id, 0, batch=1000):
            counts.update((problem_code(error), error.get("field")) for error in row.errors or [])
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][0].value, item[0][1] or ""))
    return [ErrorCount(code, field, count) for (code, field), count in ranked]


def problem_code(error: dict[str, Any]) -> RowProblemCode:
    """A stored problem's code (problems stored before codes were kept are INVALID_VALUE)."""
    return RowProblemCode(error.get("code") or RowProblemCode.INVALID_VALUE.value)


def _check_error_field(record: Import, field: str | None) -> None:
    names = [item.name for item in get_type(record.type).fields]
    if field is not None and field not in names:
        raise BadInput(f"`field` must be a field of this import's type: {', '.join(names)}.")


def _failed_rows_from(session: Session, import_id: uuid.UUID, row_number: int, *, batch: int) -> Iterator[ImportRow]:
    """The failed rows from `row_number` on, read `batch` rows at a time."""
    while True:
        rows = session.exec(_failed_rows(import_id).where(ImportRow.row_number >= row_number).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        row_number = rows[-1].row_number + 1


def error_report(db: Database, principal: Principal, import_id: uuid.UUID) -> Iterator[str]:
    """The failed rows as CSV text, in pieces: the original columns, then the row number and
    the reasons. Cells that a spreadsheet would run as formulas are neutralised."""
    with db.read() as session:
        record = owned_import(session, principal, import_id)
    yield _csv_line([*record.headers, "row_number", "errors"])
    last = 0
    while True:
        with db.read() as session:
            rows = session.exec(_failed_rows(import_id).where(ImportRow.row_number > last).limit(1000)).all()
        if not rows:
            return
        for row in rows:
            reasons = "; ".join(_reason(error) for error in row.errors or [])
            yield _csv_line([*row.cells, str(row.row_number), reasons])
        last = rows[-1].row_number



def _failed_rows(import_id: uuid.UUID) -> SelectOfScalar[ImportRow]:
    return (
        select(ImportRow)
        .where(ImportRow.import_id == import_id,
               col(ImportRow.status).in_([RowStatus.INVALID.value, RowStatus.FAILED.value,
                                          RowStatus.ROLLBACK_CONFLICT.value]))
        .order_by(col(ImportRow.row_number))
    )


def _row_error(row_number: int, error: dict[str, Any]) -> RowError:
    return RowError(row_number, error.get("column"), error.get("field"), error["message"], error.get("value"),
                    problem_code(error), error.get("record_id"))


def _reason(error: dict[str, Any]) -> str:
    where = error.get("column")
    return f"{where}: {error['message']}" if where else error["message"]


def neutralise(cell: str) -> str:
    """Prefix a quote to a cell a spreadsheet would treat as a formula."""
    return "'" + cell if cell[:1] in _NEUTRALISED else cell


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([neutralise(cell) for cell in cells])
    return out.getvalue()


def _filtered(query: SelectOfScalar[Import], filters: ImportFilter) -> SelectOfScalar[Import]:
    conditions: dict[Any, object] = {
        Import.type: filters.type,
        Import.status: filters.status,
        Import.mode: filters.mode,
        Import.created_by_id: filters.created_by,
    }
    for column, value in conditions.items():
        if value is not None:
            query = query.where(column == value)
    if filters.created_after is not None:
        query = query.where(Import.created_at >= filters.created_after)
    if filters.created_before is not None:
        query = query.where(Import.created_at < filters.created_before)
    return query


def _page_size(first: int) -> int:
    if first < 1 or first > MAX_PAGE:
        raise BadInput(f"`first` must be between 1 and {MAX_PAGE}.")
    return first


def _import_cursor(record: Import) -> str:
    raw = json.dumps([record.created_at.isoformat(), str(record.id)])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_import_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created_at, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(created_at), uuid.UUID(last_id)
    except (ValueError, TypeError):
        raise BadInput("`after` is not a cursor from this list; use an endCursor it returned.") from None


def _decode_error_cursor(cursor: str) -> tuple[int, int]:
    try:
        row, index = cursor.split(":")
        return int(row), int(index)
    except ValueError:
        raise BadInput("`after` is not a cursor from this list; use an endCursor it returned.") from None

"""Queries over the stored rows of an import that several use cases share."""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.models import ImportRow, RowStatus

FIRST_DATA_ROW = 2  # no data row comes before it (the header is row 1 or further down: Import.header_row)


class ClaimedRow(Protocol):
    """A row claim_rows returns (a SQLAlchemy Row): its number; its cells too when claimed with them."""

    row_number: int


def last_row_number(session: Session, import_id: uuid.UUID, *, first_row: int = 0,
                    last_row: int | None = None) -> int:
    """The last stored row's number (of those in first_row..last_row); 0 when none is."""
    query = select(func.max(ImportRow.row_number)).where(ImportRow.import_id == import_id,
                                                         col(ImportRow.row_number) >= first_row)
    if last_row is not None:
        query = query.where(col(ImportRow.row_number) <= last_row)
    return session.exec(query).one() or 0


def has_rows(session: Session, import_id: uuid.UUID, status: RowStatus) -> bool:
    query = select(ImportRow.id).where(ImportRow.import_id == import_id, ImportRow.status == status.value).limit(1)
    return session.exec(query).first() is not None


def claim_rows(session: Session, import_id: uuid.UUID, status: RowStatus, *, first_row: int = FIRST_DATA_ROW,
               last_row: int | None = None, limit: int, with_cells: bool = True) -> list[ClaimedRow]:
    """Lock up to `limit` rows in `status`, in row order (their row_number and cells), that no other transaction holds:
    a contiguous run, so that every row in `status` between the first and the last returned
    is locked by this transaction. Rows another worker holds are skipped, never waited for
    (FOR UPDATE SKIP LOCKED; on SQLite the write transaction already excludes others)."""
    where = [col(ImportRow.import_id) == import_id, col(ImportRow.status) == status.value,
             col(ImportRow.row_number) >= first_row]
    if last_row is not None:
        where.append(col(ImportRow.row_number) <= last_row)
    # Two columns, not ORM objects: building an ImportRow per row (and decoding its other
    # JSON columns) cost more than writing the chunk's records.
    # Set-based work (rollback, staged imports) needs only the row numbers.
    columns = (ImportRow.row_number, ImportRow.cells) if with_cells else (ImportRow.row_number,)
    query = select(*columns).where(*where).order_by(col(ImportRow.row_number)).limit(limit)
    claimed: list[ClaimedRow] = list(session.connection().execute(query.with_for_update(skip_locked=True)).all())
    if not claimed or session.connection().dialect.name == "sqlite":
        return claimed  # SQLite: this write transaction excludes every other writer
    # A row held by someone else inside the run would be written by both: stop before it.
    visible = session.exec(
        select(ImportRow.row_number).where(
            ImportRow.import_id == import_id, ImportRow.status == status.value,
            col(ImportRow.row_number).between(claimed[0].row_number, claimed[-1].row_number))
        .order_by(col(ImportRow.row_number))
    ).all()
    run = 0
    while run < len(claimed) and run < len(visible) and claimed[run].row_number == visible[run]:
        run += 1
    return claimed[:run]


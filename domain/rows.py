"""Queries over the stored rows of an import that several use cases share."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import func
from sqlmodel import Session, select

from domain.models import ImportRow, RowStatus

FIRST_DATA_ROW = 2  # row 1 is the header


def last_row_number(session: Session, import_id: uuid.UUID) -> int:
    query = select(func.max(ImportRow.row_number)).where(ImportRow.import_id == import_id)
    return session.exec(query).one() or 0


def has_rows(session: Session, import_id: uuid.UUID, status: RowStatus) -> bool:
    query = select(ImportRow.id).where(ImportRow.import_id == import_id, ImportRow.status == status.value).limit(1)
    return session.exec(query).first() is not None


def chunk_ranges(last_row: int, size: int) -> Iterator[tuple[int, int]]:
    """Inclusive row-number ranges of at most `size` rows covering every data row."""
    for first in range(FIRST_DATA_ROW, last_row + 1, size):
        yield first, min(first + size - 1, last_row)

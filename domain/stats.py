"""Totals over every organisation's imports, for the operator's metrics."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy
from sqlalchemy import func
from sqlmodel import select

from domain.db import Database
from domain.models import Import

ROW_OUTCOMES = ("total", "failed_validation", "imported", "failed_import", "rolled_back")


@dataclass(frozen=True)
class ImportTotals:
    """How many imports are in each status, and rows counted by outcome over all imports."""

    by_status: dict[str, int]
    rows: dict[str, int]


def import_totals(db: Database) -> ImportTotals:
    columns = [Import.total_rows, Import.failed_validation_rows, Import.imported_rows,
               Import.failed_import_rows, Import.rolled_back_rows]
    with db.read() as session:
        statuses = session.exec(select(Import.status, func.count()).group_by(Import.status)).all()
        # SQLAlchemy's select: sqlmodel's is typed for a few columns, not a list of them.
        sums = session.connection().execute(
            sqlalchemy.select(*(func.coalesce(func.sum(column), 0) for column in columns))).one()
    return ImportTotals(by_status={status: count for status, count in statuses},
                        rows={name: int(value) for name, value in zip(ROW_OUTCOMES, sums, strict=True)})

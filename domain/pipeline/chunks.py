"""One chunk of an import or of its rollback, in one transaction.

A chunk claims the next rows no other worker holds (a contiguous run, domain/pipeline/rows.py),
writes or undoes their records, moves the import's counters and progress, and commits all
of it at once: a chunk redelivered after a crash finds its rows done and writes nothing.
`ImportStep` and `RollbackStep` say what differs; `run_chunk` is the rest.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy import update
from sqlmodel import Session, col

from domain.db import Database
from domain.pipeline.lifecycle import finish_import, finish_rollback, is_waiting, percent
from domain.models import Import, RowStatus, utcnow
from domain.pipeline.rows import ClaimedRow, claim_rows, has_rows
from domain.pipeline.scheduling import promote_waiting
from domain.pipeline.staging import stages
from domain.status import ImportStatus
from domain.rules.types import get_type
from domain.pipeline.writing import undo_chunk, write_chunk


class StaleWork(Exception):
    """The import moved on (remapped, rolled back) while this step ran: drop its work."""


class ChunkStep(Protocol):
    """What one kind of chunk does to the rows it claims."""

    status: ImportStatus  # the import's status while such chunks run
    claims: RowStatus  # the rows it takes

    def ready(self, record: Import) -> bool: ...

    def with_cells(self, record: Import) -> bool: ...

    def work(self, session: Session, record: Import, rows: list[ClaimedRow]) -> dict[str, Any]:
        """Do the chunk's rows; the import's counters to move (column -> expression)."""

    def after(self, session: Session, record: Import) -> list[Import]:
        """Progress, or the end; the imports whose turn has come."""


class ImportStep:
    status = ImportStatus.IMPORTING
    claims = RowStatus.VALID

    def __init__(self, max_running: int) -> None:
        self.max_running = max_running

    def ready(self, record: Import) -> bool:
        return not is_waiting(record)

    def with_cells(self, record: Import) -> bool:
        return not stages(record, get_type(record.type))  # staged rows are written from their documents

    def work(self, session: Session, record: Import, rows: list[ClaimedRow]) -> dict[str, Any]:
        imported, failed = write_chunk(session, record, get_type(record.type), rows)
        return {"imported_rows": Import.imported_rows + imported,
                "failed_import_rows": Import.failed_import_rows + failed}

    def after(self, session: Session, record: Import) -> list[Import]:
        if has_rows(session, record.id, RowStatus.VALID):
            record.progress = percent(record.imported_rows + record.failed_import_rows,
                                      record.total_rows - record.failed_validation_rows)
            return []
        finish_import(record)
        return promote_waiting(session, record.organisation_id, limit=self.max_running)


class RollbackStep:
    status = ImportStatus.ROLLING_BACK
    claims = RowStatus.IMPORTED

    def ready(self, record: Import) -> bool:
        return True

    def with_cells(self, record: Import) -> bool:
        return False

    def work(self, session: Session, record: Import, rows: list[ClaimedRow]) -> dict[str, Any]:
        undone, conflicts = undo_chunk(session, record, get_type(record.type), rows[0].row_number,
                                       rows[-1].row_number)
        return {"rolled_back_rows": Import.rolled_back_rows + undone,
                "rollback_conflict_rows": Import.rollback_conflict_rows + conflicts}

    def after(self, session: Session, record: Import) -> list[Import]:
        if has_rows(session, record.id, RowStatus.IMPORTED):
            record.progress = percent(record.rolled_back_rows + record.rollback_conflict_rows, record.imported_rows)
        else:
            finish_rollback(record)
        return []


def run_chunk(db: Database, step: ChunkStep, import_id: uuid.UUID, *, first_row: int, last_row: int | None,
              limit: int) -> tuple[bool, list[Import]]:
    """One chunk in one transaction: (whether it did rows and the work goes on, the imports
    whose turn has come). Nothing when the import is not in the step's status, or when
    other workers hold every row left."""
    try:
        with db.write() as session:
            record = session.get(Import, import_id)
            if record is None or record.status != step.status.value or not step.ready(record):
                return False, []
            rows = claim_rows(session, import_id, step.claims, first_row=first_row, last_row=last_row,
                              limit=limit, with_cells=step.with_cells(record))
            if not rows and has_rows(session, import_id, step.claims):
                return False, []  # other workers hold what is left
            counters = step.work(session, record, rows) if rows else {}
            _bump(session, record, step.status, **counters)
            session.refresh(record)
            promoted = step.after(session, record)
            session.add(record)
    except StaleWork:
        return False, []
    return bool(rows) and record.status == step.status.value, promoted


def _bump(session: Session, record: Import, status: ImportStatus, **values: Any) -> None:
    """Move counters, only while the import is still in `status`, else StaleWork."""
    result = session.connection().execute(
        update(Import).where(col(Import.id) == record.id, col(Import.status) == status.value)
        .values(updated_at=utcnow(), **values)
    )
    if result.rowcount == 0:
        raise StaleWork(record.id)

"""Status changes of an import record, each checked by the state machine."""

from __future__ import annotations

from domain.errors import ImportErrorCode
from domain.models import Import, utcnow
from domain.status import ImportStatus, check_move


def move(record: Import, target: ImportStatus) -> None:
    check_move(ImportStatus(record.status), target)
    record.status = target.value
    record.updated_at = utcnow()


def finish_validation(record: Import) -> None:
    move(record, ImportStatus.VALIDATED)
    record.validated_at = record.updated_at
    record.progress = 100


def fail_validation(record: Import, reason: str, code: ImportErrorCode) -> None:
    move(record, ImportStatus.ERRORED)
    record.validated_at = record.updated_at
    record.error_message = reason
    record.error_code = code.value


def begin_import(record: Import) -> None:
    move(record, ImportStatus.IMPORTING)
    record.progress = 0


def wait_for_slot(record: Import) -> None:
    """Start an import that waits, IMPORTING with nothing done, for one of its organisation's
    slots; its start time is its place in the queue."""
    begin_import(record)
    record.queued_at = record.updated_at


def take_slot(record: Import) -> None:
    """A waiting import's turn has come: its work can be enqueued."""
    record.queued_at = None
    record.updated_at = utcnow()


def is_waiting(record: Import) -> bool:
    return record.queued_at is not None


def finish_import(record: Import) -> None:
    move(record, ImportStatus.IMPORTED)
    record.imported_at = record.updated_at
    record.progress = 100


def begin_rollback(record: Import) -> None:
    """Roll back an import under way or done; one still waiting for a slot leaves the queue."""
    move(record, ImportStatus.ROLLING_BACK)
    record.progress = 0
    record.queued_at = None


def finish_rollback(record: Import) -> None:
    move(record, ImportStatus.ROLLED_BACK)
    record.rolled_back_at = record.updated_at
    record.progress = 100


def percent(done: int, total: int) -> int:
    return 100 if total <= 0 else min(100, done * 100 // total)

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


def summary(record: Import) -> str:
    """Where the import is, in a sentence a person reads; an import that imported nothing
    says so rather than a plain "imported"."""
    status = ImportStatus(record.status)
    valid = record.total_rows - record.failed_validation_rows
    if status is ImportStatus.VALIDATING:
        return f"Checking the rows ({record.progress} %)."
    if status is ImportStatus.VALIDATED:
        problems = record.failed_validation_rows
        return (f"{valid:,} of {record.total_rows:,} {_rows_are(record.total_rows)} valid and will be imported; "
                f"{problems:,} {'has' if problems == 1 else 'have'} problems and will be skipped.")
    if status is ImportStatus.IMPORTING:
        if is_waiting(record):
            return "Waiting for another import of your organisation to finish."
        return f"Importing: {record.imported_rows:,} of {valid:,} valid rows done ({record.progress} %)."
    if status is ImportStatus.IMPORTED:
        return _imported_summary(record, valid)
    if status is ImportStatus.ROLLING_BACK:
        return f"Rolling back: {record.rolled_back_rows:,} of {record.imported_rows:,} rows undone."
    if status is ImportStatus.ROLLED_BACK:
        kept = f"; {record.rollback_conflict_rows:,} changed since and kept" if record.rollback_conflict_rows else ""
        return f"Rolled back: {record.rolled_back_rows:,} rows undone{kept}."
    return f"Stopped: {record.error_message or 'the file could not be validated'}"


def _imported_summary(record: Import, valid: int) -> str:
    if record.imported_rows == 0 and record.failed_import_rows:
        return (f"Nothing was imported: all {record.failed_import_rows:,} valid rows failed at import "
                "(see the errors).")
    failed = f"; {record.failed_import_rows:,} failed at import" if record.failed_import_rows else ""
    skipped = f"; {record.failed_validation_rows:,} skipped as invalid" if record.failed_validation_rows else ""
    return f"Imported {record.imported_rows:,} of {valid:,} valid rows{failed}{skipped}."


def _rows_are(total: int) -> str:
    return "row is" if total == 1 else "rows are"

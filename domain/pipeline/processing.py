"""Background work: validating a file, importing a chunk of rows, rolling a chunk back.

Each step is idempotent: it re-reads state, does only what is still to do, and changes
rows, records and counters in one transaction. Watchers are told after it commits.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Integer, bindparam, cast, literal, update
from sqlmodel import Session, col, select

from domain.pipeline import auto_start, ranges
from domain.pipeline.bulk import insert_many
from domain.rules.column_validation import ColumnValidator
from domain.rules.fast_checks import trimmed
from domain.rules.date_columns import DATE_NOTICES, ColumnDates, DateDecision, orders_from_notices
from domain.pipeline.chunks import ChunkStep, ImportStep, RollbackStep, StaleWork, run_chunk
from domain.db import Database
from domain.pipeline.lifecycle import fail_validation, finish_validation
from domain.rules.mapping import column_indexes, missing_required
from domain.models import Import, ImportMode, ImportRow, RowStatus, ValidationRange, table_of, utcnow
from domain.notices import VALUE_NOTICES, Notice, NoticeCode, merge_notices
from domain.options import ReadOptions
from domain.accounts.organisations import default_date_order
from domain.ports import ProgressPublisher, TaskQueue
from domain.rules.problems import RowProblemCode
from domain.pipeline.rows import FIRST_DATA_ROW, last_row_number
from domain.errors import ImportErrorCode
from domain.files.formats import FileProblem, reader, stored_format
from domain.files.reading import LimitProblem, RowReader
from domain.pipeline.scheduling import enqueue_import, enqueue_started, organisations_waiting, promote_waiting, start_validated
from domain.settings import Settings
from domain.pipeline.staging import Stager, clashes, mark_repeated_match_keys, stages
from domain.files.storage import open_upload
from domain.status import WORKING, ImportStatus
from domain.rules.types import ImportTypeSpec, get_type
from domain.rules.types.base import FieldKind
from domain.rules.fields import decimal_separator_notice
from domain.rules.validation import RowOutcome, RowValidator, apostrophe_notices
from domain.options import DateOrder
from domain.pipeline.writing import is_partial, refusals, row_validator, staged_refusals

log = logging.getLogger(__name__)

VALIDATION_BATCH = 2000
STAGED_CHECK_RANGE = 20_000  # rows a transaction checks against existing records by one join
DATE_PASS_SHARE = 20  # % of validation's progress given to reading the date columns first
CHECK_START = 90  # ... where the checks after the rows start: repeated keys, then existing records
RECORDS_START = 94  # ... where checking the valid rows against existing records starts
SCAN_STEP = 50_000  # keys the repeat scan reads between two progress reports


class RangeRunner(Protocol):
    """Runs Processor.store_range, here or in another process."""

    def __call__(self, import_id: uuid.UUID, run: int, first_row: int) -> bool: ...

    def prepare(self) -> None:
        """Ranges are coming: get ready (start processes) while the first pass goes on."""


class _HereRunner:
    def __init__(self, processor: Processor) -> None:
        self.processor = processor

    def __call__(self, import_id: uuid.UUID, run: int, first_row: int) -> bool:
        return self.processor.store_range(import_id, run, first_row)

    def prepare(self) -> None:
        return None


class Processor:
    """Runs the background steps. Workers call one method per message."""

    def __init__(
        self, db: Database, settings: Settings, *, queue: TaskQueue, publisher: ProgressPublisher,
        range_runner: RangeRunner | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.queue = queue
        self.publisher = publisher
        self.range_runner = range_runner or _HereRunner(self)

    # validation

    def validate(self, import_id: uuid.UUID) -> None:
        """Validate every row of the file, resuming after the last stored row; a big CSV file
        in ranges that other messages take (validate_range)."""
        with self.db.read() as session:
            record = session.get(Import, import_id)
            parts = ranges.planned(session, import_id, record.validation_run) if record else []
        if record is None or record.status != ImportStatus.VALIDATING.value:
            return
        try:
            if parts:
                self._continue_ranges(record, parts)
            else:
                self._validate_rows(record)
        except StaleWork:
            log.info("validation of %s stopped: the import changed", import_id)
        finally:
            self.publisher.publish(import_id)

    def validate_range(self, import_id: uuid.UUID, run: int, first_row: int) -> None:
        """Validate one range of a big file's rows (domain/pipeline/ranges.py); the range that
        finds every range done finishes the validation."""
        found = self._range_in_run(import_id, run, first_row)
        if found is None:
            return
        record, part = found
        try:
            last = True if part.done else self.range_runner(import_id, run, first_row)
            if last and (not part.done or self._all_ranges_done(record)):
                self._finish_ranges(record)
        except StaleWork:
            log.info("validation of %s stopped: the import changed", import_id)
        finally:
            self.publisher.publish(import_id)

    def store_range(self, import_id: uuid.UUID, run: int, first_row: int) -> bool:
        """Validate and store a range's rows not stored yet; whether it was the last range
        (the caller then finishes the validation). What `range_runner` runs, here or in a
        process of its own."""
        found = self._range_in_run(import_id, run, first_row)
        if found is None or found[1].done:
            return False
        try:
            return self._validate_range(*found)
        except StaleWork:
            return False

    def _range_in_run(self, import_id: uuid.UUID, run: int,
                      first_row: int) -> tuple[Import, ValidationRange] | None:
        """The import and its range, while the import validates that run; else None."""
        with self.db.read() as session:
            record = session.get(Import, import_id)
            part = session.get(ValidationRange, (import_id, run, first_row))
        if (record is None or part is None or record.status != ImportStatus.VALIDATING.value
                or record.validation_run != run):
            return None
        return record, part

    def _validate_rows(self, record: Import) -> None:
        spec = get_type(record.type)
        missing = missing_required(record.mapping, spec)
        if missing:
            self._fail(record, f"No column is mapped to the required field(s) {', '.join(missing)}; "
                               "choose a column for each with updateImportMapping.",
                       ImportErrorCode.MISSING_REQUIRED_FIELDS)
            return
        done_through = self._last_stored_row(record.id)
        with self._file_problems(record):
            dates, parts, read = self._first_pass(record, spec)
            self._store_date_notices(record, [notice for decision in dates.values() for notice in decision.notices()],
                                     parts)
            if parts:
                self._continue_ranges(record, parts)
                return
            orders = {name: decision.order for name, decision in dates.items()}
            rows = reader(open_upload(self.db, self.settings, record), stored_format(record), self.settings.file_limits)
            start = DATE_PASS_SHARE if read else 0  # the first pass was the first part of the work
            validator, _ = self._store_all(record, rows.rows(), orders,
                                           first_row=max(record.header_row, done_through) + 1, last_row=None,
                                           progress=lambda: _share(start, CHECK_START, rows.fraction_done()))
            self._finish_validation(record, spec, _value_notices(record, spec, validator.apostrophes))

    def _validate_range(self, record: Import, part: ValidationRange) -> bool:
        """Store the range's rows (after those a delivery before stored); whether it was the last range."""
        with self.db.read() as session:
            done_through = last_row_number(session, record.id, first_row=part.first_row, last_row=part.last_row)
            span = max(1, ranges.last_row_of_file(session, record.id, part.run) - record.header_row)
        orders = orders_from_notices(record.notices, record.mapping)
        source = reader(open_upload(self.db, self.settings, record), stored_format(record), self.settings.file_limits)
        assert isinstance(source, RowReader)
        last = False
        with self._file_problems(record):
            _, last = self._store_all(record, source.rows(start=ranges.start_of(part)), orders,
                                      first_row=max(part.first_row, done_through + 1), last_row=part.last_row,
                                      progress=lambda: _range_progress(span), part=part)
        return last

    def _store_all(self, record: Import, rows: Iterator[tuple[int, list[str]]],
                   orders: dict[str, DateOrder], *, first_row: int, last_row: int | None,
                   progress: Callable[[], int | ColumnElement[int]],
                   part: ValidationRange | None = None) -> tuple[RowValidator, bool]:
        """Validate and store the rows numbered first_row..last_row (None: to the end) a
        batch per transaction: the validator (holding what it counted), and, with `part`,
        whether this range was the last (its last batch marks it done)."""
        spec = get_type(record.type)
        validator = row_validator(record, spec, partial=is_partial(record), date_orders=orders)
        columns = ColumnValidator(validator)
        stage = (Stager(record, spec, row_validator(record, spec, partial=False, date_orders=orders))
                 if stages(record, spec) else None)
        numbers: list[int] = []
        batch: list[list[str]] = []  # the cells of the rows numbered `numbers`
        for row_number, cells in rows:
            if row_number < first_row:
                continue
            if last_row is not None and row_number > last_row:
                break
            numbers.append(row_number)
            batch.append(cells)
            if len(batch) >= VALIDATION_BATCH:
                self._store_rows(record, _stored_rows(record.id, numbers, batch, columns, stage), progress=progress(),
                                 part=part, apostrophes=validator.apostrophes)
                numbers, batch = [], []
        last = self._store_rows(record, _stored_rows(record.id, numbers, batch, columns, stage),
                                progress=CHECK_START if part is None else progress(), part=part,
                                apostrophes=validator.apostrophes, done=True)
        return validator, last

    @contextmanager
    def _file_problems(self, record: Import) -> Iterator[None]:
        """A file that goes over a limit or cannot be read ends validation, ERRORED, saying why."""
        try:
            yield
        except LimitProblem as problem:
            self._fail(record, problem.error().message, ImportErrorCode(problem.code))
        except FileProblem as problem:
            self._fail(record, f"The file cannot be read: {problem.message}.", ImportErrorCode.BAD_FILE)

    def _continue_ranges(self, record: Import, parts: list[ValidationRange]) -> None:
        """Queue the ranges not done; finish when every one is."""
        waiting = [part for part in parts if not part.done]
        for part in waiting:
            self.queue.validate_range(record.id, part.run, part.first_row)
        if not waiting:
            self._finish_ranges(record)

    def _all_ranges_done(self, record: Import) -> bool:
        with self.db.read() as session:
            return ranges.all_done(session.connection(), record.id, record.validation_run)

    def _finish_ranges(self, record: Import) -> None:
        with self.db.read() as session:
            current = session.get(Import, record.id)
            apostrophes = ranges.apostrophes_of(session, record.id, record.validation_run)
        if current is None or current.status != ImportStatus.VALIDATING.value:
            return
        spec = get_type(current.type)
        self._finish_validation(current, spec, _value_notices(current, spec, apostrophes))

    def _first_pass(self, record: Import, spec: ImportTypeSpec) -> tuple[dict[str, DateDecision],
                                                                         list[ValidationRange], bool]:
        """One pass over the file's data rows, when there is something to learn from it: the
        order of each mapped date field's column (field name -> decision), the ranges a big
        file is validated in (none when it fits in one), and whether the file was read."""
        columns = {index: name for index, name in column_indexes(record.mapping).items()
                   if spec.field(name).kind is FieldKind.DATE}
        source = reader(open_upload(self.db, self.settings, record), stored_format(record), self.settings.file_limits)
        if isinstance(source, RowReader):
            source.count_bytes = True
        plan = ranges.RangePlan(source, max(0, self.settings.validation_range_rows), first_row=record.header_row + 1)
        if not columns and not plan.active:
            return {}, [], False
        with self.db.read() as session:
            default = default_date_order(session, record.organisation_id)
        chosen = ReadOptions.from_json(record.options).date_order
        found = {index: ColumnDates(record.headers[index]) for index in columns}
        numbers: list[int] = []
        batch: list[list[str]] = []
        header_row, active = record.header_row, plan.active
        for row_number, cells in source.rows():
            if row_number > header_row:
                numbers.append(row_number)
                batch.append(cells)
                if active and plan.saw(row_number):
                    self.range_runner.prepare()
            if len(batch) >= VALIDATION_BATCH:
                _add_dates(found, numbers, batch)
                numbers, batch = [], []
                self._report_progress(record, _share(0, DATE_PASS_SHARE, source.fraction_done()))
        _add_dates(found, numbers, batch)
        decisions = {columns[index]: dates.decide(chosen=chosen, default=default) for index, dates in found.items()}
        return decisions, plan.ranges(record.id, record.validation_run), True

    def _report_progress(self, record: Import, progress: int) -> None:
        """Progress of work that stores nothing yet (never backwards, as after a resume)."""
        if progress > record.progress:
            with self.db.write() as session:
                _count_in_run(session, record, total=0, invalid=0, progress=progress)
            record.progress = progress
            self.publisher.publish(record.id)

    def _store_date_notices(self, record: Import, notices: list[Notice], parts: list[ValidationRange]) -> None:
        """Put this validation's date notices in place of the last one's, before rows are
        validated: the page shows them at once, and importing (and each range) reads the
        orders they hold. The ranges of a big file too."""
        with self.db.write() as session:
            _count_in_run(session, record, total=0, invalid=0, progress=record.progress)
            current = _current(session, record)
            current.notices = record.notices = merge_notices(current.notices, notices, DATE_NOTICES)
            session.add(current)
            if parts:
                ranges.save_plan(session.connection(), record.id, parts)

    def _store_rows(self, record: Import, rows: list[dict[str, Any]], *, progress: int | ColumnElement[int],
                    part: ValidationRange | None = None, apostrophes: Counter[int] | None = None,
                    done: bool = False) -> bool:
        """Store a batch of rows; with `part`, what its range counted so far, and with `done`
        the range done: whether every range is."""
        invalid = sum(1 for row in rows if row["status"] == RowStatus.INVALID.value)
        with self.db.write() as session:
            _count_in_run(session, record, total=len(rows), invalid=invalid, progress=progress)  # locks the import
            if rows:
                insert_many(session.connection(), table_of(ImportRow), rows)
            last = part is not None and ranges.keep_count(session.connection(), part, apostrophes or Counter(),
                                                          done=done)
        self.publisher.publish(record.id)
        return last

    def _finish_validation(self, record: Import, spec: ImportTypeSpec, notices: list[Notice]) -> None:
        """Mark repeated keys and the rows the import would refuse (a batch per transaction,
        so progress goes on), then VALIDATED with the notices of the rows' values."""
        last = self._last_stored_row(record.id)
        if stages(record, spec):
            with self.db.write() as session:  # an external reference repeated: before the unique field's scan
                marked = mark_repeated_match_keys(session.connection(), record, spec)
                _count_in_run(session, record, total=0, invalid=marked, progress=CHECK_START)
        with self.db.read() as session:
            for batch, scanned in _repeated_keys(session, record.id):
                with self.db.write() as writing:
                    marked = _mark_duplicates(writing, record, spec, batch) if batch else 0
                    _count_in_run(writing, record, total=0, invalid=marked,
                              progress=_share(CHECK_START, RECORDS_START, scanned / max(last, 1)))
                self.publisher.publish(record.id)
        self._check_against_records(record, spec)
        with self.db.write() as session:
            _count_in_run(session, record, total=0, invalid=0, progress=100)
            current = _current(session, record)
            finish_validation(current)
            current.notices = merge_notices(current.notices, notices, VALUE_NOTICES)
            session.add(current)
            started = self._start_by_itself(session, current, spec)
        enqueue_started(self.queue, self.publisher, self.settings, started)

    def _start_by_itself(self, session: Session, record: Import, spec: ImportTypeSpec) -> list[Import]:
        """An import created with autoStart, just VALIDATED: start it in the same transaction
        (nobody sees it VALIDATED, nobody can start it twice) if its request's conditions hold,
        else leave it VALIDATED with an AUTO_START_SKIPPED notice saying why. The imports whose
        turn has come."""
        request = ReadOptions.from_json(record.options).auto_start
        if request is None:
            return []
        notice = auto_start.skipped(record, spec, request)
        record.notices = merge_notices(record.notices, [notice] if notice else [], {NoticeCode.AUTO_START_SKIPPED})
        session.add(record)
        if notice is not None:
            return []
        session.flush()  # VALIDATED is a status change of its own: webhooks hear it, then IMPORTING
        return start_validated(session, record, limit=self.settings.max_running_imports_per_organisation)

    def _check_against_records(self, record: Import, spec: ImportTypeSpec) -> None:
        """Mark invalid the valid rows the import would refuse today (a key an existing
        record has in STORE, no record to update in UPDATE, a missing reference), so the
        review and VALIDATE mode show what startImport will do."""
        after, last = 0, self._last_stored_row(record.id)
        if stages(record, spec):
            self._check_staged_against_records(record, spec, last)
            return
        while True:
            with self.db.write() as session:
                rows = session.connection().execute(
                    select(ImportRow.row_number, ImportRow.cells)
                    .where(col(ImportRow.import_id) == record.id, col(ImportRow.row_number) > after,
                           col(ImportRow.status) == RowStatus.VALID.value)
                    .order_by(col(ImportRow.row_number)).limit(VALIDATION_BATCH)).all()
                if not rows:
                    return
                refused = refusals(session, record, spec, rows)
                _mark_refused(session, record, refused)
                _count_in_run(session, record, total=0, invalid=len(refused),
                              progress=_share(RECORDS_START, 99, rows[-1].row_number / last))
            self.publisher.publish(record.id)
            after = rows[-1].row_number

    def _check_staged_against_records(self, record: Import, spec: ImportTypeSpec, last: int) -> None:
        """The same for staged rows: their keys joined to the records', a range at a time."""
        for first in range(FIRST_DATA_ROW, last + 1, STAGED_CHECK_RANGE):
            end = min(last, first + STAGED_CHECK_RANGE - 1)
            with self.db.write() as session:
                refused = (clashes(session.connection(), record, spec, first, end)
                           if record.mode == ImportMode.STORE.value
                           else staged_refusals(session.connection(), record, spec, first, end))
                _mark_refused(session, record, refused)
                _count_in_run(session, record, total=0, invalid=len(refused),
                              progress=_share(RECORDS_START, 99, end / last))
            self.publisher.publish(record.id)

    def give_up_validation(self, import_id: uuid.UUID, reference: str) -> None:
        """Validation kept failing for a reason of ours: mark the import ERRORED, not stuck."""
        with self.db.write() as session:
            record = session.get(Import, import_id)
            if record is None or record.status != ImportStatus.VALIDATING.value:
                return
            fail_validation(record, "Validation failed because of an error on our side "
                                    f"(reference {reference}); upload the file again or tell the operator.",
                            ImportErrorCode.INTERNAL_ERROR)
            session.add(record)
        self.publisher.publish(import_id)

    def _fail(self, record: Import, reason: str, code: ImportErrorCode) -> None:
        with self.db.write() as session:
            _count_in_run(session, record, total=0, invalid=0, progress=record.progress)
            current = _current(session, record)
            fail_validation(current, reason, code)
            session.add(current)

    def _last_stored_row(self, import_id: uuid.UUID) -> int:
        with self.db.read() as session:
            return last_row_number(session, import_id)

    # import and rollback (domain/pipeline/chunks.py)

    def import_chunk(self, import_id: uuid.UUID, first_row: int, last_row: int) -> None:
        """Write the records of the rows in [first_row, last_row] still waiting that no other
        worker holds (messages of an earlier release carry a range)."""
        self._chunk(self._import_step(), import_id, first_row=first_row, last_row=last_row)

    def import_next_chunk(self, import_id: uuid.UUID) -> None:
        """Write the records of the next waiting rows that no other worker holds, then queue
        this message again while rows are left: each import keeps only a few messages in
        flight, so other imports' messages never wait behind all of its chunks."""
        if self._chunk(self._import_step(), import_id):
            self.queue.import_next_chunk(import_id)

    def rollback_chunk(self, import_id: uuid.UUID, first_row: int, last_row: int) -> None:
        """Undo the rows in [first_row, last_row] that no other worker holds: delete what they
        created, restore what they changed."""
        self._chunk(RollbackStep(), import_id, first_row=first_row, last_row=last_row)

    def rollback_next_chunk(self, import_id: uuid.UUID) -> None:
        """Undo the next imported rows that no other worker holds, then queue this again."""
        if self._chunk(RollbackStep(), import_id):
            self.queue.rollback_next_chunk(import_id)

    def _import_step(self) -> ImportStep:
        return ImportStep(max_running=self.settings.max_running_imports_per_organisation)

    def _chunk(self, step: ChunkStep, import_id: uuid.UUID, *, first_row: int = FIRST_DATA_ROW,
               last_row: int | None = None) -> bool:
        """One chunk (the next one, or the rest of a range); True when the work goes on."""
        limit = self.settings.chunk_size if last_row is None else last_row - first_row + 1
        goes_on, promoted = run_chunk(self.db, step, import_id, first_row=first_row, last_row=last_row, limit=limit)
        self.publisher.publish(import_id)
        enqueue_started(self.queue, self.publisher, self.settings, promoted)
        return goes_on

    # recovery

    def resume_unfinished(self) -> int:
        """Give waiting imports a slot where their organisation has one free, and queue again
        the work of every import in a working state (not those still waiting for a slot);
        return how many imports are in one."""
        self._promote_everywhere()
        with self.db.read() as session:
            rows = session.exec(
                select(Import.id, Import.status)
                .where(col(Import.status).in_([s.value for s in WORKING]), col(Import.queued_at).is_(None))
            ).all()
        for import_id, status in rows:
            self._resume(import_id, ImportStatus(status))
        return len(rows)

    def promote_waiting_everywhere(self) -> int:
        """Give waiting imports a slot where their organisation has one free (its limit was
        raised, or a promotion was lost) and queue their work; how many took one."""
        promoted = self._promote_everywhere()
        for started in promoted:
            enqueue_import(self.queue, self.settings, started)
        return len(promoted)

    def _promote_everywhere(self) -> list[Import]:
        with self.db.read() as session:
            organisations = organisations_waiting(session)
        everywhere: list[Import] = []
        for organisation_id in organisations:
            with self.db.write() as session:
                promoted = promote_waiting(session, organisation_id,
                                           limit=self.settings.max_running_imports_per_organisation)
            for started in promoted:
                self.publisher.publish(started.id)
            everywhere += promoted
        return everywhere

    def _resume(self, import_id: uuid.UUID, status: ImportStatus) -> None:
        if status is ImportStatus.VALIDATING:
            self.queue.validate(import_id)
        elif status is ImportStatus.IMPORTING:
            for _ in range(self.settings.chunk_messages_per_import):
                self.queue.import_next_chunk(import_id)
        elif status is ImportStatus.ROLLING_BACK:
            for _ in range(self.settings.chunk_messages_per_import):
                self.queue.rollback_next_chunk(import_id)


def _share(start: int, end: int, fraction: float) -> int:
    """Progress in [start, end] for `fraction` (0..1) of a step's work."""
    return min(end, start + int((end - start) * fraction))


def _add_dates(found: dict[int, ColumnDates], numbers: list[int], rows: list[list[str]]) -> None:
    """Count what a batch of rows' cells (of the rows numbered `numbers`) prove about the
    order of their date columns (column index -> dates)."""
    for index, dates in found.items():
        texts, _ = trimmed([cells[index] if index < len(cells) else "" for cells in rows])
        dates.add_all(zip(numbers, texts, strict=True))


def _value_notices(record: Import, spec: ImportTypeSpec, apostrophes: Counter[int]) -> list[Notice]:
    """The notices of what validation decided about the rows' values (apostrophes counted over the file)."""
    return [*apostrophe_notices(record.headers, apostrophes), *_decimal_notices(record, spec)]


def _decimal_notices(record: Import, spec: ImportTypeSpec) -> list[Notice]:
    """DECIMAL_SEPARATOR when number columns were read with a decimal comma nobody chose."""
    numbers = [record.headers[index] for index, name in column_indexes(record.mapping).items()
               if spec.field(name).kind in (FieldKind.DECIMAL, FieldKind.MONEY)]
    notice = decimal_separator_notice(record.delimiter, ReadOptions.from_json(record.options).decimal_separator,
                                      numbers)
    return [notice] if notice else []


def _stored_rows(import_id: uuid.UUID, numbers: list[int], rows: list[list[str]], validator: ColumnValidator,
                 stage: Stager | None) -> list[dict[str, Any]]:
    """The stored rows of a batch of rows (their cells; their numbers are `numbers`), validated column by column."""
    return [_row_values(import_id, row_number, cells, outcome, stage)
            for row_number, cells, outcome in zip(numbers, rows, validator.validate(rows), strict=True)]


def _row_values(import_id: uuid.UUID, row_number: int, cells: list[str], outcome: RowOutcome,
                stage: Stager | None) -> dict[str, Any]:
    """A stored row; with `stage`, a valid row's record columns too (domain/pipeline/staging.py)."""
    return {
        "import_id": import_id,
        "row_number": row_number,
        "status": (RowStatus.VALID if outcome.valid else RowStatus.INVALID).value,
        "cells": cells,
        "errors": outcome.errors or None,
        "match_key": outcome.key,
        "staged": stage.document(cells, outcome.values) if stage is not None and outcome.values is not None else None,
    }


def _current(session: Session, record: Import) -> Import:
    """The import as this transaction sees it (just claimed by _count_in_run: it exists)."""
    current = session.get(Import, record.id)
    if current is None:
        raise StaleWork(record.id)
    return current


def _range_progress(span: int) -> ColumnElement[int]:
    """Progress while ranges validate a file of about `span` data rows: the rows stored so far
    (counted in the same statement), after the first pass's share."""
    stored = Import.total_rows * (CHECK_START - DATE_PASS_SHARE)
    return cast(literal(DATE_PASS_SHARE) + stored // span, Integer)  # total_rows <= span: never past CHECK_START


def _count_in_run(session: Session, record: Import, *, total: int, invalid: int,
                  progress: int | ColumnElement[int]) -> None:
    """Count rows for this validation run, or raise StaleWork if a remap replaced it."""
    result = session.connection().execute(
        update(Import)
        .where(col(Import.id) == record.id, col(Import.status) == ImportStatus.VALIDATING.value,
               col(Import.validation_run) == record.validation_run)
        .values(total_rows=Import.total_rows + total,
                failed_validation_rows=Import.failed_validation_rows + invalid,
                progress=progress, updated_at=utcnow())
    )
    if result.rowcount == 0:
        raise StaleWork(record.id)


def _mark_duplicates(session: Session, record: Import, spec: ImportTypeSpec, first_rows: dict[int, int]) -> int:
    """Mark rows (row number -> the first row with the same unique key) invalid, naming the
    first; how many were still valid. Their match key is cleared, so a validation resumed
    after a crash does not find them again."""
    conn = session.connection()
    column = next((i for i, entry in enumerate(record.mapping) if entry["field"] == spec.unique_field), None)
    if column is None:  # rows have a key to repeat only when the unique field is mapped
        return 0
    label = spec.field(spec.unique_field).label.lower()
    cells = conn.execute(select(ImportRow.row_number, ImportRow.cells)
                         .where(col(ImportRow.import_id) == record.id, col(ImportRow.row_number).in_(list(first_rows)),
                                col(ImportRow.status) == RowStatus.VALID.value)).all()
    if cells:
        conn.execute(
            update(ImportRow)
            .where(col(ImportRow.import_id) == record.id, col(ImportRow.row_number) == bindparam("rid"))
            .values(status=RowStatus.INVALID.value, errors=bindparam("errors"), match_key=None),
            [
                {"rid": row_number, "errors": [{
                    "column": record.headers[column], "field": spec.unique_field, "value": row_cells[column].strip(),
                    "message": f"The same {label} is already on row {first_rows[row_number]} of this file",
                    "code": RowProblemCode.DUPLICATE_IN_FILE.value,
                }]}
                for row_number, row_cells in cells
            ],
        )
    return len(cells)


def _mark_refused(session: Session, record: Import, refused: list[dict[str, Any]]) -> None:
    """Rows the import would refuse: invalid, with the reason, and no longer a key for the repeat scan."""
    if refused:
        session.connection().execute(
            update(ImportRow)
            .where(col(ImportRow.import_id) == record.id, col(ImportRow.row_number) == bindparam("rid"))
            .values(status=RowStatus.INVALID.value, errors=bindparam("errors"), match_key=None),
            refused,
        )


def _repeated_keys(session: Session, import_id: uuid.UUID) -> Iterator[tuple[dict[int, int], int]]:
    """Batches of {row number: first row with the same key} of the rows repeating an earlier
    row's unique key, as the (import_id, match_key, row_number) index is read in order, each
    with how many keys the scan has read (a batch may be empty: progress every SCAN_STEP keys).

    Streamed, so memory does not grow with the file and batches are marked while the scan
    goes on. Only valid rows have a match key (a repeat loses its key when marked).
    """
    query = (select(ImportRow.match_key, ImportRow.row_number)
             .where(col(ImportRow.import_id) == import_id, col(ImportRow.match_key).is_not(None))
             .order_by(col(ImportRow.match_key), col(ImportRow.row_number)))
    result = session.connection().execution_options(stream_results=True, yield_per=VALIDATION_BATCH).execute(query)
    batch: dict[int, int] = {}
    key, first, scanned = None, 0, 0
    for match_key, row_number in result:
        scanned += 1
        if match_key != key:
            key, first = match_key, row_number
        else:
            batch[row_number] = first
        if len(batch) >= VALIDATION_BATCH or scanned % SCAN_STEP == 0:
            yield batch, scanned
            batch = {}
    if batch:
        yield batch, scanned

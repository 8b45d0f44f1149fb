"""The use cases a person starts: upload, remap, start, roll back. The only place, with
`processing`, that opens write transactions."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import BinaryIO

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from domain.files.sources import FileSource
from domain.accounts.access import owned_import, require_role
from domain.accounts.auth import Principal
from domain.db import Database
from domain.errors import BadFile, BadInput
from domain import idempotency
from domain.pipeline import auto_start
from domain.idempotency import CREATE_IMPORT, START_IMPORT, HashingReader, KeyTaken, checked_key
from domain.files.formats import READING_NOTICES, Examined, FileProblem, ReadOptionProblem, examine, header, reading_notices
from domain.files.encodings import codec_name
from domain.logs import note
from domain.limits import FileLimits
from domain.pipeline.lifecycle import begin_rollback, finish_rollback, is_waiting, move
from domain.rules.mapping import checked_mapping, mapping_notices, propose_mapping
from domain.notices import NoticeCode, merge_notices
from domain.rules.saved_mappings import saved_entries
from domain.options import ReadOptions
from domain.models import Import, ImportMode, ImportRow, Role, RowStatus, ValidationRange
from domain.ports import ProgressPublisher, TaskQueue
from domain.pipeline.rows import has_rows
from domain.pipeline.scheduling import enqueue_started, lanes_for, promote_waiting, start_validated
from domain.settings import Settings
from domain.status import ImportStatus, check_move
from domain.files.storage import Received, open_upload, upload_storage
from domain.rules.types import get_type
from domain.rules.types.base import ImportTypeSpec

MappingEntries = Sequence[tuple[str, str | None]]


@dataclass
class Upload:
    filename: str
    stream: BinaryIO


class ImportService:
    """Everything a user can do to an import. Each method checks the caller's organisation."""

    def __init__(
        self, db: Database, settings: Settings, *, queue: TaskQueue, publisher: ProgressPublisher
    ) -> None:
        self.db = db
        self.settings = settings
        self.queue = queue
        self.publisher = publisher
        self.uploads = upload_storage(settings, db)

    def create_import(  # noqa: PLR0913 - keyword-only: the inputs of createImport
        self,
        principal: Principal,
        *,
        type_name: str,
        mode: ImportMode,
        upload: Upload,
        mapping: MappingEntries | None = None,
        mapping_id: str | None = None,
        sheet: str | None = None,
        premier_core_mapping_id: str | None = None,
        options: ReadOptions | None = None,
        idempotency_key: str | None = None,
    ) -> Import:
        """Store the file, read its header, map it, and enqueue its validation.

        The mapping is `mapping`, or the saved mapping `mapping_id`, or proposed from the
        headers. `options` (stored on the import) may give the encoding and the header row;
        otherwise they are detected, and what was decided is stored as notices. Raises
        BadFile when the file cannot be read (nothing is kept), BadInput for a bad type,
        mapping or option (an unknown encoding, a header row that is blank or past the end).
        With `options.auto_start`, the import starts by itself when validation ends, if the
        request's conditions hold (domain/pipeline/auto_start.py); a remap keeps the request.
        With `idempotency_key`, a repeat of a request that created an import (same key, same
        file and arguments) returns that import as it is now and keeps nothing of its own;
        IdempotencyConflict when the key came with a different request.
        """
        require_role(principal, Role.MEMBER)
        key = checked_key(idempotency_key)
        arguments = {"type": type_name, "mode": mode.value, "filename": upload.filename,
                     "mapping": [list(entry) for entry in mapping] if mapping is not None else None,
                     "mapping_id": mapping_id, "sheet": sheet, "premier_core_mapping_id": premier_core_mapping_id,
                     "options": options.to_json() if options is not None else None}
        spec = get_type(type_name)
        options = _checked_options(options or ReadOptions())
        if mapping is not None and mapping_id is not None:
            raise BadInput("Give either a mapping or a saved mappingId, not both.")
        if premier_core_mapping_id is not None and spec.name != "premier_core":
            raise BadInput("premierCoreMappingId is only for PREMIER_CORE imports; leave it out for this type.")
        if spec.name == "premier_core":
            # A Premier Core import applies its saved mapping, given as premierCoreMappingId.
            if premier_core_mapping_id is None:
                raise BadInput("A PREMIER_CORE import needs premierCoreMappingId: the id of a saved "
                               "premier_core mapping.")
            if not re.fullmatch(r"[0-9a-fA-F]{24}", premier_core_mapping_id):
                raise BadInput(f"premierCoreMappingId {premier_core_mapping_id!r} is not a 24-hex id.")
            if mapping is not None or mapping_id is not None:
                raise BadInput("A PREMIER_CORE import takes its mapping from premierCoreMappingId; "
                               "leave out mapping and mappingId.")
            mapping_id = premier_core_mapping_id = premier_core_mapping_id.lower()
        import_id = uuid.uuid4()
        note(import_id=import_id)
        stream = HashingReader(upload.stream)
        # The file is kept only with its import: a repeat, a refusal or a failure keeps nothing.
        with self.uploads.receive(import_id, stream, max_bytes=self.settings.max_upload_bytes) as received:
            fingerprint = idempotency.fingerprint_of({**arguments, "file_sha256": stream.hexdigest()})
            if (earlier := self._earlier(principal, CREATE_IMPORT, key, fingerprint)) is not None:
                return earlier
            examined, headers = _read_file_header(received.path, sheet, self.settings.file_limits, options=options,
                                                  spec=spec)
            if mapping_id is not None:
                with self.db.read() as session:
                    mapping = saved_entries(session, principal, mapping_id, spec, headers)
            entries = checked_mapping(mapping, headers, spec) if mapping is not None else propose_mapping(headers, spec)
            fmt = examined.fmt
            record = Import(
                id=import_id,
                organisation_id=principal.organisation_id,
                created_by_id=principal.user_id,
                type=spec.name,
                mode=mode.value,
                status=ImportStatus.VALIDATING.value,
                filename=_clean_filename(upload.filename),
                stored_path=received.location,
                encoding=fmt.encoding,
                delimiter=fmt.delimiter,
                skip_first_line=fmt.skip_first_line,
                sheet=fmt.sheet,
                header_row=fmt.header_row,
                options=options.to_json(),
                notices=[notice.to_json() for notice in [*reading_notices(examined),
                                                         *mapping_notices(headers, spec, entries)]],
                headers=headers,
                mapping=entries,
                premier_core_mapping_id=premier_core_mapping_id,
            )
            return self._add(principal, record, received, key=key, fingerprint=fingerprint)

    def _add(self, principal: Principal, record: Import, received: Received, *, key: str | None,
             fingerprint: str) -> Import:
        """Add the import with its file (and its key), and enqueue its validation; the earlier
        import, keeping nothing, when a request with the same key won meanwhile."""
        try:
            with self.db.write() as session:
                session.add(record)
                if key is not None:
                    session.flush()
                    idempotency.remember(session, principal, CREATE_IMPORT, key, fingerprint, record.id)
                received.keep(session)
        except (KeyTaken, IntegrityError):
            if (earlier := self._earlier(principal, CREATE_IMPORT, key, fingerprint)) is None:
                raise
            return earlier
        self.queue.validate(record.id)
        return record

    def update_mapping(self, principal: Principal, import_id: uuid.UUID, mapping: MappingEntries | None = None,
                       options: ReadOptions | None = None) -> Import:
        """Replace the mapping and/or the read options, and validate every row again.

        `options` are laid over the stored ones (a field left None keeps its stored value).
        When the encoding or the header row changes, the file's header is read again and the
        reading notices (encoding, header row, rows skipped) are made anew; other notices stay.
        The mapping is `mapping`, checked against the (new) headers; when it is None, the
        current mapping is kept if the headers are the same, and one is proposed for the new
        headers if they changed. An ERRORED import (a wrong header row...) is fixed this way.
        Raises BadInput for a bad mapping or option (nothing changes), BadFile when the file
        cannot be read with the new options, InvalidTransition when the import is not
        VALIDATED or ERRORED. An autoStart request is kept: the import starts by itself after
        the new validation if its conditions hold then (the last AUTO_START_SKIPPED is dropped)."""
        require_role(principal, Role.MEMBER)
        with self.db.read() as session:
            seen = owned_import(session, principal, import_id)
        if mapping is None and options is None:
            raise BadInput("Give a mapping, new read options (encoding, header row...), or both.")
        check_move(ImportStatus(seen.status), ImportStatus.VALIDATING)
        spec = get_type(seen.type)
        stored = ReadOptions.from_json(seen.options)
        merged = _checked_options(_laid_over(stored, options))
        reread = (merged.encoding, merged.header_row) != (stored.encoding, stored.header_row)
        examined, headers = (_read_file_header(open_upload(self.db, self.settings, seen), seen.sheet,
                                               self.settings.file_limits, options=merged, spec=spec)
                             if reread else (None, seen.headers))
        if mapping is not None:
            entries = checked_mapping(mapping, headers, spec)
        else:
            entries = seen.mapping if headers == seen.headers else propose_mapping(headers, spec)
        with self.db.write() as session:
            record = owned_import(session, principal, import_id, lock=True)
            if record.validation_run != seen.validation_run:
                raise BadInput("The import was changed by someone else meanwhile; look at it again, then retry.")
            move(record, ImportStatus.VALIDATING)
            session.connection().execute(delete(ImportRow).where(col(ImportRow.import_id) == import_id))
            session.connection().execute(delete(ValidationRange).where(col(ValidationRange.import_id) == import_id))
            record.options = merged.to_json()
            if examined is not None:
                _apply_reading(record, examined, headers)
            record.mapping = entries
            record.notices = merge_notices(record.notices, mapping_notices(headers, spec, entries),
                                           {NoticeCode.COLUMN_NOT_MAPPED, NoticeCode.AUTO_START_SKIPPED})
            record.validation_run += 1
            record.total_rows = record.failed_validation_rows = record.progress = 0
            record.error_message = record.error_code = None
            record.validated_at = None
            session.add(record)
        self.queue.validate(import_id)
        self.publisher.publish(import_id)
        return record

    def start_import(self, principal: Principal, import_id: uuid.UUID, *,
                     idempotency_key: str | None = None) -> Import:
        """Start importing a validated import's valid rows, in chunks in the background. When
        its organisation already runs as many imports as allowed, it is IMPORTING but waits
        (with a queue position, nothing done) until one of them ends. With `idempotency_key`,
        a repeat of a start that succeeded returns the import as it is now (started once);
        IdempotencyConflict when the key came with another import's start."""
        require_role(principal, Role.MEMBER)
        key = checked_key(idempotency_key)
        fingerprint = idempotency.fingerprint_of({"id": str(import_id)})
        if (earlier := self._earlier(principal, START_IMPORT, key, fingerprint)) is not None:
            return earlier
        try:
            return self._start(principal, import_id, key, fingerprint)
        except (KeyTaken, IntegrityError):
            if (earlier := self._earlier(principal, START_IMPORT, key, fingerprint)) is None:
                raise
            return earlier

    def _start(self, principal: Principal, import_id: uuid.UUID, key: str | None, fingerprint: str) -> Import:
        with self.db.write() as session:
            record = owned_import(session, principal, import_id, lock=True)
            if key is not None:
                idempotency.remember(session, principal, START_IMPORT, key, fingerprint, import_id)
            started = start_validated(session, record, limit=self.settings.max_running_imports_per_organisation)
            session.add(record)
        enqueue_started(self.queue, self.publisher, self.settings, started)
        self.publisher.publish(import_id)
        return record

    def _earlier(self, principal: Principal, operation: str, key: str | None, fingerprint: str) -> Import | None:
        """The import an earlier request with this key produced, as it is now; None without a key
        or when it is not remembered (or has expired); IdempotencyConflict when that request differed."""
        if key is None:
            return None
        with self.db.read() as session:
            stored = idempotency.live_key(session, principal, operation, key)
            if stored is None:
                return None
            return owned_import(session, principal, idempotency.earlier_import_id(stored, fingerprint))

    def rollback_import(self, principal: Principal, import_id: uuid.UUID) -> Import:
        """Undo an import (finished, under way, or waiting for a slot: that cancels it):
        remove every record it created, restore every record it changed."""
        require_role(principal, Role.MEMBER)
        with self.db.write() as session:
            record = owned_import(session, principal, import_id, lock=True)
            was_running = record.status == ImportStatus.IMPORTING.value and not is_waiting(record)
            begin_rollback(record)
            if not has_rows(session, import_id, RowStatus.IMPORTED):
                finish_rollback(record)
            session.add(record)
            started = (promote_waiting(session, record.organisation_id,
                                       limit=self.settings.max_running_imports_per_organisation)
                       if was_running else [])
        if record.status == ImportStatus.ROLLING_BACK.value:
            for _ in range(lanes_for(record.imported_rows, self.settings)):
                self.queue.rollback_next_chunk(import_id)
        enqueue_started(self.queue, self.publisher, self.settings, started)
        self.publisher.publish(import_id)
        return record


def _read_file_header(path: FileSource, sheet: str | None, limits: FileLimits, *, options: ReadOptions,
                      spec: ImportTypeSpec) -> tuple[Examined, list[str]]:
    """(what reading the file decided, its column names); BadInput for an option that does not
    fit the file, BadFile when it cannot be read or has no data row below its header."""
    try:
        examined = examine(path, sheet=sheet, options=options, spec=spec, limits=limits)
        headers, has_data = header(path, examined.fmt, limits)
    except ReadOptionProblem as problem:
        raise BadInput(f"The file cannot be read this way: {problem.message}.") from None
    except FileProblem as problem:
        raise BadFile(f"The file cannot be read: {problem.message}.") from None
    if not has_data:
        row = examined.fmt.header_row
        if options.header_row is not None:
            raise BadInput(f"Row {row}, chosen as the header, has no data rows below it; choose an earlier headerRow.")
        raise BadFile("The file has a header row but no data rows; add at least one row below the header.")
    return examined, headers


def _checked_options(options: ReadOptions) -> ReadOptions:
    """The options with the encoding's stored name ("windows-1252" -> "cp1252"); BadInput for an
    unknown encoding, a header row below 1, a decimal separator other than '.' or ',', or an
    auto-start confidence outside 0 to 1."""
    if options.auto_start is not None:
        auto_start.checked(options.auto_start)
    if options.header_row is not None and options.header_row < 1:
        raise BadInput(f"headerRow must be 1 or more (1 is the file's first line); {options.header_row} is not.")
    if options.decimal_separator not in (None, ".", ","):
        raise BadInput(f"decimalSeparator must be '.' or ',', not {options.decimal_separator!r}.")
    if options.encoding is None:
        return options
    try:
        return options.replace(encoding=codec_name(options.encoding))
    except ValueError as error:
        raise BadInput(f"Unknown encoding: {error}.") from None


def _laid_over(stored: ReadOptions, given: ReadOptions | None) -> ReadOptions:
    """The stored options with those given in their place (a None keeps the stored one)."""
    if given is None:
        return stored
    return stored.replace(**{item.name: getattr(given, item.name) for item in fields(ReadOptions)})


def _apply_reading(record: Import, examined: Examined, headers: list[str]) -> None:
    """The file read anew: its format, header and reading notices on the import."""
    fmt = examined.fmt
    record.encoding, record.delimiter, record.skip_first_line = fmt.encoding, fmt.delimiter, fmt.skip_first_line
    record.header_row = fmt.header_row
    record.headers = headers
    kept = [notice for notice in record.notices or [] if notice.get("code") not in {c.value for c in READING_NOTICES}]
    record.notices = kept + [notice.to_json() for notice in reading_notices(examined)]


def _clean_filename(name: str | None) -> str:
    name = (name or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:200] or "upload.csv"

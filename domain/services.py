"""The use cases a person starts: upload, remap, start, roll back. The only place, with
`processing`, that opens write transactions."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import delete

from domain.access import owned_import, require_role
from domain.auth import Principal
from domain.db import Database
from domain.errors import BadFile, BadInput
from domain.files import FileProblem, detect, header
from domain.logs import note
from domain.lifecycle import begin_import, begin_rollback, finish_import, finish_rollback, is_waiting, move
from domain.mapping import checked_mapping, missing_required, propose_mapping
from domain.mappings import saved_entries
from domain.models import Import, ImportMode, ImportRow, Role, RowStatus
from domain.ports import ProgressPublisher, TaskQueue
from domain.rows import has_rows
from domain.scheduling import enqueue_started, lanes_for, promote_waiting, start_or_queue
from domain.settings import Settings
from domain.status import ImportStatus
from domain.storage import save_upload, upload_path
from domain.types import get_type

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

    def create_import(
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
    ) -> Import:
        """Store the file, read its header, map it, and enqueue its validation.

        The mapping is `mapping`, or the saved mapping `mapping_id`, or proposed from the
        headers. Raises BadFile when the file cannot be read (nothing is kept), BadInput for
        a bad type or mapping.
        """
        require_role(principal, Role.MEMBER)
        spec = get_type(type_name)
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
        path = upload_path(self.settings.uploads_dir, import_id)
        save_upload(upload.stream, path, max_bytes=self.settings.max_upload_bytes)
        try:
            fmt, headers = _read_file_header(path, sheet, self.settings.file_limits)
            if mapping_id is not None:
                with self.db.read() as session:
                    mapping = saved_entries(session, principal, mapping_id, spec, headers)
            entries = checked_mapping(mapping, headers, spec) if mapping is not None else propose_mapping(headers, spec)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        record = Import(
            id=import_id,
            organisation_id=principal.organisation_id,
            created_by_id=principal.user_id,
            type=spec.name,
            mode=mode.value,
            status=ImportStatus.VALIDATING.value,
            filename=_clean_filename(upload.filename),
            stored_path=str(path.relative_to(self.settings.data_dir)),
            encoding=fmt.encoding,
            delimiter=fmt.delimiter,
            skip_first_line=fmt.skip_first_line,
            sheet=fmt.sheet,
            headers=headers,
            mapping=entries,
            premier_core_mapping_id=premier_core_mapping_id,
        )
        with self.db.write() as session:
            session.add(record)
        self.queue.validate(import_id)
        return record

    def update_mapping(self, principal: Principal, import_id: uuid.UUID, mapping: MappingEntries) -> Import:
        """Replace the mapping and validate every row again."""
        require_role(principal, Role.MEMBER)
        with self.db.write() as session:
            record = owned_import(session, principal, import_id, lock=True)
            spec = get_type(record.type)
            entries = checked_mapping(mapping, record.headers, spec)
            move(record, ImportStatus.VALIDATING)
            session.connection().execute(delete(ImportRow).where(ImportRow.import_id == import_id))
            record.mapping = entries
            record.validation_run += 1
            record.total_rows = record.failed_validation_rows = record.progress = 0
            record.error_message = record.error_code = None
            record.validated_at = None
            session.add(record)
        self.queue.validate(import_id)
        self.publisher.publish(import_id)
        return record

    def start_import(self, principal: Principal, import_id: uuid.UUID) -> Import:
        """Start importing a validated import's valid rows, in chunks in the background. When
        its organisation already runs as many imports as allowed, it is IMPORTING but waits
        (with a queue position, nothing done) until one of them ends."""
        require_role(principal, Role.MEMBER)
        with self.db.write() as session:
            record = owned_import(session, principal, import_id, lock=True)
            if record.mode == ImportMode.VALIDATE.value:
                raise BadInput("This import's mode is VALIDATE: it only validates. Upload the file again with mode STORE to import it.")
            missing = missing_required(record.mapping, get_type(record.type))
            if missing:
                raise BadInput(f"Map a column to {', '.join(missing)} with updateImportMapping before starting.")
            if record.total_rows == record.failed_validation_rows:
                begin_import(record)
                finish_import(record)
                started = []
            else:
                started = start_or_queue(session, record, limit=self.settings.max_running_imports_per_organisation)
            session.add(record)
        enqueue_started(self.queue, self.publisher, self.settings, started)
        self.publisher.publish(import_id)
        return record

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


def _read_file_header(path, sheet, limits):  # noqa: ANN001, ANN202
    try:
        fmt = detect(path, sheet=sheet)
        headers, has_data = header(path, fmt, limits)
    except FileProblem as problem:
        raise BadFile(f"The file cannot be read: {problem.message}.") from None
    if not has_data:
        raise BadFile("The file has a header row but no data rows; add at least one row below the header.")
    return fmt, headers


def _clean_filename(name: str | None) -> str:
    name = (name or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:200] or "upload.csv"

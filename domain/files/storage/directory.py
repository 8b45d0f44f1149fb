"""Uploads kept in the data directory, one file per import (the default)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session

from domain.errors import BadFile, ImportErrorCode, LimitExceeded
from domain.models import Import
from domain.files.sources import Readable

BLOCK = 1024 * 1024
UPLOADS = "uploads"  # the folder of the data directory that holds them


class DirectoryStorage:
    """Each upload is `uploads/<import id>.upload` in the data directory; servers and workers
    on several machines must all see that directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    @contextmanager
    def receive(self, import_id: uuid.UUID, source: Readable, *, max_bytes: int) -> Iterator[InDirectory]:
        path = upload_path(self.data_dir / UPLOADS, import_id)
        save_upload(source, path, max_bytes=max_bytes)
        received = InDirectory(path, str(path.relative_to(self.data_dir)))
        try:
            yield received
        finally:
            if not received.kept:
                path.unlink(missing_ok=True)

    def open(self, record: Import) -> Path:
        return self.data_dir / record.stored_path


class InDirectory:
    """An upload saved in the data directory; removed at the end of `receive` unless kept."""

    def __init__(self, path: Path, location: str) -> None:
        self.path = path
        self.location = location
        self.kept = False

    def keep(self, session: Session) -> None:
        event.listen(session, "after_commit", self._commited, once=True)

    def _commited(self, _session: Session) -> None:
        self.kept = True


def upload_path(uploads_dir: Path, import_id: uuid.UUID) -> Path:
    return uploads_dir / f"{import_id}.upload"


def save_upload(source: Readable, destination: Path, *, max_bytes: int) -> int:
    """Stream `source` to `destination` in blocks; return its size.

    Raises BadFile when it is empty, LimitExceeded when larger than max_bytes (leaving nothing behind).
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with destination.open("wb") as out:
            while block := source.read(BLOCK):
                size += len(block)
                if size > max_bytes:
                    raise LimitExceeded(
                        f"The file is larger than the limit of {max_bytes:,} bytes (IMPORTER_MAX_UPLOAD_BYTES); "
                        "split it into smaller files.", code=ImportErrorCode.FILE_TOO_LARGE.value,
                        setting="IMPORTER_MAX_UPLOAD_BYTES", limit=max_bytes,
                    )
                out.write(block)
        if size == 0:
            raise BadFile("The file is empty; upload a CSV with a header row and at least one data row.")
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    return size

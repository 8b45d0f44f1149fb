"""Where uploads are kept: the port (UploadStorage) and its adapters.

- `directory` (the default): a file per import in the data directory (storage/directory.py).
  Servers and workers on several machines must share that directory.
- `database` (IMPORTER_UPLOAD_STORAGE=database): the file in chunks in the database
  (storage/database.py); servers and workers share only the database and the broker.

IMPORTER_UPLOAD_STORAGE decides where new uploads go. Each import records where its file is
(`stored_path`: a path in the data directory, or `database:...`), and `open_upload` reads it
from there, whatever the setting is now. An S3-compatible adapter would be a third module with
the same two methods and a location of its own (`s3://bucket/key`): see docs/DEPLOYMENT.md.
"""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from sqlmodel import Session

from domain.db import Database
from domain.models import Import
from domain.settings import Settings, UploadStorageKind
from domain.files.sources import FileSource, Readable
from domain.files.storage.database import LOCATION, DatabaseStorage
from domain.files.storage.directory import DirectoryStorage


class Received(Protocol):
    """An upload just received, before its import exists."""

    path: Path  # the file, local and readable until the end of `receive`'s block
    location: str  # where it will be kept: the import's stored_path

    def keep(self, session: Session) -> None:
        """Keep the file with the import that `session` adds: kept if that transaction commits,
        gone at the end of `receive`'s block otherwise."""
        ...


class UploadStorage(Protocol):
    def receive(self, import_id: uuid.UUID, source: Readable, *,
                max_bytes: int) -> AbstractContextManager[Received]:
        """Stream `source` in, in bounded blocks. Raises BadFile when it is empty, LimitExceeded
        when it is larger than `max_bytes`; nothing is left behind then, nor at the end of the
        block unless `keep` was called in a transaction that committed."""
        ...

    def open(self, record: Import) -> FileSource:
        """The import's file, for domain.files.formats.reader and the other readers."""
        ...


def upload_storage(settings: Settings, db: Database) -> UploadStorage:
    """Where new uploads go, as IMPORTER_UPLOAD_STORAGE says."""
    if settings.upload_storage == UploadStorageKind.DATABASE:
        return DatabaseStorage(db)
    return DirectoryStorage(settings.data_dir)


def open_upload(db: Database, settings: Settings, record: Import) -> FileSource:
    """The file of import `record`, wherever it was kept: what domain.files.formats.reader reads
    (a path in the data directory, or a stream from the database)."""
    storage: UploadStorage = (DatabaseStorage(db) if record.stored_path.startswith(LOCATION)
                              else DirectoryStorage(settings.data_dir))
    return storage.open(record)


__all__ = ["DatabaseStorage", "DirectoryStorage", "Received", "UploadStorage", "open_upload", "upload_storage"]

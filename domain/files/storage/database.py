"""Uploads kept in the database (IMPORTER_UPLOAD_STORAGE=database), so that servers and workers
share nothing but the database and the broker.

A file is its import's rows of `upload_chunks`, CHUNK_BYTES each (the last may be shorter),
written in the transaction that adds the import and read back as a seekable stream that holds
one chunk at a time: memory stays the same whatever the file's size.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import uuid
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Table, func
from sqlmodel import Session, select

from domain.db import Database
from domain.models import Import, UploadChunk
from domain.files.sources import Readable
from domain.files.storage.directory import BLOCK, save_upload

CHUNK_BYTES = 1024 * 1024  # bytes per row of upload_chunks
READ_BUFFER = 64 * 1024  # bytes a reader takes from the current chunk at a time
LOCATION = "database:upload_chunks"  # the stored_path of an import whose file is kept here
CHUNKS: Table = UploadChunk.__table__  # type: ignore[attr-defined]


class DatabaseStorage:
    def __init__(self, db: Database, *, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.db = db
        self.chunk_bytes = chunk_bytes

    @contextmanager
    def receive(self, import_id: uuid.UUID, source: Readable, *, max_bytes: int) -> Iterator[Incoming]:
        """The upload in a local temporary file until the end of the block (its header is read
        there); `keep` copies it into the database with the import."""
        with tempfile.TemporaryDirectory(prefix="importer-upload-") as folder:
            path = Path(folder) / f"{import_id}.upload"
            save_upload(source, path, max_bytes=max_bytes)
            yield Incoming(path, import_id, self.chunk_bytes)

    def open(self, record: Import) -> DatabaseFile:
        return DatabaseFile(self.db, record.id)


class Incoming:
    """An upload received, to be kept in the database with its import."""

    location = LOCATION

    def __init__(self, path: Path, import_id: uuid.UUID, chunk_bytes: int) -> None:
        self.path = path
        self.import_id = import_id
        self.chunk_bytes = chunk_bytes

    def keep(self, session: Session) -> None:
        """Write the file's chunks in `session`'s transaction, one chunk in memory at a time:
        they are kept if it commits, and gone with it if it rolls back."""
        session.flush()  # the import's row first: the chunks refer to it
        connection = session.connection()
        with self.path.open("rb") as file:
            for seq, data in enumerate(iter(lambda: file.read(self.chunk_bytes), b"")):
                connection.execute(CHUNKS.insert(), {"import_id": self.import_id, "seq": seq, "data": data})


class DatabaseFile:
    """An import's file in upload_chunks (domain.files.sources.StoredFile)."""

    def __init__(self, db: Database, import_id: uuid.UUID) -> None:
        self.db = db
        self.import_id = import_id

    def open(self) -> BinaryIO:
        stream = ChunkStream(self.db, self.import_id, self._starts())
        return io.BufferedReader(stream, buffer_size=READ_BUFFER)

    def size(self) -> int:
        return self._starts()[-1]

    @contextmanager
    def local_copy(self) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="importer-upload-") as folder:
            path = Path(folder) / f"{self.import_id}.upload"
            with self.open() as stream, path.open("wb") as out:
                shutil.copyfileobj(stream, out, BLOCK)
            yield path

    def _starts(self) -> list[int]:
        """Where each chunk starts in the file, then the file's size. FileNotFoundError when
        the import has no chunks."""
        with self.db.read() as session:
            lengths = session.exec(select(UploadChunk.seq, func.length(UploadChunk.data))
                                   .where(UploadChunk.import_id == self.import_id)
                                   .order_by(UploadChunk.seq)).all()  # type: ignore[arg-type]
        if not lengths:
            raise FileNotFoundError(f"the file of import {self.import_id} is not in the database (upload_chunks)")
        starts = [0]
        for _seq, length in lengths:
            starts.append(starts[-1] + length)
        return starts


class ChunkStream(io.RawIOBase):
    """The bytes of an import's chunks as one seekable stream, fetching the chunk under the
    position when a read needs it (each fetch a short read of its own) and holding only that one."""

    def __init__(self, db: Database, import_id: uuid.UUID, starts: list[int]) -> None:
        super().__init__()
        self.db = db
        self.import_id = import_id
        self.starts = starts
        self.size = starts[-1]
        self.position = 0
        self.seq = -1  # the chunk held, -1 for none
        self.chunk = memoryview(b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self.position = base + offset
        return self.position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.position >= self.size:
            return 0
        seq = bisect_right(self.starts, self.position) - 1
        if seq != self.seq:
            self._fetch(seq)
        offset = self.position - self.starts[seq]
        count = min(len(buffer), len(self.chunk) - offset)
        buffer[:count] = self.chunk[offset:offset + count]
        self.position += count
        return count

    def _fetch(self, seq: int) -> None:
        self.chunk = memoryview(b"")  # let the previous chunk go before the next arrives
        with self.db.read() as session:
            data = session.exec(select(UploadChunk.data).where(UploadChunk.import_id == self.import_id,
                                                               UploadChunk.seq == seq)).one_or_none()
        if data is None:
            raise FileNotFoundError(f"chunk {seq} of the file of import {self.import_id} is not in the database")
        self.chunk, self.seq = memoryview(data), seq

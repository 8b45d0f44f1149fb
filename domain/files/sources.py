"""A file to read: a local path, or an upload kept elsewhere (domain.files.storage) that opens as a
stream. The readers (reading, encodings, xlsx, files) take either, through these functions."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol, TextIO


class Readable(Protocol):
    """What an upload is received from: anything with `read(size)` (a file, a hashing reader)."""

    def read(self, size: int = -1, /) -> bytes:
        ...


class StoredFile(Protocol):
    """An upload kept somewhere other than a local file (in the database, say)."""

    def open(self) -> BinaryIO:
        """A seekable binary stream of its bytes, from the first, holding a bounded block at a time."""
        ...

    def size(self) -> int:
        ...

    def local_copy(self) -> AbstractContextManager[Path]:
        """Its bytes in a local temporary file, removed at the end of the block (for a reader
        that needs a real file)."""
        ...


FileSource = str | os.PathLike[str] | StoredFile


def is_local(source: FileSource) -> bool:
    return isinstance(source, (str, os.PathLike))


def open_bytes(source: FileSource) -> BinaryIO:
    if is_local(source):
        return open(source, "rb")  # type: ignore[arg-type,return-value]
    return source.open()  # type: ignore[union-attr]


def open_text(source: FileSource, *, encoding: str, errors: str = "strict") -> TextIO:
    """The file as text (newline="": the csv module sees line breaks inside cells as written)."""
    if is_local(source):
        return open(source, encoding=encoding, errors=errors, newline="")  # type: ignore[arg-type]
    return io.TextIOWrapper(source.open(), encoding=encoding, errors=errors, newline="")  # type: ignore[union-attr]


def size_of(source: FileSource) -> int:
    if is_local(source):
        return os.stat(source).st_size  # type: ignore[arg-type]
    return source.size()  # type: ignore[union-attr]


@contextmanager
def local_file(source: FileSource) -> Iterator[Path]:
    """A local path holding the file: the path itself, or a temporary copy for the block."""
    if is_local(source):
        yield Path(source)  # type: ignore[arg-type]
        return
    with source.local_copy() as path:  # type: ignore[union-attr]
        yield path

"""A few values of each column of an uploaded file, for a mapping screen."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.accounts.access import owned_import
from domain.accounts.auth import Principal
from domain.db import Database
from domain.errors import BadInput
from domain.files.formats import FileFormat, FileProblem, reader, stored_format
from domain.settings import Settings
from domain.files.sources import FileSource
from domain.files.storage import open_upload

MAX_SAMPLES = 10
ROWS_SCANNED = 200  # a sparse column may show fewer values than asked
MAX_LENGTH = 100


@dataclass(frozen=True)
class ColumnSample:
    column: str
    values: list[str]


def column_samples(
    db: Database, principal: Principal, import_id: uuid.UUID, *, settings: Settings, count: int
) -> list[ColumnSample]:
    """Up to `count` non-blank values of each column, from the first rows of the file (trimmed,
    cut to 100 characters). A file that can no longer be read gives what was read before."""
    if not 1 <= count <= MAX_SAMPLES:
        raise BadInput(f"`count` must be between 1 and {MAX_SAMPLES}.")
    with db.read() as session:
        record = owned_import(session, principal, import_id)
    values: list[list[str]] = [[] for _ in record.headers]
    try:
        _collect(open_upload(db, settings, record), stored_format(record), values, count)
    except (FileProblem, OSError):
        pass
    return [ColumnSample(column, found) for column, found in zip(record.headers, values, strict=True)]


def _collect(path: FileSource, fmt: FileFormat, values: list[list[str]], count: int) -> None:
    rows = reader(path, fmt).rows()
    try:
        for row_number, cells in rows:
            if row_number <= fmt.header_row:
                continue
            for found, cell in zip(values, cells, strict=False):
                if cell.strip() and len(found) < count:
                    found.append(cell.strip()[:MAX_LENGTH])
            if row_number > ROWS_SCANNED or all(len(found) >= count for found in values):
                return
    finally:
        rows.close()

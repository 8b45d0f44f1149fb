"""Uploaded files on disk, in the data directory."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import BinaryIO

from domain.errors import BadFile, ImportErrorCode, LimitExceeded

BLOCK = 1024 * 1024


def upload_path(uploads_dir: Path, import_id: uuid.UUID) -> Path:
    return uploads_dir / f"{import_id}.upload"


def save_upload(source: BinaryIO, destination: Path, *, max_bytes: int) -> int:
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

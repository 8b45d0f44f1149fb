"""The limits a file must keep within (their values come from Settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileLimits:
    """Data rows, columns (and cells of any row), characters of a cell, and bytes an XLSX unpacks to."""

    rows: int = 1_000_000
    columns: int = 500
    cell_chars: int = 32_767
    unpacked_bytes: int = 1024 * 1024 * 1024

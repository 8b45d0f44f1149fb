"""Any uploaded file: CSV (reading.py) or XLSX (xlsx.py), behind one interface."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from domain.limits import FileLimits
from domain.reading import BLOCK, FileFormat, FileProblem, LimitProblem, RowReader, clean_header, detect_format
from domain.xlsx import XlsxReader, is_xlsx

if TYPE_CHECKING:
    from domain.models import Import

XLSX = "xlsx"
FULL_CHECK_BYTES = 8 * 1024 * 1024  # a CSV up to this size is checked whole for the limits at upload


def detect(path: Path, *, sheet: str | None = None) -> FileFormat:
    """How to read the file at `path`; FileProblem when it cannot be read."""
    if is_xlsx(path):
        return FileFormat(encoding=XLSX, delimiter="", sheet=sheet)
    if sheet is not None:
        raise FileProblem("a sheet can only be chosen in an XLSX file")
    return detect_format(path)


def stored_format(record: Import) -> FileFormat:
    """How to read an import's stored file: the format found when it was uploaded."""
    return FileFormat(encoding=record.encoding, delimiter=record.delimiter, skip_first_line=record.skip_first_line,
                      sheet=record.sheet)


def reader(path: Path, fmt: FileFormat, limits: FileLimits = FileLimits()) -> RowReader | XlsxReader:
    return XlsxReader(path, fmt.sheet, limits) if fmt.encoding == XLSX else RowReader(path, fmt, limits)


def header(path: Path, fmt: FileFormat, limits: FileLimits = FileLimits()) -> tuple[list[str], bool]:
    """(column names, whether a data row follows); FileProblem for no header or repeated names.

    Raises LimitExceeded when the file goes over a limit: the header's columns and the first
    rows' cells always; every row of a file up to FULL_CHECK_BYTES, or of one that may hold
    too many rows. (A bigger file's later rows are checked while validating.)"""
    try:
        source = reader(path, fmt, limits)
        rows = source.rows()
        try:
            first = next(rows, None)
            if first is None:
                raise FileProblem("the file is empty")
            has_data_row = next(rows, None) is not None
        finally:
            rows.close()
        if has_data_row and _worth_a_full_pass(path, source, limits):
            _check_every_row(path, fmt, limits)
    except LimitProblem as problem:
        raise problem.error() from None
    return clean_header(first[1]), has_data_row


def _check_every_row(path: Path, fmt: FileFormat, limits: FileLimits) -> None:
    """Read every row for the limits (LimitProblem); other problems are validation's to report."""
    try:
        for _ in reader(path, fmt, limits).rows():
            pass
    except LimitProblem:
        raise
    except FileProblem:
        return


def _worth_a_full_pass(path: Path, source: RowReader | XlsxReader, limits: FileLimits) -> bool:
    """A small file; or a quick look says it may have too many rows: a workbook's declared
    size, or a CSV's line breaks (at least its records less one)."""
    if isinstance(source, XlsxReader):
        return source.declared_rows is None or source.declared_rows > limits.rows + 1
    if path.stat().st_size <= FULL_CHECK_BYTES:
        return True
    newlines = returns = 0
    with path.open("rb") as file:
        for block in iter(lambda: file.read(BLOCK), b""):
            newlines += block.count(b"\n")
            returns += block.count(b"\r")
    return max(newlines, returns) > limits.rows + 1


__all__ = ["FileFormat", "FileProblem", "detect", "header", "reader", "stored_format"]

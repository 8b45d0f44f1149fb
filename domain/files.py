"""Any uploaded file: CSV (reading.py) or XLSX (xlsx.py), behind one interface."""

from __future__ import annotations

from pathlib import Path

from domain.reading import FileFormat, FileProblem, RowReader, clean_header, detect_format
from domain.xlsx import XlsxReader, is_xlsx

XLSX = "xlsx"


def detect(path: Path, *, sheet: str | None = None) -> FileFormat:
    """How to read the file at `path`; FileProblem when it cannot be read."""
    if is_xlsx(path):
        return FileFormat(encoding=XLSX, delimiter="", sheet=sheet)
    if sheet is not None:
        raise FileProblem("a sheet can only be chosen in an XLSX file")
    return detect_format(path)


def reader(path: Path, fmt: FileFormat) -> RowReader | XlsxReader:
    return XlsxReader(path, fmt.sheet) if fmt.encoding == XLSX else RowReader(path, fmt)


def header(path: Path, fmt: FileFormat) -> tuple[list[str], bool]:
    """(column names, whether a data row follows); FileProblem for no header or repeated names."""
    rows = reader(path, fmt).rows()
    try:
        first = next(rows, None)
        if first is None:
            raise FileProblem("the file is empty")
        has_data_row = next(rows, None) is not None
    finally:
        rows.close()
    return clean_header(first[1]), has_data_row


__all__ = ["FileFormat", "FileProblem", "detect", "header", "reader"]

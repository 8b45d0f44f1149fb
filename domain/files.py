"""Any uploaded file: CSV (reading.py) or XLSX (xlsx.py), behind one interface."""

from __future__ import annotations

from pathlib import Path

from domain.limits import FileLimits
from domain.reading import BLOCK, FileFormat, FileProblem, LimitProblem, RowReader, clean_header, detect_format
from domain.xlsx import XlsxReader, is_xlsx

XLSX = "xlsx"


def detect(path: Path, *, sheet: str | None = None) -> FileFormat:
    """How to read the file at `path`; FileProblem when it cannot be read."""
    if is_xlsx(path):
        return FileFormat(encoding=XLSX, delimiter="", sheet=sheet)
    if sheet is not None:
        raise FileProblem("a sheet can only be chosen in an XLSX file")
    return detect_format(path)


def reader(path: Path, fmt: FileFormat, limits: FileLimits = FileLimits()) -> RowReader | XlsxReader:
    return XlsxReader(path, fmt.sheet, limits) if fmt.encoding == XLSX else RowReader(path, fmt, limits)


def header(path: Path, fmt: FileFormat, limits: FileLimits = FileLimits()) -> tuple[list[str], bool]:
    """(column names, whether a data row follows); FileProblem for no header or repeated names.

    Raises LimitExceeded when the file goes over a limit that can be seen now: the header's
    columns, the cells of the first rows, and the number of rows."""
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
        if has_data_row and _may_have_too_many_rows(path, source, limits):
            for _ in reader(path, fmt, limits).rows():  # counts them, LimitProblem past the limit
                pass
    except LimitProblem as problem:
        raise problem.error() from None
    return clean_header(first[1]), has_data_row


def _may_have_too_many_rows(path: Path, source: RowReader | XlsxReader, limits: FileLimits) -> bool:
    """A quick look: a workbook's declared size, or a CSV's line breaks (at least its records less one)."""
    if isinstance(source, XlsxReader):
        return source.declared_rows is None or source.declared_rows > limits.rows + 1
    newlines = returns = 0
    with path.open("rb") as file:
        for block in iter(lambda: file.read(BLOCK), b""):
            newlines += block.count(b"\n")
            returns += block.count(b"\r")
    return max(newlines, returns) > limits.rows + 1


__all__ = ["FileFormat", "FileProblem", "detect", "header", "reader"]

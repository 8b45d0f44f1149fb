"""Reading the first (or a named) sheet of an XLSX workbook as rows of text cells, streamed.

Dates arrive as ISO dates, whole numbers without a trailing `.0`, text cells as written
(leading zeros kept), formulas as the values Excel last computed.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from domain.reading import FileProblem


def is_xlsx(path: Path) -> bool:
    """A ZIP holding a workbook part."""
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class XlsxReader:
    """Same contract as reading.RowReader: rows() numbered from the header as row 1."""

    def __init__(self, path: Path, sheet: str | None = None) -> None:
        self.path = path
        self.sheet = sheet
        self._done = 0
        self._total = 1

    def fraction_done(self) -> float:
        return min(1.0, self._done / self._total)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        from openpyxl import load_workbook

        # A file object, not the path: openpyxl judges a path by its extension.
        with self.path.open("rb") as stream:
            try:
                workbook = load_workbook(stream, read_only=True, data_only=True)
            except Exception as error:  # openpyxl raises many kinds for a damaged file
                raise FileProblem(f"the XLSX file cannot be opened ({type(error).__name__})") from None
            try:
                worksheet = self._worksheet(workbook)
                self._total = max(1, worksheet.max_row or 1)
                yield from self._numbered(worksheet.iter_rows(values_only=True))
            finally:
                workbook.close()

    def _worksheet(self, workbook):  # noqa: ANN001, ANN202
        if self.sheet is None:
            return workbook.worksheets[0]
        if self.sheet not in workbook.sheetnames:
            raise FileProblem(f"the workbook has no sheet {self.sheet!r}; its sheets: {', '.join(workbook.sheetnames)}")
        return workbook[self.sheet]

    def _numbered(self, values: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[str]]]:
        header_at: int | None = None
        width = 0
        for sheet_row, row in enumerate(values, 1):
            self._done = sheet_row
            cells = [cell_text(value) for value in row]
            if not any(cell.strip() for cell in cells):
                continue
            if header_at is None:
                header_at = sheet_row
                while cells and not cells[-1].strip():
                    cells.pop()
                width = len(cells)
            else:
                cells = _fit(cells, width)
            yield sheet_row - header_at + 1, cells


def _fit(cells: list[str], width: int) -> list[str]:
    """A spreadsheet row has no 'missing' cells: pad blanks, drop blank cells past the header."""
    while len(cells) > width and not cells[-1].strip():
        cells.pop()
    return cells + [""] * (width - len(cells))

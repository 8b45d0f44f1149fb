"""Reading the first (or a named) sheet of an XLSX workbook as rows of text cells, streamed.

Dates arrive as ISO dates, whole numbers without a trailing `.0`, text cells as written
(leading zeros kept), formulas as the values Excel last computed.
"""

from __future__ import annotations

import zipfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # openpyxl is imported when a workbook is read, not with this module
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from domain.errors import ImportErrorCode
from domain.limits import FileLimits
from domain.files.reading import FileProblem, LimitProblem, cell_too_long, too_many_columns, too_many_rows
from domain.files.sources import FileSource, local_file, open_bytes

# What zipfile raises for a damaged or crafted archive (a bad header, an unknown version...).
DAMAGED_ZIP = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError)
BOMB_RATIO = 200  # a part that unpacks to more than this many times its packed size is refused
BOMB_FLOOR = 1024 * 1024  # ... when it unpacks to more than this


def is_xlsx(path: FileSource) -> bool:
    """A ZIP holding a workbook part."""
    with open_bytes(path) as file:
        if not zipfile.is_zipfile(file):
            return False
        try:
            with zipfile.ZipFile(file) as archive:
                return "xl/workbook.xml" in archive.namelist()
        except DAMAGED_ZIP:
            return False


def as_cell_text(value: Any) -> str:
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
    """Same contract as reading.RowReader: rows() numbered as the sheet numbers them.

    Rows above `header_row` come with their trailing blank cells dropped; the header too, and
    it sets the width: the rows below are padded to it (blank cells beyond it dropped). With
    `header_row` None (not known yet) no row is fitted to a width."""

    def __init__(self, path: FileSource, sheet: str | None = None, limits: FileLimits = FileLimits(),
                 *, header_row: int | None = 1) -> None:
        self.path = path
        self.sheet = sheet
        self.limits = limits
        self.header_row = header_row
        self.declared_rows: int | None = None  # the sheet's own idea of its size, once rows() has started
        self._done = 0
        self._total = 1

    def fraction_done(self) -> float:
        return min(1.0, self._done / self._total)

    def rows(self) -> Generator[tuple[int, list[str]]]:
        # openpyxl jumps about the archive: a file kept elsewhere is read from a local copy.
        with local_file(self.path) as path:
            yield from self._rows(path)

    def _rows(self, path: Path) -> Generator[tuple[int, list[str]]]:
        from openpyxl import load_workbook

        refuse_zip_bomb(path, self.limits)
        # A file object, not the path: openpyxl judges a path by its extension.
        with path.open("rb") as stream:
            try:
                workbook = load_workbook(stream, read_only=True, data_only=True)
            except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
                raise FileProblem(f"the XLSX file cannot be opened ({type(error).__name__})") from None
            try:
                worksheet = self._worksheet(workbook)
                with _damage_explained():
                    self.declared_rows = worksheet.max_row
                    self._total = max(1, worksheet.max_row or 1)
                    # Rows are padded to the sheet's declared width: never wider than the limit allows.
                    width = min(worksheet.max_column, self.limits.columns + 1) if worksheet.max_column else None
                # types-openpyxl gives ReadOnlyWorksheet Worksheet's iter_rows, self type and all.
                cells = worksheet.iter_rows(values_only=True, max_col=width)  # type: ignore[misc]
                yield from self._numbered(_undamaged(cells))
            finally:
                workbook.close()

    def _worksheet(self, workbook: Workbook) -> ReadOnlyWorksheet:
        if not workbook.worksheets:
            raise FileProblem("the workbook has no sheets")
        if self.sheet is None:
            return workbook.worksheets[0]
        if self.sheet not in workbook.sheetnames:
            raise FileProblem(f"the workbook has no sheet {self.sheet!r}; its sheets: {', '.join(workbook.sheetnames)}")
        return workbook[self.sheet]

    def _numbered(self, values: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[str]]]:
        width: int | None = None
        for row_number, row in enumerate(values, 1):
            self._done = row_number
            cells = [as_cell_text(value) for value in row]
            if not any(cell.strip() for cell in cells):
                continue
            if width is None:
                while cells and not cells[-1].strip():
                    cells.pop()
                if row_number == self.header_row:
                    width = len(cells)
            else:
                cells = _fit(cells, width)
            self._check(row_number, cells)
            yield row_number, cells

    def _check(self, row_number: int, cells: list[str]) -> None:
        if row_number > self.limits.rows + (self.header_row or 1):
            raise too_many_rows(self.limits)
        if len(cells) > self.limits.columns:
            raise too_many_columns(row_number, len(cells), self.limits)
        if any(len(cell) > self.limits.cell_chars for cell in cells):
            raise cell_too_long(row_number, self.limits)


@contextmanager
def _damage_explained() -> Iterator[None]:
    """openpyxl reading a damaged sheet raises whatever its XML parser met: say so in words."""
    try:
        yield
    except FileProblem:
        raise
    except Exception as error:  # noqa: BLE001 - whatever the XML parser met
        raise FileProblem(f"the XLSX file is damaged ({type(error).__name__})") from None


def _undamaged(values: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows as openpyxl reads them, a damaged part raising FileProblem."""
    while True:
        with _damage_explained():
            row = next(values, None)
        if row is None:
            return
        yield row


def refuse_zip_bomb(path: Path, limits: FileLimits) -> None:
    """Refuse a workbook that unpacks to more than the limit, or a part packed suspiciously tightly.

    Python's zipfile never unpacks more than a part's declared size, so the sizes can be trusted."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except DAMAGED_ZIP:
        raise FileProblem("the XLSX file cannot be opened (it is not a valid ZIP archive)") from None
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.unpacked_bytes:
        raise LimitProblem(f"the workbook unpacks to {unpacked:,} bytes, more than the limit of "
                           f"{limits.unpacked_bytes:,} (IMPORTER_MAX_UNPACKED_BYTES)",
                           code=ImportErrorCode.FILE_TOO_LARGE.value,
                           setting="IMPORTER_MAX_UNPACKED_BYTES", limit=limits.unpacked_bytes)
    for part in parts:
        if part.file_size > BOMB_FLOOR and part.file_size > BOMB_RATIO * max(1, part.compress_size):
            raise FileProblem(f"the workbook's part {part.filename} unpacks to {part.file_size // max(1, part.compress_size):,} "
                              "times its packed size; this looks like a zip bomb, not a spreadsheet")


def _fit(cells: list[str], width: int) -> list[str]:
    """A spreadsheet row has no 'missing' cells: pad blanks, drop blank cells past the header."""
    while len(cells) > width and not cells[-1].strip():
        cells.pop()
    return cells + [""] * (width - len(cells))

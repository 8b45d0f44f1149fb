"""Any uploaded file: CSV (reading.py) or XLSX (xlsx.py), behind one interface."""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import islice
from collections.abc import Iterator
from typing import TYPE_CHECKING

from domain.files.encodings import EncodingGuess
from domain.files.header_row import LOOKED_AT, find_header_row
from domain.limits import FileLimits
from domain.notices import Control, Notice, NoticeCode
from domain.options import ReadOptions
from domain.files.sources import FileSource, open_bytes, size_of
from domain.files.encodings import BLOCK
from domain.files.reading import (EncodingProblem, FileFormat, FileProblem, LimitProblem, RowReader, clean_header,
                            sniff)
from domain.files.xlsx import XlsxReader, is_xlsx

if TYPE_CHECKING:
    from domain.models import Import
    from domain.rules.types.base import ImportTypeSpec

XLSX = "xlsx"
FULL_CHECK_BYTES = 8 * 1024 * 1024  # a CSV up to this size is checked whole for the limits at upload
SKIPPED_SHOWN = 5  # rows above the header named in the LINES_SKIPPED notice
TEXT_SHOWN = 60  # characters of a skipped row shown
# The notices reading a file makes (at upload, and again when its encoding or header row change).
READING_NOTICES = frozenset({NoticeCode.ENCODING, NoticeCode.ENCODING_UNSURE, NoticeCode.HEADER_ROW,
                             NoticeCode.LINES_SKIPPED})


class ReadOptionProblem(FileProblem):
    """A read option the person gave does not fit the file (an encoding, a header row)."""


@dataclass(frozen=True)
class Examined:
    """What reading the top of a file decided: its format (header row included), how its
    encoding was decided (None for XLSX), and the non-blank rows above the header
    (row number, the start of their text)."""

    fmt: FileFormat
    encoding: EncodingGuess | None
    skipped: tuple[tuple[int, str], ...] = ()
    header_given: bool = False


def examine(path: FileSource, *, sheet: str | None = None, options: ReadOptions | None = None,
            spec: ImportTypeSpec | None = None, limits: FileLimits = FileLimits()) -> Examined:
    """How to read the file at `path`: its encoding (`options.encoding`, else detected), its
    delimiter, and its header row (`options.header_row`, else the first row that looks like a
    header, preferring the one naming most of `spec`'s fields). FileProblem when it cannot be
    read; ReadOptionProblem when an option does not fit it."""
    options = options or ReadOptions()
    if is_xlsx(path):
        if options.encoding is not None:
            raise ReadOptionProblem("an encoding only applies to CSV files; leave it out for an XLSX workbook")
        fmt, guess = FileFormat(encoding=XLSX, delimiter="", sheet=sheet), None
    elif sheet is not None:
        raise FileProblem("a sheet can only be chosen in an XLSX file")
    else:
        try:
            fmt, guess = sniff(path, encoding=options.encoding)
        except EncodingProblem as problem:
            raise ReadOptionProblem(problem.message) from None
    records = _first_records(path, fmt, limits)
    row = options.header_row or find_header_row(records, spec)
    skipped = tuple((number, _start_of(cells)) for number, cells in records if number < row)
    return Examined(replace(fmt, header_row=row), guess, skipped, header_given=options.header_row is not None)


def detect(path: FileSource, *, sheet: str | None = None, options: ReadOptions | None = None,
           spec: ImportTypeSpec | None = None) -> FileFormat:
    """How to read the file at `path` (see `examine`); FileProblem when it cannot be read."""
    return examine(path, sheet=sheet, options=options, spec=spec).fmt


def stored_format(record: Import) -> FileFormat:
    """How to read an import's stored file: the format found when it was uploaded."""
    return FileFormat(encoding=record.encoding, delimiter=record.delimiter, skip_first_line=record.skip_first_line,
                      sheet=record.sheet, header_row=record.header_row)


def reader(path: FileSource, fmt: FileFormat, limits: FileLimits = FileLimits()) -> RowReader | XlsxReader:
    """The reader of a file in format `fmt`: `path` is a local path, or an upload where it is kept
    (domain.files.storage.open_upload)."""
    if fmt.encoding == XLSX:
        return XlsxReader(path, fmt.sheet, limits, header_row=fmt.header_row)
    return RowReader(path, fmt, limits)


def _first_records(path: FileSource, fmt: FileFormat, limits: FileLimits) -> list[tuple[int, list[str]]]:
    """The first non-blank records, as read before the header is known (a limit or a damaged
    row further on ends the look early: reading the header reports it)."""
    source = (XlsxReader(path, fmt.sheet, limits, header_row=None) if fmt.encoding == XLSX
              else RowReader(path, fmt, limits))
    records: list[tuple[int, list[str]]] = []
    rows = source.rows()
    try:
        records.extend(islice(rows, LOOKED_AT))
    except LimitProblem:
        pass
    except FileProblem:
        if not records:
            raise
    finally:
        rows.close()
    return records


def _start_of(cells: list[str]) -> str:
    text = " ".join(cell.strip() for cell in cells if cell.strip())
    return text if len(text) <= TEXT_SHOWN else text[:TEXT_SHOWN - 1] + "…"


def header(path: FileSource, fmt: FileFormat, limits: FileLimits = FileLimits()) -> tuple[list[str], bool]:
    """(column names of row `fmt.header_row`, whether a data row follows); FileProblem for no
    header or repeated names, ReadOptionProblem when that row is blank or past the file's end.

    Raises LimitExceeded when the file goes over a limit: the header's columns and the first
    rows' cells always; every row of a file up to FULL_CHECK_BYTES, or of one that may hold
    too many rows. (A bigger file's later rows are checked while validating.)"""
    try:
        source = reader(path, fmt, limits)
        rows = source.rows()
        try:
            first = _header_record(rows, fmt.header_row)
            has_data_row = next(rows, None) is not None
        finally:
            rows.close()
        if has_data_row and _worth_a_full_pass(path, source, fmt, limits):
            _check_every_row(path, fmt, limits)
    except LimitProblem as problem:
        raise problem.error() from None
    return clean_header(first), has_data_row


def _header_record(rows: Iterator[tuple[int, list[str]]], header_row: int) -> list[str]:
    """The cells of row `header_row`, the rows above it passed over."""
    last = 0
    for row_number, cells in rows:
        if row_number == header_row:
            return cells
        if row_number > header_row:
            raise ReadOptionProblem(f"row {header_row} is blank, so it cannot be the header; "
                                    f"the next row with content is row {row_number}")
        last = row_number
    if last == 0:
        raise FileProblem("the file is empty")
    raise ReadOptionProblem(f"the file has no row {header_row}: its last row with content is row {last}")


def _check_every_row(path: FileSource, fmt: FileFormat, limits: FileLimits) -> None:
    """Read every row for the limits (LimitProblem); other problems are validation's to report."""
    try:
        for _ in reader(path, fmt, limits).rows():
            pass
    except LimitProblem:
        raise
    except FileProblem:
        return


def _worth_a_full_pass(path: FileSource, source: RowReader | XlsxReader, fmt: FileFormat, limits: FileLimits) -> bool:
    """A small file; or a quick look says it may have too many rows: a workbook's declared
    size, or a CSV's line breaks (at least its records less one)."""
    if isinstance(source, XlsxReader):
        return source.declared_rows is None or source.declared_rows > limits.rows + fmt.header_row
    if size_of(path) <= FULL_CHECK_BYTES:
        return True
    newlines = returns = 0
    with open_bytes(path) as file:
        for block in iter(lambda: file.read(BLOCK), b""):
            newlines += block.count(b"\n")
            returns += block.count(b"\r")
    return max(newlines, returns) > limits.rows + fmt.header_row


# notices


def reading_notices(examined: Examined) -> list[Notice]:
    """What reading the file decided on the person's behalf: the encoding when it is not a
    Unicode one (UTF-8 with or without BOM, UTF-16: those cannot be misread) and whether the
    detector was unsure, the header row when it is not the first, the rows skipped above it."""
    notices = _encoding_notices(examined.encoding) if examined.encoding is not None else []
    return notices + _header_notices(examined)


def _encoding_notices(guess: EncodingGuess) -> list[Notice]:
    if guess.how == "chosen":
        return [Notice(NoticeCode.ENCODING, f"The file was read as {guess.name}, the encoding you chose.",
                       value=guess.encoding, control=Control.ENCODING, sample=guess.sample)]
    if guess.is_unicode:
        return []
    sure = "not sure" if guess.unsure else "fairly sure" if guess.others else "sure"
    why = (" (its lines end with a lone CR, as Excel for Mac writes them)" if guess.mac_line_ends
           and guess.encoding == "mac_roman" else "")
    notices = [Notice(NoticeCode.ENCODING,
                      f"The file is not UTF-8: it was read as {guess.name}{why} ({sure}, "
                      f"{guess.confidence:.0%}). If letters look wrong, choose its encoding.",
                      value=guess.encoding, control=Control.ENCODING, sample=guess.sample)]
    if guess.unsure:
        others = ", ".join(EncodingGuess(name, "detected").name for name in guess.others)
        text = "nothing read the file cleanly" if not guess.others else f"{others} would read it differently"
        notices.append(Notice(NoticeCode.ENCODING_UNSURE,
                              f"The encoding is uncertain: the file was read as {guess.name}, but {text}. "
                              "Check the sample; if letters look wrong, choose the encoding the file was saved in.",
                              value=guess.encoding, control=Control.ENCODING, sample=guess.sample))
    return notices


def _header_notices(examined: Examined) -> list[Notice]:
    row = examined.fmt.header_row
    if row == 1 and not examined.header_given:
        return []
    if examined.header_given:
        said = f"The header is row {row}, as you chose; the rows above it are not imported."
    else:
        said = (f"The header was found on row {row}; the rows above it are not imported. "
                "If another row is the header, choose it.")
    notices = [Notice(NoticeCode.HEADER_ROW, said, value=str(row), control=Control.HEADER_ROW)]
    if examined.skipped:
        shown = [f"row {number} “{text}”" for number, text in examined.skipped[:SKIPPED_SHOWN]]
        more = len(examined.skipped) - SKIPPED_SHOWN
        listed = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
        notices.append(Notice(NoticeCode.LINES_SKIPPED, f"Rows above the header were skipped: {listed}.",
                              value=",".join(str(number) for number, _ in examined.skipped),
                              sample=examined.skipped[0][1]))
    return notices


__all__ = ["READING_NOTICES", "Examined", "FileFormat", "FileProblem", "ReadOptionProblem", "detect", "examine",
           "header", "reader", "reading_notices", "stored_format"]

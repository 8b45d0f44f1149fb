"""Reading an uploaded CSV file as a stream of records, never holding the whole file.

`detect_format` / `sniff` work out how to read a file (encoding, see `domain.files.encodings`;
delimiter; Excel `sep=` line), and `RowReader` / `open_rows` yield its records with the row
numbers a spreadsheet shows; `clean_header` checks column names (`domain.files.formats.header` reads
them for CSV and XLSX alike).
"""

from __future__ import annotations

import codecs
import csv
import io
from typing import BinaryIO, TextIO
import re
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from domain.files.encodings import SINGLE_BYTE, EncodingGuess, detect_encoding, given_encoding
from domain.errors import ImportErrorCode, LimitExceeded
from domain.limits import FileLimits
from domain.files.sources import FileSource, open_bytes, open_text, size_of

HEAD = 8 * 1024  # bytes looked at for binary content
SAMPLE_LINES = 200  # lines looked at to choose the delimiter
SAMPLE_CHARS = 256 * 1024  # ... and at most this much text of them (a line can be 100 MB)
SAMPLE_TITLES = 10  # lines without any delimiter skipped before choosing one (titles above the header)
CANDIDATES = (",", ";", "\t", "|")
MAGIC = (  # (how the file starts, what to tell the person)
    ((b"PK\x03\x04", b"PK\x05\x06"), "this is a ZIP file, not CSV text or an XLSX workbook"),
    ((b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), "this is an old Excel (.xls) or other Office file, not CSV; save it as CSV"),
    ((b"%PDF",), "this looks like a binary file (PDF document), not CSV"),
    ((b"\x89PNG\r\n\x1a\n",), "this looks like a binary file (PNG image), not CSV"),
    ((b"GIF87a", b"GIF89a"), "this looks like a binary file (GIF image), not CSV"),
    ((b"\xff\xd8\xff",), "this looks like a binary file (JPEG image), not CSV"),
)
SEP_LINE = re.compile(r'"?sep=([^\r\n"])"?[,;\t|]*\s*', re.IGNORECASE)
NOT_BLANK = re.compile(r'[^\s,;\t|"]')


class FileProblem(Exception):
    """The file cannot be read. `message` is a sentence a person understands (no final period)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LimitProblem(FileProblem):
    """The file goes over one of its FileLimits; `error()` is the same as a LimitExceeded."""

    def __init__(self, message: str, *, code: str, setting: str, limit: int) -> None:
        super().__init__(message)
        self.code, self.setting, self.limit = code, setting, limit

    def error(self) -> LimitExceeded:
        text = f"The file goes over a limit: {self.message}. Split the file, or ask the operator to raise the limit."
        return LimitExceeded(text, code=self.code, setting=self.setting, limit=self.limit)


def too_many_rows(limits: FileLimits) -> LimitProblem:
    return LimitProblem(f"more than the limit of {limits.rows:,} data rows (IMPORTER_MAX_ROWS)",
                        code=ImportErrorCode.TOO_MANY_ROWS.value, setting="IMPORTER_MAX_ROWS", limit=limits.rows)


def too_many_columns(row_number: int, count: int, limits: FileLimits) -> LimitProblem:
    return LimitProblem(f"row {row_number}: {count:,} cells, more than the limit of {limits.columns:,} columns "
                        "(IMPORTER_MAX_COLUMNS)", code=ImportErrorCode.TOO_MANY_COLUMNS.value,
                        setting="IMPORTER_MAX_COLUMNS", limit=limits.columns)


def cell_too_long(row_number: int, limits: FileLimits, *, hint: str = "") -> LimitProblem:
    return LimitProblem(f"row {row_number}: a value is longer than the limit of {limits.cell_chars:,} characters "
                        f"(IMPORTER_MAX_CELL_CHARS){hint}", code=ImportErrorCode.CELL_TOO_LONG.value,
                        setting="IMPORTER_MAX_CELL_CHARS", limit=limits.cell_chars)


@dataclass(frozen=True)
class FileFormat:
    """How to read a file: Python codec name, cell delimiter, whether to skip Excel's `sep=`
    line, and the header's row number (as a spreadsheet numbers the rows: from 1, blank rows
    counted, Excel's hidden `sep=` line not)."""

    encoding: str
    delimiter: str
    skip_first_line: bool = False
    sheet: str | None = None  # XLSX only: the sheet to read (None: the first)
    header_row: int = 1


# format detection


class EncodingProblem(FileProblem):
    """The encoding a person chose cannot read the file (or is not an encoding)."""


def detect_format(path: FileSource, *, encoding: str | None = None) -> FileFormat:
    """Work out the encoding and delimiter of a CSV file, or raise FileProblem; see `sniff`."""
    return sniff(path, encoding=encoding)[0]


def sniff(path: FileSource, *, encoding: str | None = None) -> tuple[FileFormat, EncodingGuess]:
    """The format of a CSV file (its header on row 1) and how its encoding was decided:
    `encoding` when given (EncodingProblem if it is not one, or cannot read the file's start),
    else detected (domain.files.encodings.detect_encoding).

    Refuses empty files (no bytes, or only whitespace and a BOM) and binary files (known
    magic numbers such as ZIP/XLSX, PDF, images, old .xls; or NUL bytes in the first 8 KiB).
    """
    with open_bytes(path) as file:
        head = file.read(HEAD)
    if not head:
        raise FileProblem("the file is empty")
    if encoding is None:
        guess = detect_encoding(path)
    else:
        try:
            guess = given_encoding(path, encoding)
        except ValueError as error:
            raise EncodingProblem(str(error)) from None
    if not guess.encoding.startswith(("utf-16", "utf-32")):
        _refuse_binary(head)
    _refuse_blank(path, guess.encoding)
    return _detect_delimiter(path, guess.encoding), guess


def _refuse_binary(head: bytes) -> None:
    for starts, message in MAGIC:
        if head.startswith(starts):
            raise FileProblem(message)
    if b"\x00" in head:
        raise FileProblem("this looks like a binary file, not CSV text")


def _refuse_blank(path: FileSource, encoding: str) -> None:
    """Raise 'the file is empty' when the text holds nothing but whitespace."""
    with open_text(path, encoding=encoding, errors="replace") as text:
        for chunk in iter(lambda: text.read(64 * 1024), ""):
            if chunk.strip():
                return
    raise FileProblem("the file is empty")


def _detect_delimiter(path: FileSource, encoding: str) -> FileFormat:
    """An Excel `sep=X` first line wins; else the candidate seen most, outside quotes, in the
    first record holding any (a title line above the table often holds none)."""
    with open_text(path, encoding=encoding, errors="replace") as text:
        first = text.readline(SAMPLE_CHARS)
        sep = SEP_LINE.fullmatch(first)
        if sep:
            return FileFormat(encoding, sep.group(1), skip_first_line=True)
        lines, budget = [first], SAMPLE_CHARS - len(first)
        while len(lines) < SAMPLE_LINES and budget > 0 and (line := text.readline(budget)):
            lines.append(line)
            budget -= len(line)
    records = list(islice(_sample_records(lines), 6 + SAMPLE_TITLES))
    while len(records) > 1 and not any(records[0].values()):
        records.pop(0)  # a title line above the table, with no delimiter in it
    return FileFormat(encoding, _choose_delimiter(records[:6]), skip_first_line=False)


def _sample_records(lines: Iterable[str]) -> Iterator[Counter[str]]:
    """Yield, for each non-blank logical record, how often each candidate appears outside quotes."""
    counts: Counter[str] = Counter()
    in_quotes, record = False, ""
    for line in lines:
        for char in line:
            if char == '"':
                in_quotes = not in_quotes
            elif not in_quotes and char in CANDIDATES:
                counts[char] += 1
        record += line
        if not in_quotes:
            if NOT_BLANK.search(record):
                yield counts
            counts, record = Counter(), ""


def _choose_delimiter(records: list[Counter[str]]) -> str:
    """Most frequent in the header; ties go to the one whose count the next records repeat most."""
    if not records or not any(records[0].values()):
        return ","
    header, rest = records[0], records[1:]
    best = max(header[c] for c in CANDIDATES)
    tied = [c for c in CANDIDATES if header[c] == best]
    return max(tied, key=lambda c: (sum(r[c] == best for r in rest), -CANDIDATES.index(c)))


# reading rows


class _NulByte(Exception):
    """A NUL character in the text (found while feeding lines to the csv reader)."""


class _Lines:
    """The lines of a text file for csv.reader; notes when the file ran out and refuses NULs.
    With `encoding`, counts the bytes of the lines given out (`consumed`)."""

    def __init__(self, text: Iterable[str], *, skip_first: bool, encoding: str | None = None,
                 consumed: int = 0) -> None:
        self.text = text
        self.skip_first = skip_first
        self.exhausted = False
        self.encoding = encoding
        self.consumed = consumed

    def __iter__(self) -> Iterator[str]:
        if self.encoding is not None:
            yield from self._counted()
            return
        for line in islice(self.text, 1 if self.skip_first else 0, None):
            if "\x00" in line:
                raise _NulByte
            yield line
        self.exhausted = True

    def _counted(self) -> Iterator[str]:
        encoding = self.encoding or ""
        lines = iter(self.text)
        if self.skip_first:
            for line in islice(lines, 1):
                self.consumed += len(line) if line.isascii() else len(line.encode(encoding))
        for line in lines:
            if "\x00" in line:
                raise _NulByte
            self.consumed += len(line) if line.isascii() else len(line.encode(encoding))
            yield line
        self.exhausted = True


@dataclass(frozen=True)
class Resume:
    """Where to read a CSV file from part way: the byte offset of a record's first line, and
    the row number of the record before it (numbering goes on from there)."""

    offset: int
    row_before: int


def resumable(fmt: FileFormat) -> bool:
    """Whether a file in this format can be read from a byte offset (RowReader.rows(start=...)):
    UTF-8 or a single-byte code page, where a line's bytes are its text encoded again."""
    try:
        name = codecs.lookup(fmt.encoding).name
    except LookupError:
        return False
    return name in _RESUMABLE


_RESUMABLE = frozenset(codecs.lookup(name).name for name in ("utf-8", "utf-8-sig", "ascii", *SINGLE_BYTE))


class RowReader:
    """Reads a file's records one at a time and says how far through the file it is.

        reader = RowReader(path, fmt)
        for row_number, cells in reader.rows():
            ...  reader.fraction_done()  # 0.0 .. 1.0

    `fraction_done()` is the share of the file's bytes consumed so far. It runs ahead of the
    rows by at most one read buffer (about 8 KiB) and is 1.0 once `rows()` has finished.
    """

    def __init__(self, path: FileSource, fmt: FileFormat, limits: FileLimits = FileLimits(), *,
                 count_bytes: bool = False) -> None:
        self.path = path
        self.fmt = fmt
        self.limits = limits
        self.count_bytes = count_bytes  # for resume_point(): only where resumable(fmt)
        self._buffer: BinaryIO | None = None  # the binary file under the text, while rows() runs
        self._size: int | None = None  # None until rows() starts
        self._done = 0
        self._lines: _Lines | None = None

    def resume_point(self, row_number: int) -> Resume:
        """Where to read on after the record just yielded (numbered `row_number`), while
        rows() runs with count_bytes."""
        if self._lines is None or self._lines.encoding is None:
            raise ValueError("resume_point needs a reader made with count_bytes, of a resumable format")
        return Resume(self._lines.consumed, row_number)

    def fraction_done(self) -> float:
        if self._size is None:
            return 0.0
        if self._buffer is not None and not self._buffer.closed:
            self._done = self._buffer.tell()
        return min(1.0, self._done / self._size) if self._size else 1.0

    def rows(self, start: Resume | None = None) -> Generator[tuple[int, list[str]]]:
        """Yield (row_number, cells) for every non-blank record: rows above the header (titles,
        notes), the header (row `fmt.header_row`) and the data rows.

        Row numbers are those a spreadsheet shows: one per record (a line break inside quotes
        does not add one), blank records are skipped but counted, blank lines before the header
        too. Excel's `sep=` line is not counted (Excel hides it). Cells are yielded as read
        (not trimmed; short and long rows as they are). The file is closed when the generator
        finishes or is closed. Raises FileProblem naming the row.

        `start`: read from there (a resume_point of an earlier reading), where resumable(fmt).
        """
        # The csv module stops a longer cell itself (the limit is per process; every reader sets the same).
        csv.field_size_limit(self.limits.cell_chars)
        with self._open(start) as text:
            self._buffer = text.buffer
            self._size = size_of(self.path)
            self._lines = lines = _Lines(text, skip_first=self.fmt.skip_first_line and start is None,
                                         encoding=self._counted_as(), consumed=self._bom_length(start))
            reader = csv.reader(iter(lines), delimiter=self.fmt.delimiter)
            yield from _numbered_records(reader, lines, self.fmt, self.limits,
                                         row_number=start.row_before if start else 0)
            self._done = self._size

    def _open(self, start: Resume | None) -> TextIO:
        if start is None:
            return open_text(self.path, encoding=self.fmt.encoding)
        if not resumable(self.fmt):
            raise ValueError(f"a file in {self.fmt.encoding} cannot be read from a byte offset")
        raw = open_bytes(self.path)
        raw.seek(start.offset)
        return io.TextIOWrapper(raw, encoding=self._counted_as() or self.fmt.encoding, newline="")

    def _counted_as(self) -> str | None:
        """The codec that gives a line's bytes back from its text (UTF-8's BOM counted apart)."""
        if not self.count_bytes or not resumable(self.fmt):
            return None
        name = codecs.lookup(self.fmt.encoding).name
        return "utf-8" if name == "utf-8-sig" else name

    def _bom_length(self, start: Resume | None) -> int:
        if start is not None:
            return start.offset
        if self._counted_as() is None or codecs.lookup(self.fmt.encoding).name != "utf-8-sig":
            return 0
        with open_bytes(self.path) as raw:
            return len(codecs.BOM_UTF8) if raw.read(3) == codecs.BOM_UTF8 else 0


def _numbered_records(
    reader: Iterator[list[str]], lines: _Lines, fmt: FileFormat, limits: FileLimits, *, row_number: int = 0
) -> Iterator[tuple[int, list[str]]]:
    """Number the csv reader's records (after `row_number`), skip blank ones, and turn reading
    errors into FileProblem."""
    last_row, most_columns = limits.rows + fmt.header_row, limits.columns
    try:
        for cells in reader:
            if lines.exhausted:  # the reader had to reach the end of the file to end this record
                raise FileProblem(f"row {row_number + 1}: a quoted value is never closed (a \" is missing)")
            text = "".join(cells)
            blank = not text or text.isspace()
            row_number += 1
            if row_number > last_row:
                raise too_many_rows(limits)
            if len(cells) > most_columns:
                raise too_many_columns(row_number, len(cells), limits)
            if not blank:
                yield row_number, cells
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise cell_too_long(row_number + 1, limits, hint="; often a quoted value that is never closed") from None
        raise FileProblem(f"row {row_number + 1}: {_explain(error)}") from None
    except _NulByte:
        raise FileProblem(f"row {row_number + 1}: the text contains a NUL character; "
                          "this looks like a binary file, not CSV text") from None
    except UnicodeDecodeError:
        raise FileProblem(f"row {row_number + 1}: the text is not valid {fmt.encoding}") from None


def _explain(error: csv.Error) -> str:
    """The csv module's message, in words for a person."""
    return f"the CSV cannot be read ({error})"


def open_rows(path: FileSource, fmt: FileFormat, limits: FileLimits = FileLimits()) -> Generator[tuple[int, list[str]]]:
    """Yield (row_number, cells) for every non-blank record; see RowReader.rows."""
    return RowReader(path, fmt, limits).rows()


def clean_header(cells: list[str]) -> list[str]:
    names = [cell.strip().lstrip("\ufeff").strip() or f"Column {i}" for i, cell in enumerate(cells, 1)]
    first_spelling: dict[str, str] = {}
    for name in names:
        first_spelling.setdefault(name.casefold(), name)
    counts = Counter(name.casefold() for name in names)
    repeated = [first_spelling[key] for key, count in counts.items() if count > 1]
    if repeated:
        named = ", ".join(repeated[:10]) + (f" and {len(repeated) - 10:,} more" if len(repeated) > 10 else "")
        raise FileProblem(f"the header repeats the column names: {named}; "
                          "rename them so each column has its own name")
    return names

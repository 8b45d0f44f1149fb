"""Property-based fuzzing of the file reader and the row validation: any bytes in, never an
unhandled exception out. A FileProblem (the file cannot be read, said in words), a limit
refusal (LimitExceeded) or a row outcome (values or field errors) are the only answers."""

from __future__ import annotations

import codecs
import io
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from domain.errors import DomainError
from domain.files.formats import FileProblem, detect, header, reader
from domain.rules.mapping import propose_mapping
from domain.rules.types import IMPORT_TYPES, FieldKind, ImportTypeSpec
from domain.rules.validation import RowOutcome, RowValidator

FUZZ = settings(
    max_examples=300, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SPECS = sorted(IMPORT_TYPES.values(), key=lambda spec: spec.name)

# Cells that tend to break parsers: separators, quotes, line breaks, NULs, BOMs, formulas,
# numbers past Decimal's precision, impossible dates, non-ASCII digits and letters.
TRICKY_CELLS = st.sampled_from([
    "", " ", '"', '""', '"a,b"', "a\nb", "\r\n", "\x00", "\ufeff", "sep=;", "=HYPERLINK(\"x\")",
    "1" * 40, "9" * 300, "-0", "+1", ".5", "1,234.567", "£1,200.00", "€-3", "45.005", "1e9", "NaN", "inf",
    "31/02/2020", "2020-13-01", "0000-00-00", "99/99/9999", "١٢٣", "²", "yes", "Y", "maybe",
    "a@b.co", "ü@ü.de", "@", "a@" + "b" * 300 + ".com", "x" * 10_001, "FACIAL60; SKU-1", ";;", "%", "20%",
])
CELLS = st.one_of(TRICKY_CELLS, st.text(max_size=30))
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"])


TRIED: Counter[str] = Counter()  # generated inputs per kind, printed at the end of the module


@pytest.fixture(scope="module", autouse=True)
def report_counts(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None and TRIED:
        with capture.global_and_fixture_disabled():  # the counts show in CI's log
            print(f"\nhypothesis: {sum(TRIED.values())} generated inputs, 0 unhandled exceptions: {dict(TRIED)}")


@contextmanager
def stored(content: bytes, suffix: str = ".csv") -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        yield path


def read_everything(path: Path) -> list[tuple[int, list[str]]]:
    """detect, header and every row, as the service does; FileProblem is an answer."""
    try:
        fmt = detect(path)
        names, _ = header(path, fmt)
        rows = list(reader(path, fmt).rows())
    except (FileProblem, DomainError) as problem:  # unreadable, or over a limit (LimitExceeded)
        assert problem.message and "Traceback" not in problem.message
        return []
    assert all(isinstance(name, str) and name for name in names)
    for number, cells in rows:
        assert isinstance(number, int) and number >= 1
        assert all(isinstance(cell, str) for cell in cells)
    return rows


@st.composite
def csv_texts(draw: st.DrawFn) -> bytes:
    """CSV-like text: rows of cells joined by one delimiter, in one encoding, with stray bytes."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|", " "]))
    rows = draw(st.lists(st.lists(CELLS, min_size=1, max_size=8), min_size=1, max_size=8))
    quote = draw(st.booleans())
    lines = [delimiter.join(f'"{cell}"' if quote else cell for cell in row) for row in rows]
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    if draw(st.booleans()):
        text = f"sep={delimiter}\n{text}"
    encoded = text.encode(draw(ENCODINGS), errors="replace")
    prefix = draw(st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\xff", b"PK\x03\x04"]))
    return prefix + encoded + draw(st.binary(max_size=8))


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_VALUES = st.one_of(CELLS.map(lambda cell: ILLEGAL_CHARACTERS_RE.sub("", cell)), st.integers(), st.floats(allow_nan=False),
                        st.booleans(), st.dates(), st.none())


@st.composite
def damaged_zips(draw: st.DrawFn) -> bytes:
    """A ZIP that claims to be a workbook, with members that are garbage or missing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", draw(st.binary(max_size=200)))
        for name in draw(st.lists(st.sampled_from(
            ["[Content_Types].xml", "xl/worksheets/sheet1.xml", "xl/_rels/workbook.xml.rels",
             "xl/sharedStrings.xml", "xl/styles.xml"]), unique=True, max_size=5)):
            archive.writestr(name, draw(st.binary(max_size=200)))
    return buffer.getvalue()


def flip(content: bytes, positions: list[int], value: int) -> bytes:
    data = bytearray(content)
    for position in positions:
        data[position % len(data)] = value
    return bytes(data)


@given(content=st.binary(max_size=4096))
@FUZZ
def test_any_bytes_are_rows_or_a_file_problem(content: bytes) -> None:
    TRIED["files (any bytes)"] += 1
    with stored(content) as path:
        read_everything(path)


@given(content=csv_texts())
@FUZZ
def test_any_csv_like_text_is_rows_or_a_file_problem(content: bytes) -> None:
    TRIED["files (CSV-like text)"] += 1
    with stored(content) as path:
        read_everything(path)


@given(rows=st.lists(st.lists(XLSX_VALUES, max_size=6), max_size=6))
@settings(FUZZ, max_examples=60)
def test_any_workbook_is_rows_or_a_file_problem(rows: list[list[object]]) -> None:
    TRIED["workbooks"] += 1
    with stored(xlsx_bytes(rows), ".xlsx") as path:
        read_everything(path)


@given(positions=st.lists(st.integers(min_value=0), min_size=1, max_size=4), value=st.integers(0, 255))
@settings(FUZZ, max_examples=100)
def test_a_damaged_workbook_is_rows_or_a_file_problem(positions: list[int], value: int) -> None:
    TRIED["damaged workbooks"] += 1
    content = xlsx_bytes([["first_name", "email"], ["Ada", "ada@example.com"]])
    with stored(flip(content, positions, value), ".xlsx") as path:
        read_everything(path)


@given(content=damaged_zips())
@settings(FUZZ, max_examples=100)
def test_a_zip_posing_as_a_workbook_is_a_file_problem_or_rows(content: bytes) -> None:
    TRIED["fake workbooks"] += 1
    with stored(content, ".xlsx") as path:
        read_everything(path)


@st.composite
def validations(draw: st.DrawFn) -> tuple[ImportTypeSpec, list[str], dict[int, str], bool, list[str]]:
    """A type, headers, a mapping of some columns to some of its fields, and one row of cells."""
    spec = draw(st.sampled_from(SPECS))
    fields = draw(st.lists(st.sampled_from(spec.field_names), unique=True, max_size=len(spec.fields)))
    width = draw(st.integers(min_value=len(fields), max_value=len(fields) + 2))
    headers = [f"c{index}" for index in range(width)]
    columns = draw(st.permutations(range(width)))
    mapping = dict(zip(columns, fields, strict=False))
    cells = [draw(field_cells(spec, mapping.get(index))) for index in range(width)]
    if draw(st.integers(0, 9)) == 0:  # now and then a row of the wrong length
        cells = cells + [""] if draw(st.booleans()) else cells[:-1]
    return spec, headers, mapping, draw(st.booleans()), cells


def field_cells(spec: ImportTypeSpec, name: str | None) -> st.SearchStrategy[str]:
    """Cells for one field: anything, plus values near what the field's kind accepts."""
    if name is None:
        return CELLS
    field = spec.field(name)
    near = {
        FieldKind.CHOICE: st.sampled_from(field.allowed or ("",)).map(lambda value: f" {value.upper()} "),
        FieldKind.INTEGER: st.integers().map(str),
        FieldKind.DECIMAL: st.decimals(allow_nan=True, allow_infinity=True).map(str),
        FieldKind.MONEY: st.decimals(allow_nan=True, allow_infinity=True).map(lambda d: f"£{d}"),
        FieldKind.DATE: st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
        FieldKind.EMAIL: st.emails(),
    }.get(field.kind, CELLS)
    return st.one_of(CELLS, near, st.just(field.example))


@given(case=validations())
@settings(FUZZ, max_examples=1500)
def test_any_row_of_any_type_is_an_outcome(case: tuple) -> None:
    TRIED["rows"] += 1
    spec, headers, mapping, partial, cells = case
    outcome = RowValidator(spec, headers, mapping, partial=partial).validate(cells)
    assert isinstance(outcome, RowOutcome)
    assert (outcome.values is None) == bool(outcome.errors)
    for error in outcome.errors:
        assert isinstance(error["message"], str) and error["message"]


@given(spec=st.sampled_from(SPECS), headers=st.lists(st.one_of(CELLS, st.sampled_from(
    ["first name", "E-mail", "SKU", "Price (£)", "code", "Code "])), max_size=12))
@FUZZ
def test_any_header_gets_a_proposed_mapping(spec: ImportTypeSpec, headers: list[str]) -> None:
    TRIED["headers"] += 1
    entries = propose_mapping(headers, spec)
    assert [entry["column"] for entry in entries] == headers
    mapped = [entry["field"] for entry in entries if entry["field"]]
    assert len(mapped) == len(set(mapped))

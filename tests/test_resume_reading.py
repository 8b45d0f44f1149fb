"""Reading a CSV file from a resume point gives exactly the records a whole reading gives after it.

Validation ranges (domain/pipeline/ranges.py) read a big file in parts, each from the byte
offset the first pass noted. For every record of files with line breaks inside quotes, every
kind of line end, a BOM, Excel's `sep=` line, blank records and non-ASCII text in UTF-8 and
in single-byte code pages, reading on from that record's resume point must give the same
numbered records as the whole reading, in the file on disk and in the database's storage.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.files.formats import FileFormat
from domain.files.reading import Resume, RowReader, resumable

NASTY = ["plain", "", " ", "Zoë Ångström", "line\nbreak", "cr\ronly", 'quote "inside"', "comma, inside",
         "crlf\r\ninside", "€ and ½", "tab\there", "ends with \r"]


def _csv_text(rows: list[list[str]], line_end: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=line_end).writerows(rows)
    return out.getvalue()


def _check(path: Path, fmt: FileFormat) -> None:
    whole = RowReader(path, fmt, count_bytes=True)
    records, points = [], []
    rows = whole.rows()
    for row_number, cells in rows:
        records.append((row_number, cells))
        points.append(whole.resume_point(row_number))
    assert records, "the file has records"
    for index, point in enumerate(points):
        rest = list(RowReader(path, fmt).rows(start=point))
        assert rest == records[index + 1:], f"reading on after row {point.row_before}"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "mac_roman", "latin-1"])
@pytest.mark.parametrize("line_end", ["\r\n", "\n", "\r"])
def test_reading_on_from_each_record(tmp_path: Path, encoding: str, line_end: str) -> None:
    rows = [["name", "note"], *([f"row {i}", NASTY[i % len(NASTY)]] for i in range(40)), ["", ""], ["last", "x"]]
    text = _csv_text(rows, line_end)
    text = text.encode(encoding, errors="replace").decode(encoding)  # what the code page can hold
    path = tmp_path / "file.csv"
    path.write_bytes(text.encode(encoding))
    _check(path, FileFormat(encoding=encoding, delimiter=","))


def test_sep_line_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(codecs.BOM_UTF8 + "sep=;\r\nname;note\r\n\r\nAda;\"two\r\nlines\"\r\n;\r\nGrace;é\r\n".encode())
    _check(path, FileFormat(encoding="utf-8-sig", delimiter=";", skip_first_line=True))


def test_multibyte_codecs_are_not_resumable() -> None:
    assert not resumable(FileFormat(encoding="utf-16", delimiter=","))
    assert resumable(FileFormat(encoding="cp1252", delimiter=","))
    with pytest.raises(ValueError):
        RowReader("unused.csv", FileFormat(encoding="utf-16", delimiter=",")).rows(start=Resume(10, 3)).send(None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.lists(st.text(alphabet=st.sampled_from("ab ,\"\r\n\té€"), max_size=6),
                               min_size=2, max_size=2), min_size=1, max_size=12),
       line_end=st.sampled_from(["\r\n", "\n", "\r"]))
def test_any_cells(tmp_path: Path, cells: list[list[str]], line_end: str) -> None:
    path = tmp_path / "generated.csv"
    path.write_bytes(_csv_text([["a", "b"], *cells, ["end", "end"]], line_end).encode("utf-8"))
    _check(path, FileFormat(encoding="utf-8", delimiter=","))

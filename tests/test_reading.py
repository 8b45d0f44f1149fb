"""Reading uploaded CSV files: format detection, row numbering, refusals."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the project is not installed in the venv
    sys.path.insert(0, str(ROOT))

from domain.files.reading import (  # noqa: E402
    FileFormat,
    FileProblem,
    RowReader,
    detect_format,
    open_rows,
)
from domain.files.formats import header as read_header  # noqa: E402


def write(tmp_path: Path, data: bytes | str, name: str = "upload.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def rows_of(path: Path) -> list[tuple[int, list[str]]]:
    return list(open_rows(path, detect_format(path)))


def problem_of(call, *args: object) -> str:
    with pytest.raises(FileProblem) as caught:
        result = call(*args)
        if hasattr(result, "__next__"):
            list(result)
    return caught.value.message


# encodings


def test_plain_utf8_is_read_as_utf8(tmp_path):
    path = write(tmp_path, "Name,City\nZoë,Kraków\n")
    assert detect_format(path) == FileFormat("utf-8", ",", False)
    assert rows_of(path) == [(1, ["Name", "City"]), (2, ["Zoë", "Kraków"])]


def test_utf8_bom_is_dropped_from_the_first_header(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfEmail,Name\r\na@b.c,Ann\r\n")
    fmt = detect_format(path)
    assert fmt.encoding == "utf-8-sig"
    assert read_header(path, fmt) == (["Email", "Name"], True)


def test_excel_unicode_text_utf16_tab_separated_is_read(tmp_path):
    path = write(tmp_path, "Email\tName\r\nann@example.com\tAnn Müller\r\n".encode("utf-16"))
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    fmt = detect_format(path)
    assert fmt == FileFormat("utf-16", "\t", False)
    assert rows_of(path) == [(1, ["Email", "Name"]), (2, ["ann@example.com", "Ann Müller"])]


def test_cp1252_file_with_accent_and_euro_sign_is_read(tmp_path):
    path = write(tmp_path, "Name;Price\r\nCafé;5 €\r\n".encode("cp1252"))
    fmt = detect_format(path)
    assert fmt == FileFormat("cp1252", ";", False)
    assert rows_of(path)[1] == (2, ["Café", "5 €"])


def test_bytes_undefined_in_cp1252_fall_back_to_latin1_without_crashing(tmp_path):
    path = write(tmp_path, b"Name,Code\nCaf\xe9,\x81\x9d\n")
    fmt = detect_format(path)
    assert fmt.encoding == "latin-1"
    assert rows_of(path)[1] == (2, ["Café", "\x81\x9d"])


def test_invalid_utf8_after_the_first_megabyte_is_still_noticed(tmp_path):
    path = write(tmp_path, b"Name\n" + b"abc\n" * 400_000 + b"Caf\xe9\n")
    assert detect_format(path).encoding == "cp1252"


# delimiters


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_common_delimiter_is_detected(tmp_path, delimiter):
    path = write(tmp_path, delimiter.join(["a", "b", "c"]) + "\n" + delimiter.join(["1", "2", "3"]) + "\n")
    assert detect_format(path).delimiter == delimiter
    assert rows_of(path)[1] == (2, ["1", "2", "3"])


def test_single_column_file_uses_comma(tmp_path):
    path = write(tmp_path, "Email\na@b.c\n")
    assert detect_format(path).delimiter == ","
    assert rows_of(path) == [(1, ["Email"]), (2, ["a@b.c"])]


def test_excel_sep_line_sets_the_delimiter_and_is_skipped(tmp_path):
    path = write(tmp_path, "sep=;\r\nName;Note\r\nAnn;a,b,c\r\n")
    fmt = detect_format(path)
    assert fmt == FileFormat("utf-8", ";", True)
    assert rows_of(path) == [(1, ["Name", "Note"]), (2, ["Ann", "a,b,c"])]


def test_commas_inside_quoted_headers_do_not_fool_a_semicolon_file(tmp_path):
    path = write(tmp_path, '"Name, full";"Address, street, city";Zip\nAnn;"1 Main St, Town";123\n')
    assert detect_format(path).delimiter == ";"
    assert rows_of(path)[0] == (1, ["Name, full", "Address, street, city", "Zip"])


def test_a_tie_in_the_header_is_broken_by_the_lines_that_follow(tmp_path):
    # each header has one ';' and one ','; the winner is the one the next lines repeat
    assert detect_format(write(tmp_path, "a;b,c\n1;2;3,4\n5;6;7\n")).delimiter == ","
    assert detect_format(write(tmp_path, "a;b,c\n1;2\n3;4\n")).delimiter == ";"
    assert detect_format(write(tmp_path, "a;b,c\n1;2,3\n")).delimiter == ","  # still tied: ',' first


def test_excel_sep_line_after_a_bom_is_recognised(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfsep=|\r\nName|Note\r\nAnn|x\r\n")
    assert detect_format(path) == FileFormat("utf-8-sig", "|", True)
    assert read_header(path, detect_format(path)) == (["Name", "Note"], True)


# line endings and row numbers


def test_crlf_line_endings_are_read(tmp_path):
    path = write(tmp_path, "a,b\r\n1,2\r\n3,4\r\n")
    assert rows_of(path) == [(1, ["a", "b"]), (2, ["1", "2"]), (3, ["3", "4"])]


def test_lone_cr_line_endings_are_read(tmp_path):
    path = write(tmp_path, "a,b\r1,2\r3,4\r")
    assert rows_of(path) == [(1, ["a", "b"]), (2, ["1", "2"]), (3, ["3", "4"])]


def test_quoted_line_breaks_stay_in_the_cell_and_do_not_add_rows(tmp_path):
    path = write(tmp_path, 'Name,Note\r\nAnn,"line one\r\nline two"\r\nBob,x\r\n')
    assert rows_of(path) == [(1, ["Name", "Note"]), (2, ["Ann", "line one\r\nline two"]), (3, ["Bob", "x"])]


def test_blank_trailing_lines_are_skipped(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n\n\n   \n")
    assert rows_of(path) == [(1, ["a", "b"]), (2, ["1", "2"])]


def test_records_of_empty_cells_are_skipped_but_still_counted(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,3\n,,\n\n4,5,6\n")
    assert rows_of(path) == [(1, ["a", "b", "c"]), (2, ["1", "2", "3"]), (5, ["4", "5", "6"])]


def test_blank_lines_before_the_header_are_counted_as_a_spreadsheet_shows_them(tmp_path):
    path = write(tmp_path, "\n,,\na,b\n1,2\n")
    assert rows_of(path) == [(3, ["a", "b"]), (4, ["1", "2"])]


def test_short_and_long_rows_are_yielded_as_they_are(tmp_path):
    path = write(tmp_path, "a,b,c\n1\n1,2,3,4\n")
    assert rows_of(path) == [(1, ["a", "b", "c"]), (2, ["1"]), (3, ["1", "2", "3", "4"])]


# header


def test_header_cells_are_trimmed_and_blank_ones_named_by_position(tmp_path):
    path = write(tmp_path, " Email ,,Phone,\nx,y,z,w\n")
    assert read_header(path, detect_format(path)) == (["Email", "Column 2", "Phone", "Column 4"], True)


def test_repeated_header_names_are_refused_naming_them(tmp_path):
    path = write(tmp_path, "Email,Phone,email ,Name,PHONE\n1,2,3,4,5\n")
    message = problem_of(read_header, path, detect_format(path))
    assert message == ("the header repeats the column names: Email, Phone; "
                       "rename them so each column has its own name")


def test_header_only_file_has_no_data_row(tmp_path):
    path = write(tmp_path, "Email,Name\n\n,\n")
    assert read_header(path, detect_format(path)) == (["Email", "Name"], False)


def test_a_file_of_empty_cells_has_no_header(tmp_path):
    path = write(tmp_path, ",,\n , \n\n")
    assert problem_of(read_header, path, detect_format(path)) == "the file is empty"


# refusals


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b" \r\n\t\n", "\r\n".encode("utf-16")])
def test_empty_files_are_refused(tmp_path, data):
    assert problem_of(detect_format, write(tmp_path, data)) == "the file is empty"


@pytest.mark.parametrize(("data", "words"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
    (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", "ZIP file"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", ".xls"),
])
def test_binary_files_named_csv_are_refused_by_kind(tmp_path, data, words):
    message = problem_of(detect_format, write(tmp_path, data))
    assert words in message and "not CSV" in message


def test_nul_bytes_at_the_start_are_refused_as_binary(tmp_path):
    path = write(tmp_path, b"a,b\n1,\x00\x002\n")
    assert problem_of(detect_format, path) == "this looks like a binary file, not CSV text"


def test_nul_bytes_further_on_are_refused_with_the_row(tmp_path):
    path = write(tmp_path, b"a,b\n" + b"1,2\n" * 5000 + b"3,\x004\n")
    message = problem_of(open_rows, path, detect_format(path))
    assert message.startswith("row 5002: ") and "NUL" in message


def test_an_unterminated_quote_is_reported_with_its_row(tmp_path):
    path = write(tmp_path, 'a,b\n1,2\n3,"never closed\n4,5\n6,7\n')
    message = problem_of(open_rows, path, detect_format(path))
    assert message.startswith("row 3: ") and "never closed" in message


def test_an_unterminated_quote_in_a_big_file_is_reported_with_its_row(tmp_path):
    path = write(tmp_path, 'a,b\n1,"open\n' + "x,y\n" * 50_000)
    message = problem_of(open_rows, path, detect_format(path))
    assert message.startswith("row 2: ") and "never closed" in message


def test_stray_quotes_inside_a_value_are_tolerated(tmp_path):
    path = write(tmp_path, 'a,b\n1,"5" screen\n')
    assert rows_of(path)[1] == (2, ["1", "5 screen"])


# streaming


def test_progress_goes_from_zero_to_one(tmp_path):
    path = write(tmp_path, "a,b\n" + "1,2\n" * 100_000)
    reader = RowReader(path, detect_format(path))
    assert reader.fraction_done() == 0.0
    seen = []
    for row_number, _ in reader.rows():
        if row_number % 20_000 == 0:
            seen.append(reader.fraction_done())
    assert seen == sorted(seen) and 0 < seen[0] < 0.5 < seen[-1] <= 1
    assert reader.fraction_done() == 1.0


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc to list open files")
def test_the_file_is_closed_when_the_reader_is_closed_early(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n3,4\n")

    def is_open() -> bool:
        fds = Path("/proc/self/fd")
        return any(os.path.realpath(fds / fd) == str(path.resolve()) for fd in os.listdir(fds))

    rows = open_rows(path, detect_format(path))
    assert next(rows) == (1, ["a", "b"])
    assert is_open()
    rows.close()
    assert not is_open()

"""The header row is found below titles, notes and blank lines; `header_row` overrides it; row
numbers everywhere are those of the file as a spreadsheet shows it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from domain.errors import BadInput, InvalidTransition
from domain.files.formats import examine, header, reader
from domain.files.header_row import find_header_row
from domain.options import DateOrder, ReadOptions
from domain.rules.types import get_type
from tests.helpers import data_of, settle, start, upload
from tests.reading_cases import (EXPORTS, create, export, imported_clients, notices_of, principal, row_errors, service,
                                 stored)

CLIENT = get_type("client")


def records(*lines: str) -> list[tuple[int, list[str]]]:
    """Non-blank lines as a reader yields them: (row number, cells)."""
    return [(number, line.split(",")) for number, line in enumerate(lines, 1) if line.strip(", ")]


def write(tmp_path: Path, text: str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def title_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Clients of Spa One"])
    sheet.append(["Exported on", "2024-03-02"])
    sheet.append([])
    sheet.append(["First Name", "Last Name", "Email", "Phone"])
    sheet.append(["Ada", "Lovelace", "ada@example.com", None])
    sheet.append(["Bob", "Babbage", "bob-at-example.com", "07700 900002"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# finding it


def test_a_header_on_the_first_line_stays_there():
    assert find_header_row(records("first_name,last_name,email", "Ada,Lovelace,ada@example.com"), CLIENT) == 1


def test_a_title_and_a_blank_line_above_the_header_are_skipped():
    found = records("Client List", "", "First Name,Last Name,Email,Phone", "Ada,Lovelace,ada@example.com,0770")
    assert find_header_row(found) == 3
    assert find_header_row(found, CLIENT) == 3


def test_key_value_note_lines_lose_to_the_row_that_names_the_fields():
    found = records("Report,Clients", "Location,Spa One", "First Name,Last Name,Email,Notes",
                    "Ada,Lovelace,ada@example.com,tea", "Bob,Babbage,bob@example.com,coffee")
    assert find_header_row(found, CLIENT) == 3


def test_a_file_of_data_rows_only_keeps_its_first_row_as_the_header():
    found = records("Ada,Lovelace,ada@example.com,1990-11-05", "Bob,Babbage,bob@example.com,1985-02-01")
    assert find_header_row(found, CLIENT) == 1


def test_a_single_column_file_keeps_its_header():
    assert find_header_row(records("Email", "ada@example.com", "bob@example.com"), CLIENT) == 1


def test_the_title_block_export_has_its_header_on_row_4_and_rows_numbered_as_in_the_file():
    path = EXPORTS / "report_with_title_block.csv"
    examined = examine(path, spec=CLIENT)
    assert examined.fmt.header_row == 4
    assert examined.skipped == ((1, "Client List"), (2, "Exported 02/03/2024 by Spa One – all locations"))
    assert header(path, examined.fmt) == (["First Name", "Last Name", "Email", "Mobile Number", "Notes"], True)
    rows = list(reader(path, examined.fmt).rows())
    assert [number for number, _ in rows] == [1, 2, 4, 5, 6, 7]
    assert rows[-1] == (7, ["Cy", "Young", "not-an-email", "07700 900003", "Check the address"])


def test_excel_sep_line_is_not_counted_and_a_title_below_it_is_skipped(tmp_path):
    path = write(tmp_path, "sep=;\r\nClient list\r\n\r\nFirst Name;Last Name;Email\r\nAda;Lovelace;ada@example.com\r\n")
    examined = examine(path, spec=CLIENT)
    assert (examined.fmt.delimiter, examined.fmt.skip_first_line, examined.fmt.header_row) == (";", True, 3)
    assert list(reader(path, examined.fmt).rows())[-1] == (4, ["Ada", "Lovelace", "ada@example.com"])


def test_a_semicolon_file_with_a_title_line_is_still_read_with_semicolons(tmp_path):
    path = write(tmp_path, "Kundenliste\n\nVorname;Nachname;E-Mail\nJürgen;Weiß;jw@example.com\n")
    examined = examine(path, spec=CLIENT)
    assert (examined.fmt.delimiter, examined.fmt.header_row) == (";", 3)


def test_title_rows_above_the_header_of_a_workbook_are_skipped(tmp_path):
    path = tmp_path / "clients.xlsx"
    path.write_bytes(title_workbook())
    examined = examine(path, spec=CLIENT)
    assert examined.fmt.header_row == 4
    assert examined.skipped == ((1, "Clients of Spa One"), (2, "Exported on 2024-03-02"))
    assert header(path, examined.fmt) == (["First Name", "Last Name", "Email", "Phone"], True)
    assert list(reader(path, examined.fmt).rows())[-2:] == [
        (5, ["Ada", "Lovelace", "ada@example.com", ""]), (6, ["Bob", "Babbage", "bob-at-example.com", "07700 900002"])]


# through the API: row numbers and notices


def test_an_export_with_a_title_block_validates_with_the_rows_numbered_as_in_the_file(client, token):
    created = data_of(upload(client, export("report_with_title_block.csv"), token=token))["createImport"]
    assert created["headers"] == ["First Name", "Last Name", "Email", "Mobile Number", "Notes"]
    final = settle(client, token, created["id"])
    assert (final["status"], final["totalRows"], final["failedValidationRows"]) == ("VALIDATED", 3, 1)
    assert row_errors(client, token, created["id"]) == [(7, "email", "not-an-email")]
    record = stored(client, created["id"])
    assert record.header_row == 4
    notices = notices_of(client, created["id"])
    assert set(notices) == {"HEADER_ROW", "LINES_SKIPPED"}
    assert (notices["HEADER_ROW"]["value"], notices["HEADER_ROW"]["control"]) == ("4", "headerRow")
    assert notices["LINES_SKIPPED"]["value"] == "1,2"
    assert "row 1 “Client List”" in notices["LINES_SKIPPED"]["message"]
    assert "row 2 “Exported 02/03/2024 by Spa One – all locations”" in notices["LINES_SKIPPED"]["message"]
    clients = imported_clients(client, token, created["id"])
    assert {(c.first_name, c.phone, c.import_row) for c in clients.values()} == {
        ("Ada", "07700 900001", 5), ("Bob", "07700 900002", 6)}


def test_a_workbook_with_title_rows_reports_errors_on_its_own_row_numbers(client, token):
    created = data_of(upload(client, title_workbook(), token=token, filename="clients.xlsx"))["createImport"]
    final = settle(client, token, created["id"])
    assert (final["status"], final["totalRows"], final["failedValidationRows"]) == ("VALIDATED", 2, 1)
    assert row_errors(client, token, created["id"]) == [(6, "email", "bob-at-example.com")]
    assert notices_of(client, created["id"])["HEADER_ROW"]["value"] == "4"


def test_blank_lines_alone_above_the_header_move_it_without_skipping_text(client, token):
    content = b"\r\n,,\r\nfirst_name,last_name,email\r\nAda,Lovelace,ada@example.com\r\nBob,Babbage,bob@\r\n"
    created = data_of(upload(client, content, token=token))["createImport"]
    settle(client, token, created["id"])
    assert row_errors(client, token, created["id"]) == [(5, "email", "bob@")]
    assert set(notices_of(client, created["id"])) == {"HEADER_ROW"}


def test_an_errored_import_with_the_wrong_header_row_is_fixed_by_choosing_the_header(client, token):
    record = create(client, token, "report_with_title_block.csv", options=ReadOptions(header_row=1))
    assert record.headers == ["Client List"]
    errored = settle(client, token, str(record.id))
    assert (errored["status"], errored["errorCode"]) == ("ERRORED", "MISSING_REQUIRED_FIELDS")

    fixed = service(client).update_mapping(principal(client, token), record.id, options=ReadOptions(header_row=4))
    assert fixed.headers == ["First Name", "Last Name", "Email", "Mobile Number", "Notes"]
    assert [entry["field"] for entry in fixed.mapping] == ["first_name", "last_name", "email", "phone", "notes"]
    final = settle(client, token, str(record.id))
    assert (final["status"], final["totalRows"], final["failedValidationRows"]) == ("VALIDATED", 3, 1)
    assert row_errors(client, token, str(record.id)) == [(7, "email", "not-an-email")]
    again = stored(client, record.id)
    assert (again.header_row, again.options) == (4, {"header_row": 4})
    notices = notices_of(client, record.id)
    assert "as you chose" in notices["HEADER_ROW"]["message"] and notices["LINES_SKIPPED"]["value"] == "1,2"


def test_a_given_mapping_is_checked_against_the_new_headers(client, token):
    record = create(client, token, "report_with_title_block.csv", options=ReadOptions(header_row=1))
    settle(client, token, str(record.id))
    with pytest.raises(BadInput, match="no column 'Client List'"):
        service(client).update_mapping(principal(client, token), record.id, [("Client List", "first_name")],
                                       options=ReadOptions(header_row=4))
    assert stored(client, record.id).header_row == 1  # nothing changed
    mapping = [("First Name", "first_name"), ("Last Name", "last_name"), ("Email", "email")]
    changed = service(client).update_mapping(principal(client, token), record.id, mapping,
                                             options=ReadOptions(header_row=4))
    assert [entry["field"] for entry in changed.mapping] == ["first_name", "last_name", "email", None, None]


@pytest.mark.parametrize(("row", "words"), [
    (0, "headerRow must be 1 or more"),
    (3, "row 3 is blank, so it cannot be the header; the next row with content is row 4"),
    (9, "the file has no row 9: its last row with content is row 7"),
    (7, "Row 7, chosen as the header, has no data rows below it"),
])
def test_a_header_row_that_cannot_be_the_header_is_refused_in_words(client, token, row, words):
    with pytest.raises(BadInput, match=words):
        create(client, token, "report_with_title_block.csv", options=ReadOptions(header_row=row))


def test_update_mapping_needs_a_mapping_or_options_and_a_settled_import(client, token):
    record = create(client, token, "report_with_title_block.csv")
    with pytest.raises(BadInput, match="Give a mapping, new read options"):
        service(client).update_mapping(principal(client, token), record.id)
    settle(client, token, str(record.id))
    data_of(start(client, token, str(record.id)))
    with pytest.raises(InvalidTransition):
        service(client).update_mapping(principal(client, token), record.id, options=ReadOptions(header_row=4))


def test_a_date_order_alone_revalidates_without_reading_the_header_again(client, token):
    record = create(client, token, "report_with_title_block.csv")
    settle(client, token, str(record.id))
    before = stored(client, record.id)
    changed = service(client).update_mapping(principal(client, token), record.id,
                                             options=ReadOptions(date_order=DateOrder.MONTH_FIRST))
    assert changed.mapping == before.mapping and changed.header_row == 4
    assert changed.options == {"date_order": "month_first"}
    assert settle(client, token, str(record.id))["status"] == "VALIDATED"

"""XLSX uploads: the first or a named sheet, dates as dates, text kept as text, formulas'
cached values."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

from openpyxl import Workbook

from tests.helpers import data_of, error_code, gql, settle, upload

HEADER = ["first_name", "last_name", "email", "phone", "date_of_birth", "marketing_opt_in", "external_ref"]


def workbook(rows: list[list], *, sheet: str = "Clients", extra_sheet: str | None = None) -> bytes:
    book = Workbook()
    first = book.active
    first.title = sheet
    for row in [HEADER, *rows]:
        first.append(row)
    if extra_sheet:
        other = book.create_sheet(extra_sheet)
        other.append(["first_name", "last_name", "email"])
        other.append(["Zed", "Other", "zed@example.com"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_cached_formula(content: bytes, cell: str, formula: str, cached: str) -> bytes:
    """Turn one cell into a formula whose cached value is `cached`, as Excel saves it."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = re.sub(rf'<c r="{cell}"[^>]*>.*?</c>',
                              f'<c r="{cell}" t="str"><f>{formula}</f><v>{cached}</v></c>', text, count=1)
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


def validated(client, token, content: bytes, **kwargs) -> dict:  # noqa: ANN003
    created = data_of(upload(client, content, token=token, filename="clients.xlsx", **kwargs))["createImport"]
    return settle(client, token, created["id"])


def test_an_xlsx_file_is_read_with_dates_numbers_and_text_as_a_person_expects(client, token):
    content = workbook([
        ["Ada", "Lovelace", "ada@example.com", "0044 20 7946 0000", datetime(1990, 11, 5), True, "00123"],
        ["Bob", "Builder", "bob@example.com", None, date(1985, 2, 1), False, 42],
        [None, None, None, None, None, None, None],
        ["Cy", "Young", "not-an-email", None, "31/02/1990", "maybe", None],
    ])
    final = validated(client, token, content)
    assert (final["status"], final["totalRows"], final["failedValidationRows"]) == ("VALIDATED", 3, 1)
    errors = data_of(gql(client, """query($id: ID!) { import(id: $id) { errors { edges { node {
        rowNumber field value } } } } }""", {"id": final["id"]}, token=token))["import"]["errors"]["edges"]
    assert {(e["node"]["rowNumber"], e["node"]["field"]) for e in errors} == {
        (5, "email"), (5, "date_of_birth"), (5, "marketing_opt_in")}


def test_xlsx_cells_become_the_text_a_spreadsheet_shows(tmp_path):
    from domain.files.formats import detect, header, reader

    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook([["Ada", "Lovelace", "ada@example.com", None, datetime(1990, 11, 5), True, "00123"],
                               ["Bob", "Builder", "bob@example.com", None, None, None, 42.0]]))
    fmt = detect(path)
    assert header(path, fmt) == (HEADER, True)
    rows = list(reader(path, fmt).rows())
    assert rows[1] == (2, ["Ada", "Lovelace", "ada@example.com", "", "1990-11-05", "TRUE", "00123"])
    assert rows[2] == (3, ["Bob", "Builder", "bob@example.com", "", "", "", "42"])


def test_a_formula_gives_the_value_excel_computed(tmp_path):
    from domain.files.formats import detect, reader

    content = with_cached_formula(workbook([["Ada", "Lovelace", "placeholder", None, None, None, None]]),
                                  "C2", 'LOWER("ADA@EXAMPLE.COM")', "ada@example.com")
    path = tmp_path / "formula.xlsx"
    path.write_bytes(content)
    rows = list(reader(path, detect(path)).rows())
    assert rows[1][1][2] == "ada@example.com"


def test_a_sheet_can_be_chosen_by_name_and_a_missing_one_is_named(client, token):
    content = workbook([["Ada", "Lovelace", "ada@example.com", None, None, None, None]], extra_sheet="Archive")
    final = validated(client, token, content, sheet="Archive")
    assert (final["totalRows"], final["sheet"]) == (1, "Archive")
    refused = upload(client, content, token=token, filename="clients.xlsx", sheet="Nope")
    assert error_code(refused) == "BAD_FILE"
    assert "no sheet 'Nope'" in refused["errors"][0]["message"]
    assert "Clients, Archive" in refused["errors"][0]["message"]

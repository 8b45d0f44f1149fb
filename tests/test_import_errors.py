"""An import that fails in the background says why in words (errorMessage) and as a code
(errorCode); validating it again clears both."""

from __future__ import annotations

from dataclasses import replace

from starlette.testclient import TestClient

from domain.auth import issue_token
from graph.app import create_app
from tests.helpers import CLIENT_HEADER, IMPORT_FIELDS, data_of, gql, settle, upload
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


def test_a_long_cell_found_while_validating_is_cell_too_long_naming_the_limit(settings):
    """The operator lowered the cell limit while the import waited for a worker: the upload
    passed, validation finds the cell over the new limit."""
    content = CLIENT_HEADER + "Ada,Lovelace,ada@example.com,,,,short\n" + f"Bob,Brown,bob@example.com,,,,{'n' * 101}\n"
    with app_without_worker(settings) as client:
        token = issue_token(client.app.state.runtime.db).token
        created = data_of(upload(client, content.encode(), token=token))["createImport"]
    with TestClient(create_app(replace(settings, max_cell_chars=100))) as client:
        final = settle(client, token, created["id"])
    assert (final["status"], final["errorCode"]) == ("ERRORED", "CELL_TOO_LONG")
    assert "row 3" in final["errorMessage"] and "100" in final["errorMessage"]
    assert "IMPORTER_MAX_CELL_CHARS" in final["errorMessage"]


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


"""Hands-off imports: createImport with autoStart starts by itself once validated when every
required field is mapped surely enough and some row is valid; otherwise it waits at VALIDATED
with an AUTO_START_SKIPPED notice saying why. A remap keeps the request; a VALIDATE import
never starts; the organisation's running-imports limit holds; webhooks hear it like a manual start.
On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.models import Client
from domain.settings import Settings
from tests.helpers import client_csv, data_of, error_code, gql, settle, start, upload, watch
from tests.services import migrated, postgres_database
from tests.test_scheduling import one_at_a_time, state  # noqa: F401 (a fixture)
from tests.test_webhooks import create, delivered, receiver, verified  # noqa: F401 (a fixture)
from tests.test_workers import app_without_worker, drain

SURE = {"minConfidence": 0.9}
DETAILS = """query($id: ID!) { import(id: $id) { status importedRows totalRows failedValidationRows
  autoStart { minConfidence policy } notices { code message column value control } } }"""
REMAP = "mutation($id: ID!, $mapping: [MappingInput!]) { updateImportMapping(id: $id, mapping: $mapping) { status } }"


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    base = Settings(data_dir=tmp_path / "data", chunk_size=3, worker_threads=2, max_upload_bytes=1_000_000,
                    requests_per_minute=0, webhook_allow_private=True, webhook_timeout_seconds=1)
    if request.param == "sqlite":
        yield base
        return
    with postgres_database() as url:
        yield migrated(base.with_changes(database_url=url))


def details(client: TestClient, token: str, import_id: str) -> dict:
    return data_of(gql(client, DETAILS, {"id": import_id}, token=token))["import"]


def skipped(found: dict) -> list[dict]:
    return [notice for notice in found["notices"] if notice["code"] == "AUTO_START_SKIPPED"]


def stored_clients(db, import_id: str) -> int:
    with db.read() as session:
        query = select(func.count()).select_from(Client).where(Client.import_id == uuid.UUID(import_id))
        return session.exec(query).one()


def created(client: TestClient, token: str, content: bytes, **arguments: object) -> str:
    return data_of(upload(client, content, token=token, **arguments))["createImport"]["id"]


def test_an_exact_header_file_is_imported_with_no_start_call(client, db, token):
    import_id = created(client, token, client_csv(7), auto_start=SURE)
    states = watch(client, token, import_id)

    assert (states[-1]["status"], states[-1]["importedRows"]) == ("IMPORTED", 7)
    assert "VALIDATED" not in {s["status"] for s in states}  # started in the transaction that validated it
    found = details(client, token, import_id)
    assert found["autoStart"] == {"minConfidence": 0.9, "policy": "SKIP_INVALID"}
    assert skipped(found) == []
    assert stored_clients(db, import_id) == 7


def test_a_full_name_stands_in_for_first_and_last_name(client, db, token):
    content = b"Full Name,email\nAda Lovelace,ada@example.com\nAlan Turing,alan@example.com\n"
    import_id = created(client, token, content, auto_start=SURE)
    assert settle(client, token, import_id)["status"] == "IMPORTED"
    assert stored_clients(db, import_id) == 2


def test_invalid_rows_are_skipped_and_the_valid_ones_imported(client, db, token):
    content = client_csv(3) + b"Bad,Row,not-an-email,,,,\n"
    import_id = created(client, token, content, auto_start=SURE)
    finished = settle(client, token, import_id)
    assert (finished["status"], finished["importedRows"], finished["failedValidationRows"]) == ("IMPORTED", 3, 1)


def test_an_email_column_mapped_below_the_confidence_waits_with_a_notice(client, db, token):
    content = b"first_name,last_name,Email Address\nAda,Lovelace,ada@example.com\n"
    import_id = created(client, token, content, auto_start={"minConfidence": 0.95})
    assert settle(client, token, import_id)["status"] == "VALIDATED"

    [notice] = skipped(details(client, token, import_id))
    assert (notice["column"], notice["value"], notice["control"]) == ("Email Address", "email", "MAPPING")
    assert "confidence 0.90" in notice["message"] and "minConfidence 0.95" in notice["message"]
    assert stored_clients(db, import_id) == 0
    data_of(start(client, token, import_id))  # a person can still start it
    assert settle(client, token, import_id)["importedRows"] == 1


def test_a_full_name_below_the_confidence_is_named(client, token):
    content = b"Name,email\nAda Lovelace,ada@example.com\n"  # 'Name' is mapped to full_name with 0.9
    import_id = created(client, token, content, auto_start={"minConfidence": 0.95})
    assert settle(client, token, import_id)["status"] == "VALIDATED"
    [notice] = skipped(details(client, token, import_id))
    assert (notice["column"], notice["value"]) == ("Name", "full_name")
    assert "Full name" in notice["message"]


def test_a_file_with_no_valid_row_waits_with_a_notice(client, token):
    content = b"first_name,last_name,email\nAda,Lovelace,nope\nAlan,Turing,also-nope\n"
    import_id = created(client, token, content, auto_start=SURE)
    assert settle(client, token, import_id)["status"] == "VALIDATED"
    [notice] = skipped(details(client, token, import_id))
    assert "none of its 2 rows is valid" in notice["message"]
    assert notice["control"] is None

    one = created(client, token, b"first_name,last_name,email\nAda,Lovelace,nope\n", auto_start=SURE)
    assert settle(client, token, one)["status"] == "VALIDATED"
    assert "its only row is not valid" in skipped(details(client, token, one))[0]["message"]


def test_a_validate_import_never_starts(client, token):
    import_id = created(client, token, client_csv(3), mode="VALIDATE", auto_start=SURE)
    assert settle(client, token, import_id)["status"] == "VALIDATED"
    [notice] = skipped(details(client, token, import_id))
    assert "mode is VALIDATE" in notice["message"]


def test_a_remap_keeps_the_request_and_starts_it_once_the_mapping_is_sure(client, db, token):
    content = b"first_name,last_name,Email Address\nAda,Lovelace,ada@example.com\nAlan,Turing,alan@example.com\n"
    import_id = created(client, token, content, auto_start={"minConfidence": 0.95})
    assert settle(client, token, import_id)["status"] == "VALIDATED"

    mapping = [{"column": "first_name", "field": "first_name"}, {"column": "last_name", "field": "last_name"},
               {"column": "Email Address", "field": "email"}]  # given by a person: confidence 1.0
    assert data_of(gql(client, REMAP, {"id": import_id, "mapping": mapping}, token=token)) == \
        {"updateImportMapping": {"status": "VALIDATING"}}
    assert settle(client, token, import_id)["status"] == "IMPORTED"
    found = details(client, token, import_id)
    assert (found["importedRows"], skipped(found)) == (2, [])
    assert found["autoStart"]["minConfidence"] == 0.95
    assert stored_clients(db, import_id) == 2


def test_an_import_errored_for_a_missing_field_starts_once_a_person_maps_it(client, db, token):
    content = b"first_name,last_name,Correo\nAda,Lovelace,ada@example.com\n"
    import_id = created(client, token, content, auto_start=SURE)
    errored = settle(client, token, import_id)
    assert (errored["status"], errored["missingRequiredFields"]) == ("ERRORED", ["email"])

    mapping = [{"column": "first_name", "field": "first_name"}, {"column": "last_name", "field": "last_name"},
               {"column": "Correo", "field": "email"}]
    data_of(gql(client, REMAP, {"id": import_id, "mapping": mapping}, token=token))
    assert settle(client, token, import_id)["status"] == "IMPORTED"
    assert stored_clients(db, import_id) == 1


@pytest.mark.parametrize("confidence", [-0.1, 1.5])
def test_a_confidence_outside_0_to_1_is_refused(client, token, confidence):
    result = upload(client, client_csv(1), token=token, auto_start={"minConfidence": confidence})
    assert error_code(result) == "BAD_INPUT"
    assert "minConfidence" in result["errors"][0]["message"]


def test_an_unknown_policy_is_refused(client, token):
    result = upload(client, client_csv(1), token=token, auto_start={"minConfidence": 0.9, "policy": "ALL_OR_NOTHING"})
    assert result["errors"] and result["data"] is None


def test_a_retried_upload_starts_once_and_another_request_with_its_key_is_a_conflict(client, db, token):
    first = created(client, token, client_csv(4), auto_start=SURE, idempotency_key="upload-1")
    again = created(client, token, client_csv(4), auto_start=SURE, idempotency_key="upload-1")
    assert again == first
    assert settle(client, token, first)["importedRows"] == 4
    other = upload(client, client_csv(4), token=token, auto_start={"minConfidence": 0.5}, idempotency_key="upload-1")
    assert error_code(other) == "IDEMPOTENCY_CONFLICT"
    assert stored_clients(db, first) == 4


def test_an_auto_started_import_waits_for_a_slot_like_a_manual_start(one_at_a_time):  # noqa: F811
    with app_without_worker(one_at_a_time) as client:
        runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        running = created(client, token, client_csv(4))
        drain(runtime)
        data_of(start(client, token, running))
        auto = created(client, token, client_csv(5, start=100), auto_start=SURE)

        runtime.processor.validate(uuid.UUID(auto))  # the worker's validation alone: the running import's chunks wait
        assert {k: state(client, token, auto)[k] for k in ("status", "queuePosition", "progress")} == \
            {"status": "IMPORTING", "queuePosition": 1, "progress": 0}
        assert state(client, token, running)["queuePosition"] is None

        drain(runtime)
        assert [state(client, token, i)["status"] for i in (running, auto)] == ["IMPORTED", "IMPORTED"]
        assert [stored_clients(runtime.db, i) for i in (running, auto)] == [4, 5]


def test_webhooks_hear_an_auto_started_import_like_a_manual_one(client, token, receiver):  # noqa: F811
    data_of(create(client, token, receiver.url, ["IMPORT_STATUS_CHANGED", "IMPORT_FINISHED"]))
    import_id = created(client, token, client_csv(5), auto_start=SURE)
    assert settle(client, token, import_id)["status"] == "IMPORTED"
    delivered(client)

    bodies = [verified(request) for request in receiver.requests]
    changes = {b["import"]["status"]: b["import"] for b in bodies if b["event"] == "IMPORT_STATUS_CHANGED"}
    assert sorted(changes) == sorted(["VALIDATING", "VALIDATED", "IMPORTING", "IMPORTED"])
    assert len(bodies) == 5
    assert changes["VALIDATED"]["updatedAt"] <= changes["IMPORTING"]["updatedAt"]
    assert (changes["VALIDATED"]["totalRows"], changes["VALIDATED"]["autoStart"]) == \
        (5, {"minConfidence": 0.9, "policy": "SKIP_INVALID"})
    [finished] = [b["import"] for b in bodies if b["event"] == "IMPORT_FINISHED"]
    assert (finished["id"], finished["status"], finished["importedRows"]) == (import_id, "IMPORTED", 5)

"""Idempotency keys on createImport and startImport: a retry with the same key gets the first
result, a different request with the same key is refused, keys last 24 hours per organisation."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update
from starlette.testclient import TestClient

from domain.models import IdempotencyKey, utcnow
from domain.settings import Settings
from tests.helpers import CREATE_IMPORT, IMPORT_FIELDS, auth, client_csv, data_of, error_code, gql, settle
from tests.test_flow import count_clients

START = f"mutation($id: ID!, $key: String) {{ startImport(id: $id, idempotencyKey: $key) {{ {IMPORT_FIELDS} }} }}"
LIST = "query { imports(first: 50) { edges { node { id } } } }"


def create(client: TestClient, token: str, content: bytes, key: str | None, *, mode: str = "STORE",
           filename: str = "clients.csv") -> dict[str, Any]:
    """createImport with an idempotency key, as a multipart request."""
    variables = {"input": {"type": "CLIENT", "mode": mode, "file": None, "idempotencyKey": key}}
    response = client.post(
        "/graphql",
        data={"operations": json.dumps({"query": CREATE_IMPORT, "variables": variables}),
              "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": (filename, content, "text/csv")},
        headers=auth(token) | {"GraphQL-Preflight": "1"},
    )
    return response.json()


def start(client: TestClient, token: str, import_id: str, key: str | None) -> dict[str, Any]:
    return gql(client, START, {"id": import_id, "key": key}, token=token)


def import_ids(client: TestClient, token: str) -> list[str]:
    return [edge["node"]["id"] for edge in data_of(gql(client, LIST, token=token))["imports"]["edges"]]


def stored_files(settings: Settings) -> list[Path]:
    return sorted(settings.uploads_dir.glob("*")) if settings.uploads_dir.exists() else []


def test_the_same_key_and_file_twice_makes_one_import(client, token, settings):
    first = data_of(create(client, token, client_csv(3), "key-1"))["createImport"]
    again = data_of(create(client, token, client_csv(3), "key-1"))["createImport"]

    assert again["id"] == first["id"]
    assert import_ids(client, token) == [first["id"]]
    assert [path.name for path in stored_files(settings)] == [f"{first['id']}.upload"]
    assert settle(client, token, first["id"])["status"] == "VALIDATED"


def test_the_same_key_with_another_file_or_mode_is_a_conflict_and_creates_nothing(client, token, settings):
    first = data_of(create(client, token, client_csv(3), "key-1"))["createImport"]

    for result in (create(client, token, client_csv(4), "key-1"),
                   create(client, token, client_csv(3), "key-1", mode="VALIDATE"),
                   create(client, token, client_csv(3), "key-1", filename="other.csv")):
        assert error_code(result) == "IDEMPOTENCY_CONFLICT"
        error = result["errors"][0]
        assert "key-1" in error["message"] and "different createImport request" in error["message"]
        assert "remembered until" in error["message"] and error["extensions"]["expiresAt"]
        assert result["data"] is None
    assert import_ids(client, token) == [first["id"]]
    assert len(stored_files(settings)) == 1


def test_without_a_key_every_request_makes_an_import(client, token):
    first = data_of(create(client, token, client_csv(2), None))["createImport"]
    second = data_of(create(client, token, client_csv(2), None))["createImport"]
    assert first["id"] != second["id"]


def test_an_empty_or_overlong_key_is_refused(client, token, settings):
    for key in ("", "   ", "k" * 201, "nul\x00key", "new\nline"):
        result = create(client, token, client_csv(2), key)
        assert error_code(result) == "BAD_INPUT"
        assert "idempotencyKey" in result["errors"][0]["message"]
    assert import_ids(client, token) == []
    assert stored_files(settings) == []
    assert data_of(create(client, token, client_csv(2), "k" * 200))["createImport"]["id"]


def test_a_refused_request_does_not_use_up_its_key(client, token):
    refused = create(client, token, b"", "key-1")
    assert error_code(refused) == "BAD_FILE"
    assert data_of(create(client, token, client_csv(2), "key-1"))["createImport"]["id"]


def test_organisations_have_their_own_keys(client, token, other_token):
    mine = data_of(create(client, token, client_csv(2), "shared-key"))["createImport"]
    theirs = data_of(create(client, other_token, client_csv(5), "shared-key"))["createImport"]

    assert mine["id"] != theirs["id"]
    assert import_ids(client, token) == [mine["id"]]
    assert import_ids(client, other_token) == [theirs["id"]]


def test_a_key_is_forgotten_after_24_hours(client, token, db):
    first = data_of(create(client, token, client_csv(2), "key-1"))["createImport"]
    with db.write() as session:
        session.connection().execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))

    again = data_of(create(client, token, client_csv(3), "key-1"))["createImport"]

    assert again["id"] != first["id"]
    assert sorted(import_ids(client, token)) == sorted([first["id"], again["id"]])
    assert data_of(create(client, token, client_csv(3), "key-1"))["createImport"]["id"] == again["id"]


def test_a_retried_start_returns_the_import_and_imports_its_rows_once(client, token, db):
    created = data_of(create(client, token, client_csv(4), None))["createImport"]
    settle(client, token, created["id"])

    first = data_of(start(client, token, created["id"], "start-1"))["startImport"]
    again = data_of(start(client, token, created["id"], "start-1"))["startImport"]
    assert first["status"] == "IMPORTING"
    assert again["id"] == created["id"] and again["status"] in ("IMPORTING", "IMPORTED")

    assert settle(client, token, created["id"])["importedRows"] == 4
    after = data_of(start(client, token, created["id"], "start-1"))["startImport"]
    assert after["status"] == "IMPORTED" and after["importedRows"] == 4
    assert count_clients(db) == 4
    # Without the key a second start is still refused: the import has moved on.
    assert error_code(start(client, token, created["id"], None)) == "INVALID_TRANSITION"


def test_a_start_key_used_for_another_import_is_a_conflict(client, token):
    one, two = (data_of(create(client, token, client_csv(2, start=i * 10), None))["createImport"]["id"]
                for i in range(2))
    settle(client, token, one)
    settle(client, token, two)
    data_of(start(client, token, one, "start-1"))

    result = start(client, token, two, "start-1")

    assert error_code(result) == "IDEMPOTENCY_CONFLICT"
    assert "different startImport request" in result["errors"][0]["message"]
    assert settle(client, token, two)["status"] == "VALIDATED"


def test_a_start_that_failed_does_not_use_up_its_key(client, token):
    created = data_of(create(client, token, client_csv(2), None))["createImport"]
    settle(client, token, created["id"])
    data_of(start(client, token, created["id"], None))
    assert error_code(start(client, token, created["id"], "late-key")) == "INVALID_TRANSITION"
    assert error_code(start(client, token, "00000000-0000-0000-0000-000000000000", "late-key")) == "NOT_FOUND"


def test_another_organisation_cannot_replay_a_start(client, token, other_token):
    created = data_of(create(client, token, client_csv(2), None))["createImport"]
    settle(client, token, created["id"])
    data_of(start(client, token, created["id"], "start-1"))
    assert error_code(start(client, other_token, created["id"], "start-1")) == "NOT_FOUND"


def concurrently(count: int, action: Any) -> list[Any]:
    """Run `action()` in `count` threads released together; their results."""
    barrier = threading.Barrier(count, timeout=30)

    def together() -> Any:
        barrier.wait()
        return action()

    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(together) for _ in range(count)]
        return [future.result(timeout=60) for future in futures]


def test_simultaneous_creates_with_one_key_make_one_import(client, token, settings):
    results = concurrently(2, lambda: create(client, token, client_csv(3), "race-key"))

    ids = {data_of(result)["createImport"]["id"] for result in results}
    assert len(ids) == 1
    assert import_ids(client, token) == list(ids)
    assert [path.name for path in stored_files(settings)] == [f"{next(iter(ids))}.upload"]
    assert error_code(create(client, token, client_csv(1), "race-key")) == "IDEMPOTENCY_CONFLICT"


def test_simultaneous_starts_with_one_key_start_once(client, token, db):
    created = data_of(create(client, token, client_csv(4), None))["createImport"]
    settle(client, token, created["id"])

    results = concurrently(2, lambda: start(client, token, created["id"], "race-start"))

    assert [data_of(result)["startImport"]["id"] for result in results] == [created["id"]] * 2
    assert settle(client, token, created["id"])["importedRows"] == 4
    assert count_clients(db) == 4

"""Small factories and clients used by the tests: real GraphQL requests, real uploads,
real WebSocket subscriptions."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

IMPORT_FIELDS = """
  id type mode status filename sheet headers totalRows importedRows failedValidationRows
  failedImportRows rolledBackRows rollbackConflictRows progress errorMessage errorCode missingRequiredFields
  createdAt updatedAt validatedAt importedAt rolledBackAt errorReportUrl
  mapping { column field confidence }
  createdBy { id email }
"""

CREATE_IMPORT = f"""
mutation Create($input: CreateImportInput!) {{
  createImport(input: $input) {{ {IMPORT_FIELDS} }}
}}
"""

PROGRESS = f"subscription Progress($id: ID!) {{ importProgress(id: $id) {{ {IMPORT_FIELDS} }} }}"

CLIENT_HEADER = "first_name,last_name,email,phone,date_of_birth,marketing_opt_in,notes\n"


def client_csv(count: int, *, start: int = 0, header: str = CLIENT_HEADER) -> bytes:
    lines = [header]
    for i in range(start, start + count):
        lines.append(f"First{i},Last{i},person{i}@example.com,+44 20 7946 {i:04d},1990-11-05,yes,note {i}\n")
    return "".join(lines).encode()


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def gql(client: TestClient, query: str, variables: dict[str, Any] | None = None, *, token: str | None) -> dict:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=auth(token))
    assert response.status_code == 200, response.text
    return response.json()


def data_of(result: dict) -> dict:
    assert not result.get("errors"), result["errors"]
    return result["data"]


def error_code(result: dict) -> str:
    assert result.get("errors"), result
    return result["errors"][0]["extensions"]["code"]


def upload(  # noqa: PLR0913 - keyword-only: the inputs of createImport
    client: TestClient,
    content: bytes,
    *,
    token: str | None,
    filename: str = "clients.csv",
    type_: str = "CLIENT",
    mode: str = "STORE",
    mapping: list[dict] | None = None,
    preflight: bool = True,
    premier_core_mapping_id: str | None = None,
    sheet: str | None = None,
    auto_start: dict | None = None,
    idempotency_key: str | None = None,
) -> dict:
    """createImport as a multipart request (GraphQL multipart request spec); `auto_start` is
    the autoStart input ({"minConfidence": 0.9}), left out when None."""
    variables: dict[str, Any] = {"input": {"type": type_, "mode": mode, "file": None}}
    if mapping is not None:
        variables["input"]["mapping"] = mapping
    if sheet is not None:
        variables["input"]["sheet"] = sheet
    if premier_core_mapping_id is not None:
        variables["input"]["premierCoreMappingId"] = premier_core_mapping_id
    if auto_start is not None:
        variables["input"]["autoStart"] = auto_start
    if idempotency_key is not None:
        variables["input"]["idempotencyKey"] = idempotency_key
    operations = json.dumps({"query": CREATE_IMPORT, "variables": variables})
    file_map = json.dumps({"0": ["variables.input.file"]})
    headers = auth(token) | ({"GraphQL-Preflight": "1"} if preflight else {})
    response = client.post(
        "/graphql",
        data={"operations": operations, "map": file_map},
        files={"0": (filename, content, "text/csv")},
        headers=headers,
    )
    return response.json()


class Subscription:
    """A graphql-transport-ws connection with one subscription."""

    def __init__(self, client: TestClient, token: str | None, import_id: str, *, query: str = PROGRESS) -> None:
        self._context = client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"])
        self.ws = self._context.__enter__()
        self.ws.send_json({"type": "connection_init", "payload": auth(token)})
        ack = self.ws.receive_json()
        assert ack["type"] == "connection_ack", ack
        self.ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"id": import_id}}})

    def messages(self, limit: int = 10_000) -> list[dict]:
        """Every message until `complete` or `error` (bounded)."""
        received = []
        for _ in range(limit):
            message = self.ws.receive_json()
            received.append(message)
            if message["type"] in ("complete", "error"):
                return received
        raise AssertionError(f"no completion after {limit} messages")

    def close(self) -> None:
        self._context.__exit__(None, None, None)


def watch(client: TestClient, token: str, import_id: str) -> list[dict]:
    """The states the subscription sent until the import settled."""
    subscription = Subscription(client, token, import_id)
    try:
        messages = subscription.messages()
    finally:
        subscription.close()
    assert messages[-1]["type"] == "complete", messages[-1]
    return [m["payload"]["data"]["importProgress"] for m in messages if m["type"] == "next"]


def settle(client: TestClient, token: str, import_id: str) -> dict:
    """Wait (through the subscription) until the import settles; its last state."""
    return watch(client, token, import_id)[-1]


def start(client: TestClient, token: str, import_id: str) -> dict:
    return gql(client, f"mutation($id: ID!) {{ startImport(id: $id) {{ {IMPORT_FIELDS} }} }}", {"id": import_id}, token=token)


def rollback(client: TestClient, token: str, import_id: str) -> dict:
    return gql(client, f"mutation($id: ID!) {{ rollbackImport(id: $id) {{ {IMPORT_FIELDS} }} }}", {"id": import_id}, token=token)

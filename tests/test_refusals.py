"""Every refusal a user can meet: its code, its message, and nothing changed or left behind."""

from __future__ import annotations

import json

import pytest
import strawberry
from starlette.testclient import TestClient

from graph.errors import ErrorCodes
from tests.helpers import IMPORT_FIELDS, PROGRESS, auth, client_csv, data_of, error_code, gql, settle, upload

LIST = "{ imports(first: 10) { edges { node { id } } } }"


def import_count(client: TestClient, token: str) -> int:
    return len(data_of(gql(client, LIST, token=token))["imports"]["edges"])


def stored_files(settings) -> list:
    folder = settings.data_dir / "uploads"
    return list(folder.iterdir()) if folder.exists() else []


def operations_on(import_id: str) -> dict[str, tuple[str, dict]]:
    variables = {"id": import_id}
    mapping = {"id": import_id, "m": [{"column": "email", "field": "email"}]}
    return {
        "import": ("query($id: ID!) { import(id: $id) { id } }", variables),
        "errors": ("query($id: ID!) { import(id: $id) { errors { edges { cursor } } } }", variables),
        "startImport": ("mutation($id: ID!) { startImport(id: $id) { id } }", variables),
        "rollbackImport": ("mutation($id: ID!) { rollbackImport(id: $id) { id } }", variables),
        "updateImportMapping": (
            "mutation($id: ID!, $m: [MappingInput!]!) { updateImportMapping(id: $id, mapping: $m) { id } }", mapping),
    }


@pytest.fixture
def validated_import(client, token) -> dict:
    created = data_of(upload(client, client_csv(3), token=token))["createImport"]
    return settle(client, token, created["id"])


@pytest.mark.parametrize("authorization", [None, "Bearer imp_not-a-real-token", "Basic abc", "Bearer "])
def test_every_operation_without_a_valid_token_is_unauthenticated(client, validated_import, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for name, (query, variables) in operations_on(validated_import["id"]).items():
        result = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers).json()
        assert error_code(result) == "UNAUTHENTICATED", name
        assert "token" in result["errors"][0]["message"]
    for query in (LIST, "{ importTypes { type } }"):
        result = client.post("/graphql", json={"query": query}, headers=headers).json()
        assert error_code(result) == "UNAUTHENTICATED"


def test_an_upload_without_a_token_is_unauthenticated_and_stores_nothing(client, settings):
    assert error_code(upload(client, client_csv(1), token=None)) == "UNAUTHENTICATED"
    assert stored_files(settings) == []


def test_another_organisations_import_is_not_found_and_unchanged(client, token, other_token, validated_import):
    import_id = validated_import["id"]
    for name, (query, variables) in operations_on(import_id).items():
        result = gql(client, query, variables, token=other_token)
        assert error_code(result) == "NOT_FOUND", name
        assert import_id in result["errors"][0]["message"]
    looked_up = gql(client, "query($id: ID!) { import(id: $id) { id } }", {"id": import_id}, token=other_token)
    assert looked_up["data"] == {"import": None}
    assert import_count(client, other_token) == 0
    after = data_of(gql(client, f"query($id: ID!) {{ import(id: $id) {{ {IMPORT_FIELDS} }} }}", {"id": import_id}, token=token))
    assert after["import"]["status"] == "VALIDATED"
    assert after["import"]["updatedAt"] == validated_import["updatedAt"]


def test_an_unknown_or_malformed_id_is_not_found(client, token):
    for value in ("00000000-0000-0000-0000-000000000000", "not-an-id"):
        result = gql(client, "query($id: ID!) { import(id: $id) { id } }", {"id": value}, token=token)
        assert error_code(result) == "NOT_FOUND"


def test_the_error_report_needs_a_token_of_the_same_organisation(client, token, other_token, validated_import):
    url = validated_import["errorReportUrl"]
    assert client.get(url).status_code == 401
    assert client.get(url).json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert client.get(url, headers=auth(other_token)).status_code == 404
    assert client.get(url, headers=auth(token)).status_code == 200


def subscribe(client: TestClient, token: str | None, import_id: str) -> list[dict]:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"} if token else {}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": PROGRESS, "variables": {"id": import_id}}})
        messages = []
        for _ in range(100):
            messages.append(ws.receive_json())
            if messages[-1]["type"] in ("complete", "error"):
                return messages
    raise AssertionError(messages)


def test_the_subscription_refuses_no_token_and_other_organisations(client, token, other_token, validated_import):
    for who, code in ((None, "UNAUTHENTICATED"), (other_token, "NOT_FOUND")):
        messages = subscribe(client, who, validated_import["id"])
        errors = [m for m in messages if m["type"] == "next" and m["payload"].get("errors")]
        errors += [{"payload": {"errors": m["payload"]}} for m in messages if m["type"] == "error"]
        assert errors, messages
        assert errors[0]["payload"]["errors"][0]["extensions"]["code"] == code
        assert not any(m["type"] == "next" and (m["payload"].get("data") or {}).get("importProgress") for m in messages)
    ok = subscribe(client, token, validated_import["id"])
    assert ok[0]["payload"]["data"]["importProgress"]["status"] == "VALIDATED"


def test_a_multipart_request_without_a_preflight_header_is_refused(client, token, settings):
    response_json = upload(client, client_csv(2), token=token, preflight=False)
    assert response_json["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "GraphQL-Preflight" in response_json["errors"][0]["message"]
    assert import_count(client, token) == 0
    assert stored_files(settings) == []


def test_a_json_value_in_place_of_the_upload_is_bad_input(client, token):
    query = "mutation($input: CreateImportInput!) { createImport(input: $input) { id } }"
    result = client.post("/graphql", json={"query": query, "variables": {"input": {"type": "CLIENT", "file": "abc"}}},
                         headers=auth(token)).json()
    assert error_code(result) == "BAD_INPUT"
    assert "multipart" in result["errors"][0]["message"]
    assert import_count(client, token) == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"first_name,last_name,email\n", "no data rows"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG"),
        (b"PK\x03\x04" + bytes(200), "ZIP"),
        (b"first_name,email,email\nA,a@x.com,b@x.com\n", "repeats"),
    ],
    ids=["empty", "header-only", "png", "zip", "duplicate-headers"],
)
def test_an_unreadable_file_is_bad_file_and_leaves_nothing_behind(client, token, settings, content, expected):
    result = upload(client, content, token=token)
    assert error_code(result) == "BAD_FILE"
    assert expected in result["errors"][0]["message"]
    assert result["data"] is None
    assert import_count(client, token) == 0
    assert stored_files(settings) == []


def test_an_unavailable_type_or_a_bad_mapping_is_bad_input(client, token, settings):
    assert error_code(upload(client, client_csv(1), token=token, type_="PREMIER_CORE")) == "BAD_INPUT"
    mapping_id = upload(client, client_csv(1), token=token, premier_core_mapping_id="64a9f3b2c3d8e1f4a5b6c7d8")
    assert error_code(mapping_id) == "BAD_INPUT"
    assert "only for PREMIER_CORE" in mapping_id["errors"][0]["message"]
    result = upload(client, client_csv(1), token=token, mapping=[{"column": "nope", "field": "email"},
                                                                  {"column": "email", "field": "shoe_size"}])
    assert error_code(result) == "BAD_INPUT"
    assert "no column 'nope'" in result["errors"][0]["message"]
    assert "no field 'shoe_size'" in result["errors"][0]["message"]
    assert import_count(client, token) == 0
    assert stored_files(settings) == []


def test_a_page_size_over_the_limit_is_refused_and_a_bad_cursor_is_bad_input(client, token):
    assert error_code(gql(client, "{ imports(first: 501) { edges { cursor } } }", token=token)) == "PAGE_TOO_LARGE"
    assert error_code(gql(client, '{ imports(first: 5, after: "garbage") { edges { cursor } } }', token=token)) == "BAD_INPUT"


def test_an_unexpected_error_is_masked_with_an_id_that_is_logged(caplog):
    @strawberry.type
    class Query:
        @strawberry.field
        def broken(self) -> str:
            raise RuntimeError("SELECT secret FROM internals")

    schema = strawberry.Schema(query=Query, extensions=[ErrorCodes])
    result = schema.execute_sync("{ broken }")
    error = result.errors[0].formatted
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["errorId"] in error["message"]
    assert "SELECT" not in json.dumps(error)
    assert error["extensions"]["errorId"] in caplog.text
    assert "SELECT secret FROM internals" in caplog.text


def test_a_viewer_may_read_but_not_create_start_or_roll_back(client, db, token, validated_import):
    from domain.accounts.auth import issue_token

    viewer = issue_token(db, organisation="Spa One", email="reader@spa-one.test", role="viewer").token
    result = upload(client, client_csv(1), token=viewer)
    assert error_code(result) == "FORBIDDEN"
    for name in ("startImport", "rollbackImport", "updateImportMapping"):
        query, variables = operations_on(validated_import["id"])[name]
        assert error_code(gql(client, query, variables, token=viewer)) == "FORBIDDEN", name
    seen = data_of(gql(client, "query($id: ID!) { import(id: $id) { status } }", {"id": validated_import["id"]}, token=viewer))
    assert seen["import"]["status"] == "VALIDATED"


def test_a_subscription_over_plain_http_is_refused_with_the_way_to_subscribe(client, token, validated_import):
    query = f'subscription {{ importProgress(id: "{validated_import["id"]}") {{ status }} }}'
    response = client.post("/graphql", json={"query": query}, headers=auth(token))
    assert response.status_code == 400
    assert "WebSocket" in response.json()["errors"][0]["message"]


def test_a_browser_opening_a_shared_graphiql_link_gets_graphiql(client):
    response = client.get("/graphql", params={"query": "{ importTypes { type } }"}, headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()

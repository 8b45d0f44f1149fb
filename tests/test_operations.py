"""Operations settings: reading them, CORS and WebSocket origins, introspection and GraphiQL
switches. Logs and metrics: tests/test_observability.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from domain.accounts.auth import issue_token
from domain.settings import Settings
from graph.app import create_app
from graph.cli import main
from tests.helpers import auth, data_of, error_code, gql

APP_ORIGIN = "https://app.example"
OTHER_ORIGIN = "https://evil.example"
INTROSPECTION = "{ __schema { queryType { name } } }"


@contextmanager
def client_with(settings: Settings, **changes: object) -> Iterator[TestClient]:
    with TestClient(create_app(settings.with_changes(**changes))) as client:
        yield client


def token_for(client: TestClient) -> str:
    return issue_token(client.app.state.services.db, organisation="Spa One", email="owner@spa-one.test").token


def preflight(client: TestClient, origin: str) -> httpx.Response:
    return client.options("/graphql", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})


# settings


def test_operations_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env({
        "IMPORTER_CORS_ORIGINS": "https://app.example, https://admin.example", "IMPORTER_INTROSPECTION": "false",
        "IMPORTER_GRAPHIQL": "0", "IMPORTER_LOG_FORMAT": "JSON", "IMPORTER_METRICS_ALLOW": "10.0.0.0/8",
        "IMPORTER_METRICS_TOKEN": "t0ken", "IMPORTER_WORKER_METRICS_PORT": "9191"})
    assert settings.cors_origins == ("https://app.example", "https://admin.example")
    assert (settings.introspection, settings.graphiql, settings.log_format) == (False, False, "json")
    assert (settings.metrics_allow, settings.metrics_token, settings.worker_metrics_port) == (
        ("10.0.0.0/8",), "t0ken", 9191)
    defaults = Settings.from_env({})
    assert defaults.cors_origins == () and defaults.introspection and defaults.graphiql
    assert defaults.metrics_allow == ("127.0.0.1/32", "::1/128") and defaults.worker_metrics_port == 0


@pytest.mark.parametrize(("variable", "value"), [
    ("IMPORTER_LOG_FORMAT", "xml"), ("IMPORTER_INTROSPECTION", "maybe"),
    ("IMPORTER_METRICS_ALLOW", "intranet"), ("IMPORTER_WORKER_METRICS_PORT", "91x"),
])
def test_a_bad_operations_setting_stops_the_command_naming_it(variable: str, value: str,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv(variable, value)
    assert main(["token", "list"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("importer: ") and variable in error and "Traceback" not in error


# CORS


def test_by_default_no_other_origin_may_read_an_answer(client: TestClient, token: str) -> None:
    answer = client.post("/graphql", json={"query": "{ importTypes { type } }"},
                         headers=auth(token) | {"Origin": APP_ORIGIN})
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers
    assert "access-control-allow-origin" not in preflight(client, APP_ORIGIN).headers


def test_a_configured_origin_passes_the_preflight_and_reads_answers(settings: Settings) -> None:
    with client_with(settings, cors_origins=(APP_ORIGIN,)) as client:
        token = token_for(client)
        allowed = preflight(client, APP_ORIGIN)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == APP_ORIGIN
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        answer = client.post("/graphql", json={"query": "{ importTypes { type } }"},
                             headers=auth(token) | {"Origin": APP_ORIGIN})
        assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
        assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()
        refused = preflight(client, OTHER_ORIGIN)
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers


# WebSocket origins


def subscribe_from(client: TestClient, token: str, origin: str | None) -> dict:
    """The first message after connection_init, from a page on `origin` (None: not a browser)."""
    headers = {"origin": origin} if origin else {}
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"], headers=headers) as ws:
        ws.send_json({"type": "connection_init", "payload": auth(token)})
        return ws.receive_json()


def test_a_websocket_from_another_origin_is_closed_with_the_reason(client: TestClient, token: str) -> None:
    with pytest.raises(WebSocketDisconnect) as closed:
        subscribe_from(client, token, OTHER_ORIGIN)
    assert closed.value.code == 4403
    assert OTHER_ORIGIN in closed.value.reason and "IMPORTER_CORS_ORIGINS" in closed.value.reason
    assert subscribe_from(client, token, None)["type"] == "connection_ack"
    assert subscribe_from(client, token, "http://testserver")["type"] == "connection_ack"


def test_a_websocket_from_a_configured_origin_is_accepted(settings: Settings) -> None:
    with client_with(settings, cors_origins=(APP_ORIGIN,)) as client:
        token = token_for(client)
        assert subscribe_from(client, token, APP_ORIGIN)["type"] == "connection_ack"
        with pytest.raises(WebSocketDisconnect):
            subscribe_from(client, token, OTHER_ORIGIN)


# introspection and GraphiQL


def test_introspection_is_on_by_default(client: TestClient, token: str) -> None:
    assert data_of(gql(client, INTROSPECTION, token=token))["__schema"]["queryType"]["name"] == "Query"


def test_introspection_can_be_switched_off(settings: Settings) -> None:
    with client_with(settings, introspection=False) as client:
        token = token_for(client)
        refused = gql(client, INTROSPECTION, token=token)
        assert error_code(refused) == "GRAPHQL_VALIDATION_FAILED"
        assert "introspection" in refused["errors"][0]["message"].lower()
        assert data_of(gql(client, "{ __typename importTypes { type } }", token=token))["__typename"] == "Query"


def test_graphiql_is_served_by_default(client: TestClient) -> None:
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert client.get("/graphiql-assets/graphiql-3.8.3.min.js").status_code == 200


def test_graphiql_can_be_switched_off(settings: Settings) -> None:
    with client_with(settings, graphiql=False) as client:
        page = client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 400  # a GET without a query, answered as to any client
        assert "<html" not in page.text.lower()
        assert page.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        assert client.get("/graphiql-assets/graphiql-3.8.3.min.js").status_code == 404
        token = token_for(client)
        assert data_of(gql(client, "{ importTypes { type } }", token=token))

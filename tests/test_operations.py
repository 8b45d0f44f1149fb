"""Operations: CORS and WebSocket origins, introspection and GraphiQL switches, request ids and
structured logs without cell values, Prometheus metrics at /metrics."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from domain.auth import issue_token
from domain.db import Database
from domain.logs import log_handler
from domain.models import Import
from domain.settings import Settings
from graph.app import create_app
from graph.cli import main
from tests.helpers import CREATE_IMPORT, auth, data_of, error_code, gql, rollback, settle, start, upload
from tests.processes import ChildProcess, WorkerGroup, free_port, redis_production, wait_for

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


# request ids and logs


def test_every_answer_carries_a_request_id(client: TestClient) -> None:
    new = client.get("/health").headers["x-request-id"]
    assert len(new) == 32 and new != client.get("/health").headers["x-request-id"]
    assert client.get("/health", headers={"X-Request-ID": "lb-7f3a.1"}).headers["x-request-id"] == "lb-7f3a.1"
    forged = client.get("/health", headers={"X-Request-ID": "a b;" + "x" * 80}).headers["x-request-id"]
    assert len(forged) == 32 and " " not in forged


@contextmanager
def json_logs() -> Iterator[io.StringIO]:
    """Every log line written meanwhile, as the JSON handler writes them."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


SECRET_CELLS = ("ZEBRA-note-7731", "QUOKKA-7731@")


def test_logs_carry_the_ids_and_never_a_cell_value(client: TestClient, token: str, db: Database) -> None:
    content = (b"first_name,last_name,email,notes\n"
               b"Ada,Lovelace,ada@example.com,ZEBRA-note-7731\n"
               b"Bob,Stone,QUOKKA-7731@,plain\n")
    with json_logs() as stream:
        operations = json.dumps({"query": CREATE_IMPORT,
                                 "variables": {"input": {"type": "CLIENT", "mode": "STORE", "file": None}}})
        answer = client.post("/graphql", data={"operations": operations, "map": '{"0": ["variables.input.file"]}'},
                             files={"0": ("clients.csv", content, "text/csv")},
                             headers=auth(token) | {"GraphQL-Preflight": "1", "X-Request-ID": "upload-7731"})
        import_id = data_of(answer.json())["createImport"]["id"]
        settle(client, token, import_id)
        data_of(start(client, token, import_id))
        settle(client, token, import_id)
        report = client.get(f"/imports/{import_id}/error-report.csv", headers=auth(token))
        assert "QUOKKA-7731@" in report.text  # the person who uploaded it sees it; the log must not
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    with db.read() as session:
        organisation_id = str(session.get(Import, uuid.UUID(import_id)).organisation_id)
    upload_lines = [line for line in lines if line.get("request_id") == "upload-7731"]
    assert upload_lines, lines
    assert upload_lines[-1]["path"] == "/graphql" and upload_lines[-1]["status"] == 200
    assert upload_lines[-1]["organisation_id"] == organisation_id
    assert upload_lines[-1]["import_id"] == import_id
    assert any(line.get("path", "").startswith(f"/imports/{import_id}/") for line in lines)
    for secret in SECRET_CELLS:
        assert secret not in stream.getvalue()


# metrics


def scrape(client: TestClient, **headers: str) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    return samples(answer.text)


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_metrics_are_refused_outside_the_allowed_networks_without_the_token(settings: Settings) -> None:
    with client_with(settings, metrics_token="scrape-secret") as client:  # the test client is no IP address
        refused = client.get("/metrics")
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "IMPORTER_METRICS_ALLOW" in refused.json()["errors"][0]["message"]
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


def test_metrics_count_requests_imports_rows_and_the_queue_after_a_flow(settings: Settings) -> None:
    with client_with(settings, metrics_token="scrape-secret") as client:
        token = token_for(client)
        content = b"first_name,last_name,email\n" + b"".join(
            f"P{i},Q{i},p{i}@example.com\n".encode() for i in range(4)) + b"Bad,Row,not-an-email\n"
        import_id = data_of(upload(client, content, token=token))["createImport"]["id"]
        settle(client, token, import_id)
        data_of(start(client, token, import_id))
        assert settle(client, token, import_id)["status"] == "IMPORTED"
        assert client.get(f"/imports/{import_id}/error-report.csv", headers=auth(token)).status_code == 200
        assert client.get("/no-such-page").status_code == 404
        seen = scrape(client, Authorization="Bearer scrape-secret")
        assert seen[("importer_http_requests_total",
                     (("method", "POST"), ("route", "/graphql"), ("status", "200")))] == 2
        assert seen[("importer_http_requests_total", (("method", "GET"), ("route",
                     "/imports/{import_id}/error-report.csv"), ("status", "200")))] == 1
        assert seen[("importer_http_requests_total",
                     (("method", "GET"), ("route", "unmatched"), ("status", "404")))] == 1
        assert seen[("importer_imports", (("status", "IMPORTED"),))] == 1
        rows = {labels[0][1]: value for (name, labels), value in seen.items() if name == "importer_rows_total"}
        assert rows == {"total": 5, "failed_validation": 1, "imported": 4, "failed_import": 0, "rolled_back": 0}
        assert seen[("importer_queue_messages", (("queue", "importer-imports"),))] == 0

        data_of(rollback(client, token, import_id))
        assert settle(client, token, import_id)["status"] == "ROLLED_BACK"
        seen = scrape(client, Authorization="Bearer scrape-secret")
        assert seen[("importer_imports", (("status", "ROLLED_BACK"),))] == 1
        assert ("importer_imports", (("status", "IMPORTED"),)) not in seen
        assert seen[("importer_rows_total", (("outcome", "rolled_back"),))] == 4


# a real server: JSON logs on its output, /metrics open to loopback


def serve(data_dir: Path, log: Path, **environment: str) -> ChildProcess:
    port = free_port()
    env = os.environ | {"IMPORTER_DATA_DIR": str(data_dir), "DATABASE_URL": "", "BROKER_URL": ""} | environment
    server = ChildProcess([str(Path(sys.executable).parent / "importer"), "serve", "--host", "127.0.0.1",
                           "--port", str(port)], log=log, env=env)
    server.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    return server


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_real_server_writes_json_lines_and_serves_metrics_to_loopback(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = Database(Settings(data_dir=data_dir).effective_database_url)
    db.migrate()
    token = issue_token(db, organisation="Spa One", email="owner@spa-one.test").token  # no first-start banner
    db.dispose()
    server = serve(data_dir, tmp_path / "serve.log", IMPORTER_LOG_FORMAT="json")
    server.start()
    try:
        wait_for(lambda: answers(server.url), bool, timeout=60, every=0.1,
                 what=lambda: f"importer serve to answer:\n{server.output_tail()}")
        answer = httpx.post(f"{server.url}/graphql", json={"query": "{ importTypes { type } }"},
                            headers=auth(token) | {"X-Request-ID": "real-server-1"}, timeout=10)
        assert answer.headers["x-request-id"] == "real-server-1"
        metrics = httpx.get(f"{server.url}/metrics", timeout=10)
        assert metrics.status_code == 200
        assert samples(metrics.text)[("importer_http_requests_total",
                                      (("method", "POST"), ("route", "/graphql"), ("status", "200")))] == 1
    finally:
        server.terminate()
    lines = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines() if line.strip()]
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    access = [line for line in lines if line.get("request_id") == "real-server-1"]
    assert access and access[-1]["status"] == 200 and access[-1]["organisation_id"]


@pytest.mark.redis
@pytest.mark.postgres
def test_importer_worker_serves_dramatiqs_metrics_and_the_server_the_redis_queue_depth(tmp_path: Path) -> None:
    with redis_production(tmp_path, chunk_size=5) as settings:
        port = free_port()
        with workers_with_metrics(settings, port, tmp_path / "prometheus") as group:
            with client_with(settings, metrics_token="scrape-secret") as client:
                token = token_for(client)
                content = b"first_name,last_name,email\n" + b"".join(
                    f"P{i},Q{i},p{i}@example.com\n".encode() for i in range(12))
                import_id = data_of(upload(client, content, token=token))["createImport"]["id"]
                settle(client, token, import_id)
                data_of(start(client, token, import_id))
                assert settle(client, token, import_id)["status"] == "IMPORTED"
                seen = scrape(client, Authorization="Bearer scrape-secret")
                assert seen[("importer_queue_messages", (("queue", f"{settings.queue_prefix}-imports"),))] == 0
                assert seen[("importer_rows_total", (("outcome", "imported"),))] == 12
            worker = wait_for(lambda: _worker_samples(port), lambda found: _processed(found, "chunk") >= 1,
                              timeout=30, every=0.2, what=lambda: f"Dramatiq's exporter:\n{group.output_tail()}")
            assert _processed(worker, "validate_import") == 1


@contextmanager
def workers_with_metrics(settings: Settings, port: int, database: Path) -> Iterator[WorkerGroup]:
    group = WorkerGroup(settings, log=database.parent / "worker.log")
    group.env |= {"IMPORTER_WORKER_METRICS_PORT": str(port), "dramatiq_prom_db": str(database)}
    group.start()
    try:
        yield group
    finally:
        group.stop()


def _worker_samples(port: int) -> dict[tuple[str, tuple], float]:
    try:
        return samples(httpx.get(f"http://127.0.0.1:{port}/", timeout=2).text)
    except httpx.HTTPError:
        return {}


def _processed(found: dict[tuple[str, tuple], float], actor: str) -> float:
    """Messages processed by the actors whose name contains `actor`."""
    return sum(value for (name, labels), value in found.items()
               if name == "dramatiq_messages_total" and actor in dict(labels)["actor_name"])

"""Observability: request ids, structured logs that carry the request, organisation and
import ids and never a cell value, Prometheus metrics at /metrics and Dramatiq's own for
importer worker processes."""

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

import dramatiq
import httpx2 as httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.db import Database
from domain.logs import log_handler
from domain.models import Import
from domain.settings import Settings
from tests.helpers import CREATE_IMPORT, auth, data_of, rollback, settle, start, upload
from tests.processes import ChildProcess, WorkerGroup, free_port, redis_production, wait_for
from tests.test_operations import client_with, token_for
from workers.broker import build_broker


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
    worker_lines = [line for line in lines if line["logger"] == "importer.worker"]
    assert {line["actor"] for line in worker_lines} >= {"validate_import"}
    assert all(line["import_id"] == import_id for line in worker_lines), worker_lines
    for secret in SECRET_CELLS:
        assert secret not in stream.getvalue()


def test_lines_logged_while_a_worker_processes_a_message_carry_its_import_id() -> None:
    broker = build_broker(Settings())
    actor_log = logging.getLogger("importer.test-actor")

    def note_something(import_id: str, first_row: int) -> None:
        actor_log.info("working on rows from %d", first_row)

    dramatiq.actor(note_something, broker=broker, queue_name="log-ids")
    worker = dramatiq.Worker(broker, queues={"log-ids"}, worker_threads=1, worker_timeout=100)
    with json_logs() as stream:
        worker.start()
        try:
            broker.enqueue(dramatiq.Message(queue_name="log-ids", actor_name="note_something",
                                            args=("4d9c1a52-0000-4000-8000-000000000001", 7), kwargs={}, options={}))
            broker.join("log-ids", timeout=10_000)
            worker.join()
        finally:
            worker.stop()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    working = [line for line in lines if line["logger"] == "importer.test-actor"]
    assert [line["message"] for line in working] == ["working on rows from 7"]
    assert working[0]["import_id"] == "4d9c1a52-0000-4000-8000-000000000001"
    done = [line for line in lines if line["logger"] == "importer.worker"]
    assert done[0]["message"].startswith("note_something done in ") and done[0]["actor"] == "note_something"
    assert done[0]["import_id"] == "4d9c1a52-0000-4000-8000-000000000001"


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
        queue = ("importer_queue_messages", (("queue", f"{settings.queue_prefix}-imports"),))
        port = free_port()
        with client_with(settings, metrics_token="scrape-secret") as client:
            token = token_for(client)
            content = b"first_name,last_name,email\n" + b"".join(
                f"P{i},Q{i},p{i}@example.com\n".encode() for i in range(12))
            import_id = data_of(upload(client, content, token=token))["createImport"]["id"]
            assert scrape(client, Authorization="Bearer scrape-secret")[queue] == 1  # no worker yet
            with workers_with_metrics(settings, port, tmp_path / "prometheus") as group:
                settle(client, token, import_id)
                data_of(start(client, token, import_id))
                assert settle(client, token, import_id)["status"] == "IMPORTED"
                # The last message is acknowledged just after its transaction commits.
                wait_for(lambda: scrape(client, Authorization="Bearer scrape-secret"), lambda seen: seen[queue] == 0,
                         timeout=30, every=0.1, what="the queue to empty")
                assert scrape(client, Authorization="Bearer scrape-secret")[
                    ("importer_rows_total", (("outcome", "imported"),))] == 12
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

"""Webhooks: a receiver on 127.0.0.1 (allowed by IMPORTER_WEBHOOK_ALLOW_PRIVATE's setting)
hears an import's status changes, signed; a failing receiver is retried and each attempt is
in the delivery log; an unreachable one never holds up the import. Managing webhooks is for
admins of the organisation only, and private addresses are refused unless allowed."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.settings import Settings, SettingsError
from graph.app import create_app
from tests.helpers import client_csv, data_of, error_code, gql, settle, start, upload
from tests.services import migrated, postgres_database
from tests.test_worker_processes import ROOT, production  # noqa: F401 (a fixture)

SECRET = "a-secret-of-the-receiver"
WAIT_SECONDS = 60  # an upper bound only: every wait ends as soon as the requests came
CREATE = """mutation($url: String!, $events: [WebhookEvent!]!, $secret: String!) {
  createWebhook(url: $url, events: $events, secret: $secret) { id url events createdAt } }"""
LIST = """{ webhooks { id url events deliveries(first: 20) { event importId statusCode error attempt createdAt } } }"""
DELETE = "mutation($id: ID!) { deleteWebhook(id: $id) }"


@dataclass
class Received:
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    """An HTTP server in a thread that answers each POST with the next of `answers` (then 200);
    "hang" answers nothing until the test ends."""

    answers: list[int | str] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def wait_for(self, count: int) -> list[Received]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.requests) >= count, timeout=WAIT_SECONDS), self.requests
            return list(self.requests)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                with receiver.changed:
                    answer = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.requests.append(Received(dict(self.headers), body))
                    receiver.changed.notify_all()
                if answer == "hang":
                    receiver.release.wait(WAIT_SECONDS)
                    return
                self.send_response(int(answer))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), found.handler())
    server.daemon_threads = True
    found.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    base = Settings(data_dir=tmp_path / "data", chunk_size=3, worker_threads=2, max_upload_bytes=1_000_000,
                    webhook_allow_private=True, webhook_timeout_seconds=1)
    if request.param == "sqlite":
        yield base
        return
    with postgres_database() as url:
        yield migrated(base.with_changes(database_url=url))


def create(client: TestClient, token: str, url: str, events: list[str] | None = None) -> dict:
    return gql(client, CREATE, {"url": url, "events": events or ["IMPORT_STATUS_CHANGED"], "secret": SECRET},
               token=token)


def imported(client: TestClient, token: str) -> str:
    """An import of 5 clients through the API, to IMPORTED; its id."""
    import_id = data_of(upload(client, client_csv(5), token=token))["createImport"]["id"]
    assert settle(client, token, import_id)["status"] == "VALIDATED"
    data_of(start(client, token, import_id))
    assert settle(client, token, import_id)["status"] == "IMPORTED"
    return import_id


def delivered(client: TestClient) -> None:
    """Wait until the embedded worker has processed every message, deliveries and their retries
    included (bounded)."""
    runtime = client.app.state.runtime
    runtime.broker.join(runtime.queue.queue_name, timeout=WAIT_SECONDS * 1000, fail_fast=False)


def verified(request: Received) -> dict:
    """The body, after checking its signature as the README tells a receiver to."""
    timestamp = request.headers["X-Importer-Timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.{request.body}".encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Importer-Signature"], f"sha256={expected}")
    return json.loads(request.body)


def test_an_import_sends_each_status_change_signed(client, token, receiver):
    webhook = data_of(create(client, token, receiver.url, ["IMPORT_STATUS_CHANGED", "IMPORT_FINISHED"]))
    assert webhook["createWebhook"]["url"] == receiver.url
    assert "secret" not in webhook["createWebhook"]
    import_id = imported(client, token)
    delivered(client)

    bodies = [verified(request) for request in receiver.requests]
    changes = sorted((b["import"]["updatedAt"], b["import"]["status"]) for b in bodies
                     if b["event"] == "IMPORT_STATUS_CHANGED")
    assert [status for _, status in changes] == ["VALIDATING", "VALIDATED", "IMPORTING", "IMPORTED"]
    validated = next(b["import"] for b in bodies if b["import"]["status"] == "VALIDATED")
    assert (validated["type"], validated["mode"], validated["totalRows"], validated["progress"]) == ("CLIENT", "STORE", 5, 100)
    finished = [b for b in bodies if b["event"] == "IMPORT_FINISHED"]
    assert [b["import"]["status"] for b in finished] == ["IMPORTED"]
    assert finished[0]["import"]["id"] == import_id
    assert finished[0]["import"]["importedRows"] == 5
    assert {r.headers["X-Importer-Event"] for r in receiver.requests} == {"IMPORT_STATUS_CHANGED", "IMPORT_FINISHED"}

    deliveries = data_of(gql(client, LIST, token=token))["webhooks"][0]["deliveries"]
    assert len(deliveries) == 5
    assert {(d["statusCode"], d["attempt"], d["importId"]) for d in deliveries} == {(200, 1, import_id)}


def test_a_rollback_is_heard_too(client, token, receiver):
    data_of(create(client, token, receiver.url, ["IMPORT_FINISHED"]))
    import_id = imported(client, token)
    receiver.wait_for(1)
    data_of(gql(client, "mutation($id: ID!) { rollbackImport(id: $id) { id } }", {"id": import_id}, token=token))
    assert settle(client, token, import_id)["status"] == "ROLLED_BACK"
    delivered(client)
    rolled_back = verified(receiver.requests[1])["import"]
    assert (rolled_back["status"], rolled_back["rolledBackRows"]) == ("ROLLED_BACK", 5)


def test_a_receiver_that_fails_is_tried_again_and_the_log_shows_each_attempt(client, token, receiver):
    receiver.answers = [500]
    data_of(create(client, token, receiver.url, ["IMPORT_FINISHED"]))
    imported(client, token)
    delivered(client)

    first, second = receiver.requests
    assert first.body == second.body
    assert verified(second)["import"]["status"] == "IMPORTED"
    deliveries = sorted(data_of(gql(client, LIST, token=token))["webhooks"][0]["deliveries"],
                        key=lambda d: d["attempt"])
    assert [(d["attempt"], d["statusCode"]) for d in deliveries] == [(1, 500), (2, 200)]


def test_a_receiver_that_refuses_is_not_tried_again(client, token, receiver):
    receiver.answers = [410]
    data_of(create(client, token, receiver.url, ["IMPORT_FINISHED"]))
    imported(client, token)
    delivered(client)
    assert len(receiver.requests) == 1
    deliveries = data_of(gql(client, LIST, token=token))["webhooks"][0]["deliveries"]
    assert [(d["attempt"], d["statusCode"], d["error"]) for d in deliveries] == [(1, 410, None)]


def test_the_import_finishes_when_the_receiver_never_answers(client, token, receiver):
    receiver.answers = ["hang"] * 100
    data_of(create(client, token, receiver.url))
    import_id = imported(client, token)
    assert receiver.wait_for(1)
    result = data_of(gql(client, "query($id: ID!) { import(id: $id) { status importedRows } }", {"id": import_id},
                         token=token))
    assert result["import"] == {"status": "IMPORTED", "importedRows": 5}


def test_private_addresses_are_refused_unless_allowed(tmp_path, receiver):
    with TestClient(create_app(Settings(data_dir=tmp_path / "strict"))) as strict:
        db = strict.app.state.services.db
        admin = issue_token(db, organisation="Spa One", email="owner@spa-one.test").token
        for url in (receiver.url, "http://localhost:9/x", "http://169.254.169.254/latest", "http://10.1.2.3/",
                    "http://[::1]:8080/"):
            result = create(strict, admin, url)
            assert error_code(result) == "BAD_INPUT", url
            assert "IMPORTER_WEBHOOK_ALLOW_PRIVATE" in result["errors"][0]["message"]
        for url in ("ftp://example.com/x", "not a url", "https:///nohost", "https://user:pw@93.184.215.14/",
                    "https://93.184.215.14:99999/", "https://93.184.215.14/a b"):
            assert error_code(create(strict, admin, url)) == "BAD_INPUT", url
        assert data_of(gql(strict, LIST, token=admin))["webhooks"] == []
        # A public address literal: nothing is sent to it, no import runs here.
        public = data_of(create(strict, admin, "https://93.184.215.14/hooks"))["createWebhook"]
        assert public["url"] == "https://93.184.215.14/hooks"


def test_bad_secrets_and_no_events_are_refused(client, token, receiver):
    assert error_code(gql(client, CREATE, {"url": receiver.url, "events": [], "secret": SECRET},
                          token=token)) == "BAD_INPUT"
    assert error_code(gql(client, CREATE, {"url": receiver.url, "events": ["IMPORT_FINISHED"], "secret": "short"},
                          token=token)) == "BAD_INPUT"


def test_only_admins_manage_webhooks_and_only_their_organisations(client, db, token, other_token, receiver):
    member = issue_token(db, organisation="Spa One", email="doer@spa-one.test", role="member").token
    assert error_code(create(client, member, receiver.url)) == "FORBIDDEN"
    assert error_code(gql(client, LIST, token=member)) == "FORBIDDEN"
    webhook_id = data_of(create(client, token, receiver.url))["createWebhook"]["id"]
    assert error_code(gql(client, DELETE, {"id": webhook_id}, token=member)) == "FORBIDDEN"

    assert data_of(gql(client, LIST, token=other_token))["webhooks"] == []
    assert error_code(gql(client, DELETE, {"id": webhook_id}, token=other_token)) == "NOT_FOUND"
    imported(client, other_token)  # another organisation's imports are not sent to this webhook
    delivered(client)
    assert data_of(gql(client, DELETE, {"id": webhook_id}, token=token))["deleteWebhook"] == webhook_id
    assert data_of(gql(client, LIST, token=token))["webhooks"] == []
    assert receiver.requests == []


def test_the_settings_come_from_the_environment():
    assert Settings.from_env({}).webhook_allow_private is False
    chosen = Settings.from_env({"IMPORTER_WEBHOOK_ALLOW_PRIVATE": "true", "IMPORTER_WEBHOOK_TIMEOUT_SECONDS": "2.5"})
    assert (chosen.webhook_allow_private, chosen.webhook_timeout_seconds) == (True, 2.5)
    with pytest.raises(SettingsError, match="IMPORTER_WEBHOOK_ALLOW_PRIVATE"):
        Settings.from_env({"IMPORTER_WEBHOOK_ALLOW_PRIVATE": "maybe"})
    with pytest.raises(SettingsError, match="IMPORTER_WEBHOOK_TIMEOUT_SECONDS"):
        Settings.from_env({"IMPORTER_WEBHOOK_TIMEOUT_SECONDS": "forever"})


@pytest.fixture
def allowing_worker(production: Settings) -> Iterator[subprocess.Popen]:  # noqa: F811
    """An `importer worker` process that may deliver to 127.0.0.1."""
    env = os.environ | {
        "DATABASE_URL": production.database_url, "BROKER_URL": production.broker_url,
        "IMPORTER_QUEUE_PREFIX": production.queue_prefix, "IMPORTER_DATA_DIR": str(production.data_dir),
        "IMPORTER_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    process = subprocess.Popen([str(Path(sys.executable).parent / "importer"), "worker", "--processes", "1",
                                "--threads", "2"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_worker_processes_send_the_changes_they_make(production, allowing_worker, receiver):  # noqa: F811
    with TestClient(create_app(production.with_changes(webhook_allow_private=True))) as client:
        token = issue_token(client.app.state.services.db).token
        data_of(create(client, token, receiver.url))
        import_id = imported(client, token)
        bodies = [verified(request) for request in receiver.wait_for(4)]
    assert sorted(b["import"]["status"] for b in bodies) == sorted(["VALIDATING", "VALIDATED", "IMPORTING", "IMPORTED"])
    assert {b["import"]["id"] for b in bodies} == {import_id}

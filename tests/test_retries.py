"""Retries: a transient database or broker error makes Dramatiq retry the message with
backoff, and the import still ends with every row written once; a row that cannot be
written is a row outcome (FAILED, with its reason), never a retry."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import dramatiq
import psycopg
from dramatiq.errors import BrokerConnectionError
from sqlalchemy import event
from sqlmodel import func, select

from domain.accounts.auth import issue_token
from domain.db import Database
from domain.models import Client
from domain.settings import Settings
from tests.helpers import client_csv, data_of, gql, start, upload
from tests.services import postgres_database
from tests.test_workers import app_without_worker, drain
from workers.runtime import Runtime

ROWS = 30
COUNTS = """query($id: ID!) { import(id: $id) { status importedRows failedImportRows failedValidationRows
  errors(first: 10) { edges { node { rowNumber message } } } } }"""


class Outcomes(dramatiq.Middleware):
    """What became of each message a worker processed: (actor, exception name or None)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()

    def after_process_message(self, broker, message, *, result=None, exception=None):
        with self._lock:
            self.seen.append((message.actor_name, None if exception is None else type(exception).__name__))

    def failures(self) -> list[tuple[str, str | None]]:
        return [seen for seen in self.seen if seen[1] is not None]


class FailOnce:
    """Once armed, the broker refuses the next `import_next_chunk` message (a worker's, sent
    after its chunk committed), as a Redis that dropped its connection would."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.armed = self.failed = False
        self._enqueue = broker.enqueue
        broker.enqueue = self.enqueue

    def enqueue(self, message: dramatiq.Message, *, delay: int | None = None) -> dramatiq.Message:
        if message.actor_name == "import_next_chunk" and self.armed and not self.failed:
            self.failed = True
            raise BrokerConnectionError("the broker went away (injected)")
        return self._enqueue(message, delay=delay)


def with_outcomes(runtime: Runtime) -> Outcomes:
    outcomes = Outcomes()
    runtime.broker.add_middleware(outcomes)
    for actor in (runtime.actors.import_next_chunk, runtime.actors.rollback_next_chunk):
        actor.options["min_backoff"] = actor.options["max_backoff"] = 20  # ms: keep the test short
    return outcomes


def records(db: Database, import_id: str) -> tuple[int, int]:
    with db.read() as session:
        query = select(func.count(), func.count(Client.email_key.distinct())).where(Client.import_id == uuid.UUID(import_id))
        return tuple(session.exec(query).one())


def imported(client, runtime: Runtime, token: str, content: bytes, *, before_start=lambda: None,
             before_work=lambda: None) -> dict:
    import_id = data_of(upload(client, content, token=token))["createImport"]["id"]
    drain(runtime)
    before_start()
    data_of(start(client, token, import_id))
    before_work()
    drain(runtime)
    return {"id": import_id} | data_of(gql(client, COUNTS, {"id": import_id}, token=token))["import"]


def cut_connection_at_first_claim(db: Database, admin_url: str) -> threading.Event:
    """Terminate the server side of the connection that has just claimed a chunk: its next
    statement fails with OperationalError, as in a database restart or a network cut."""
    cut = threading.Event()

    def terminate(conn, cursor, statement, parameters, context, executemany) -> None:
        if "SKIP LOCKED" in statement and not cut.is_set():
            cut.set()
            pid = conn.connection.dbapi_connection.info.backend_pid
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    event.listen(db.engine, "after_cursor_execute", terminate)
    return cut


def test_a_database_connection_cut_mid_chunk_is_retried_and_every_row_is_written_once(tmp_path: Path):
    with postgres_database() as url:
        # One message in flight: the import finishes only if the failed one is retried.
        settings = Settings(data_dir=tmp_path / "data", database_url=url, chunk_size=10, chunks_in_flight=1)
        Database(settings.effective_database_url).migrate()
        with app_without_worker(settings) as client:
            runtime: Runtime = client.app.state.runtime
            outcomes = with_outcomes(runtime)
            cut = cut_connection_at_first_claim(runtime.db, "postgresql://postgres@127.0.0.1:5432/postgres")
            final = imported(client, runtime, issue_token(runtime.db).token, client_csv(ROWS))

            assert cut.is_set()
            assert outcomes.failures() == [("import_next_chunk", "OperationalError")]
            assert (final["status"], final["importedRows"], final["failedImportRows"]) == ("IMPORTED", ROWS, 0)
            assert records(runtime.db, final["id"]) == (ROWS, ROWS)


def test_a_broker_error_after_a_chunk_committed_is_retried_and_every_row_is_written_once(settings):
    # One message in flight: the import finishes only if the failed one is retried.
    with app_without_worker(settings.with_changes(chunk_size=5, chunks_in_flight=1)) as client:
        runtime: Runtime = client.app.state.runtime
        outcomes = with_outcomes(runtime)
        refuse = FailOnce(runtime.broker)
        final = imported(client, runtime, issue_token(runtime.db).token, client_csv(ROWS),
                         before_work=lambda: setattr(refuse, "armed", True))

        assert refuse.failed
        assert outcomes.failures() == [("import_next_chunk", "BrokerConnectionError")]
        assert (final["status"], final["importedRows"], final["failedImportRows"]) == ("IMPORTED", ROWS, 0)
        assert records(runtime.db, final["id"]) == (ROWS, ROWS)


def test_rows_that_fail_are_row_outcomes_and_no_message_is_retried(settings):
    with app_without_worker(settings) as client:
        runtime: Runtime = client.app.state.runtime
        outcomes = with_outcomes(runtime)
        token = issue_token(runtime.db).token
        content = client_csv(10).decode() + "Bad,Row,not-an-email,,,,\n"
        # Between this file's validation and its start, another import writes person7@example.com.
        final = imported(client, runtime, token, content.encode(),
                         before_start=lambda: imported(client, runtime, token, client_csv(1, start=7)))

        assert (final["status"], final["importedRows"], final["failedImportRows"], final["failedValidationRows"]) == \
            ("IMPORTED", 9, 1, 1)
        reasons = {edge["node"]["rowNumber"]: edge["node"]["message"] for edge in final["errors"]["edges"]}
        assert set(reasons) == {9, 12} and "person7@example.com" in reasons[9]
        assert records(runtime.db, final["id"]) == (9, 9)
        assert outcomes.seen and outcomes.failures() == []

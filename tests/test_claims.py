"""Claims on PostgreSQL: two workers given the same chunk never both write it, and the
second does not wait for the first: it skips the rows the first holds (FOR UPDATE SKIP
LOCKED) and returns at once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.db import Database
from domain.settings import Settings
from graph.app import create_app
from tests.helpers import client_csv, data_of, rollback, start, upload
from tests.services import migrated, postgres_database
from tests.test_workers import drain
from workers.runtime import Runtime

ROWS = 40
WAIT = 60  # seconds: a bound on every wait, never reached when things work


@pytest.fixture
def on_postgres(tmp_path: Path) -> Iterator[Settings]:
    with postgres_database() as url:
        yield migrated(Settings(data_dir=tmp_path / "data", database_url=url, chunk_size=ROWS))


@contextmanager
def first_claim_held(db: Database, thread_name: str) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Pause the thread `thread_name` just after its claim (the SKIP LOCKED select) until
    `release` is set: it then holds its rows' locks, as a worker mid-chunk does."""
    claimed, release = threading.Event(), threading.Event()

    def pause(conn, cursor, statement, parameters, context, executemany) -> None:
        if "SKIP LOCKED" in statement and threading.current_thread().name == thread_name and not claimed.is_set():
            claimed.set()
            release.wait(WAIT)

    event.listen(db.engine, "after_cursor_execute", pause)
    try:
        yield claimed, release
    finally:
        release.set()
        event.remove(db.engine, "after_cursor_execute", pause)


def race(db: Database, call: Callable[[], None]) -> bool:
    """Run `call` in a thread that pauses holding its claim, and again here meanwhile.
    True if the second call returned while the first still held its rows."""
    with first_claim_held(db, "first-worker") as (claimed, release):
        first = threading.Thread(target=call, name="first-worker")
        first.start()
        assert claimed.wait(WAIT), "the first call never claimed its rows"
        call()  # the second worker, on the same chunk
        returned_while_held = first.is_alive()
        release.set()
        first.join(WAIT)
        assert not first.is_alive(), "the first call did not finish"
    return returned_while_held


def database_counts(settings: Settings, import_id: str) -> tuple[int, int, tuple]:
    with psycopg.connect(settings.database_url) as conn:
        total, distinct = conn.execute("SELECT count(*), count(DISTINCT email_key) FROM clients WHERE import_id = %s",
                                       (import_id,)).fetchone()
        counters = conn.execute("SELECT status, imported_rows, rolled_back_rows FROM imports WHERE id = %s",
                                (import_id,)).fetchone()
    return total, distinct, counters


def started_import(client: TestClient, runtime: Runtime, token: str) -> str:
    """An import of ROWS rows, validated and started (its chunks left to the test)."""
    import_id = data_of(upload(client, client_csv(ROWS), token=token))["createImport"]["id"]
    drain(runtime)
    data_of(start(client, token, import_id))
    return import_id


def imported_by_the_race(client: TestClient, runtime: Runtime, token: str) -> str:
    import_id = started_import(client, runtime, token)
    assert race(runtime.db, lambda: runtime.processor.import_chunk(uuid.UUID(import_id), 2, ROWS + 1)), \
        "the second call waited for the first instead of skipping its rows"
    return import_id


def test_two_workers_on_the_same_chunk_write_each_record_once_and_neither_waits(on_postgres):
    with TestClient(create_app(on_postgres, run_worker=False)) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        import_id = imported_by_the_race(client, runtime, token)

    assert database_counts(on_postgres, import_id) == (ROWS, ROWS, ("imported", ROWS, 0))


def test_two_workers_on_the_same_rollback_chunk_undo_each_record_once_and_neither_waits(on_postgres):
    with TestClient(create_app(on_postgres, run_worker=False)) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        import_id = imported_by_the_race(client, runtime, token)
        data_of(rollback(client, token, import_id))
        assert race(runtime.db, lambda: runtime.processor.rollback_chunk(uuid.UUID(import_id), 2, ROWS + 1)), \
            "the second call waited for the first instead of skipping its rows"

    assert database_counts(on_postgres, import_id) == (0, 0, ("rolled_back", ROWS, ROWS))


def test_workers_taking_the_next_chunk_at_once_share_the_rows_without_overlap(on_postgres):
    """Three workers take 'the next chunk' while the first still holds its own: each gets
    different rows, and every record is written once."""
    settings = on_postgres.with_changes(chunk_size=10)
    with TestClient(create_app(settings, run_worker=False)) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        import_id = started_import(client, runtime, token)
        next_chunk = lambda: runtime.processor.import_next_chunk(uuid.UUID(import_id))  # noqa: E731
        with first_claim_held(runtime.db, "first-worker") as (claimed, release):
            first = threading.Thread(target=next_chunk, name="first-worker")
            first.start()
            assert claimed.wait(WAIT)
            next_chunk()
            next_chunk()
            assert first.is_alive()
            with psycopg.connect(on_postgres.database_url) as conn:
                assert conn.execute("SELECT imported_rows FROM imports WHERE id = %s", (import_id,)).fetchone() == (20,)
            release.set()
            first.join(WAIT)
        drain(runtime)  # the messages each chunk queued for the rest

    assert database_counts(on_postgres, import_id) == (ROWS, ROWS, ("imported", ROWS, 0))


def test_a_chunk_stops_before_rows_another_worker_holds_and_leaves_them_to_it(on_postgres):
    """Rows 5-7 are held by another transaction: the next chunk writes rows 2-4 only (writing
    past the held rows would wait for them, or write them twice), and returns at once."""
    with TestClient(create_app(on_postgres, run_worker=False)) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        import_id = started_import(client, runtime, token)
        with psycopg.connect(on_postgres.database_url) as holder:
            holder.execute("SELECT id FROM import_rows WHERE import_id = %s AND row_number BETWEEN 5 AND 7 FOR UPDATE",
                           (import_id,))
            chunk = threading.Thread(target=runtime.processor.import_next_chunk, args=(uuid.UUID(import_id),))
            chunk.start()
            chunk.join(WAIT)
            returned = not chunk.is_alive()
            holder.rollback()
            chunk.join(WAIT)
        assert returned, "the chunk waited for the rows another worker holds"
        with psycopg.connect(on_postgres.database_url) as conn:
            written = conn.execute("SELECT row_number FROM import_rows WHERE import_id = %s AND status = 'imported' "
                                   "ORDER BY row_number", (import_id,)).fetchall()
        assert [number for (number,) in written] == [2, 3, 4]
        drain(runtime)  # the next message of the chain, and the one startImport queued

    assert database_counts(on_postgres, import_id) == (ROWS, ROWS, ("imported", ROWS, 0))

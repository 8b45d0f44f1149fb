"""Background work: chunks delivered twice, work left by a stopped server, retries."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import func, select
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.models import Client, Import
from graph.app import create_app
from tests.helpers import client_csv, data_of, rollback, settle, start, upload
from workers.runtime import Runtime, start_worker


@contextmanager
def app_without_worker(settings) -> Iterator[TestClient]:
    """The server with no worker: messages wait in its broker, as if the workers were down."""
    with TestClient(create_app(settings, run_worker=False)) as client:
        yield client


def drain(runtime: Runtime, *, fail_fast: bool = True) -> None:
    """Run a worker until every waiting message is processed."""
    worker = start_worker(runtime)
    try:
        runtime.broker.join(runtime.queue.queue_name, fail_fast=fail_fast)
        worker.join()
    finally:
        worker.stop()


def clients_of(db, import_id: str) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(Client).where(Client.import_id == import_id)).one()


def import_record(db, import_id: str) -> Import:
    with db.read() as session:
        return session.get(Import, uuid.UUID(import_id))


def test_every_chunk_delivered_twice_imports_each_row_once(settings):
    with app_without_worker(settings) as client:
        runtime: Runtime = client.app.state.runtime
        db = runtime.db
        token = issue_token(db).token
        created = data_of(upload(client, client_csv(10), token=token))["createImport"]
        drain(runtime)
        data_of(start(client, token, created["id"]))
        import_id = import_record(db, created["id"]).id
        for first in range(2, 12, settings.chunk_size):
            runtime.queue.import_chunk(import_id, first, min(first + settings.chunk_size - 1, 11))
        drain(runtime)

        record = import_record(db, created["id"])
        assert record.status == "imported"
        assert (record.imported_rows, record.failed_import_rows) == (10, 0)
        assert clients_of(db, import_id) == 10


def test_a_chunk_run_again_after_it_committed_changes_nothing(client, token):
    runtime: Runtime = client.app.state.runtime
    created = data_of(upload(client, client_csv(5), token=token))["createImport"]
    settle(client, token, created["id"])
    data_of(start(client, token, created["id"]))
    settle(client, token, created["id"])
    import_id = import_record(runtime.db, created["id"]).id
    before = import_record(runtime.db, created["id"])

    runtime.processor.import_chunk(import_id, 2, 6)
    runtime.processor.validate(import_id)

    after = import_record(runtime.db, created["id"])
    assert (after.imported_rows, after.total_rows, after.updated_at) == (before.imported_rows, before.total_rows, before.updated_at)
    assert clients_of(runtime.db, import_id) == 5


def test_validation_left_by_a_stopped_server_finishes_after_a_restart(settings):
    with app_without_worker(settings) as client:
        token = issue_token(client.app.state.runtime.db).token
        created = data_of(upload(client, client_csv(7), token=token))["createImport"]
        assert created["status"] == "VALIDATING"
    with TestClient(create_app(settings)) as client:
        final = settle(client, token, created["id"])
    assert (final["status"], final["totalRows"]) == ("VALIDATED", 7)


def test_an_import_interrupted_by_a_server_restart_finishes_after_it(settings):
    with TestClient(create_app(settings)) as client:
        db = client.app.state.runtime.db
        token = issue_token(db).token
        created = data_of(upload(client, client_csv(10), token=token))["createImport"]
        settle(client, token, created["id"])
    with app_without_worker(settings) as client:
        runtime: Runtime = client.app.state.runtime
        data_of(start(client, token, created["id"]))
        import_id = import_record(runtime.db, created["id"]).id
        runtime.processor.import_chunk(import_id, 2, 4)  # one chunk done, the rest lost with the server
        partial = import_record(runtime.db, created["id"])
        assert (partial.status, partial.imported_rows) == ("importing", 3)
    with TestClient(create_app(settings)) as client:
        final = settle(client, token, created["id"])
        assert (final["status"], final["importedRows"]) == ("IMPORTED", 10)
        assert clients_of(client.app.state.runtime.db, import_id) == 10


def test_a_rollback_during_an_import_stops_it_and_leaves_no_record(settings):
    with app_without_worker(settings) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        created = data_of(upload(client, client_csv(10), token=token))["createImport"]
        drain(runtime)
        data_of(start(client, token, created["id"]))
        import_id = import_record(runtime.db, created["id"]).id
        runtime.processor.import_chunk(import_id, 2, 4)
        data_of(rollback(client, token, created["id"]))
        drain(runtime)  # the remaining import chunks, then the rollback chunks
        record = import_record(runtime.db, created["id"])
        assert record.status == "rolled_back"
        assert record.rolled_back_rows == 3
        assert clients_of(runtime.db, import_id) == 0


def test_validation_that_keeps_failing_ends_errored_not_stuck(settings):
    with app_without_worker(settings) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        created = data_of(upload(client, client_csv(3), token=token))["createImport"]
        (settings.data_dir / import_record(runtime.db, created["id"]).stored_path).unlink()
        runtime.actors.validate.options["min_backoff"] = 1
        runtime.actors.validate.options["max_backoff"] = 1
        drain(runtime, fail_fast=False)
        record = import_record(runtime.db, created["id"])
        assert record.status == "errored"
        assert "error on our side" in record.error_message

"""Sharing the workers: a small import started while a big one runs does not wait for it
(embedded, and with `importer worker` processes on PostgreSQL + Redis); an organisation runs
a limited number of imports at once, the others wait QUEUED in order."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from domain.auth import authenticate, issue_token
from domain.models import Client, Import
from domain.settings import Settings
from graph.app import create_app
from tests.helpers import Subscription, client_csv, data_of, error_code, gql, rollback, settle, start, upload
from tests.processes import postgres_production, redis_production, wait_for, worker_group
from tests.test_workers import app_without_worker, drain
from workers.runtime import Runtime, start_worker

BIG = 20_000
SMALL = 10
STATE = "query($id: ID!) { import(id: $id) { status queuePosition importedRows failedImportRows importedAt } }"


def state(client: TestClient, token: str, import_id: str) -> dict:
    return data_of(gql(client, STATE, {"id": import_id}, token=token))["import"]


def clients_of(db, import_id: str) -> tuple[int, int]:  # noqa: ANN001
    """How many client records the import wrote, and how many distinct emails among them."""
    with db.read() as session:
        query = select(func.count(), func.count(Client.email_key.distinct())).where(Client.import_id == uuid.UUID(import_id))
        return tuple(session.exec(query).one())


def validated(client: TestClient, token: str, content: bytes) -> str:
    import_id = data_of(upload(client, content, token=token))["createImport"]["id"]
    assert settle(client, token, import_id)["status"] == "VALIDATED"
    return import_id


def small_during_big(client: TestClient, token: str) -> None:
    """Start a big import, then, once it is importing, a small one: the small one is imported
    while the big one is still under way; both end with every row written once."""
    db = client.app.state.services.db
    big = validated(client, token, client_csv(BIG))
    data_of(start(client, token, big))
    wait_for(lambda: state(client, token, big), lambda s: s["importedRows"] > 0, timeout=120, every=0.1,
             what="the big import to write its first chunk")

    small = validated(client, token, client_csv(SMALL, start=BIG))
    data_of(start(client, token, small))
    finished = settle(client, token, small)
    big_meanwhile = state(client, token, big)

    assert (finished["status"], finished["importedRows"]) == ("IMPORTED", SMALL)
    assert big_meanwhile["status"] == "IMPORTING" and big_meanwhile["importedRows"] < BIG, big_meanwhile
    final = settle(client, token, big)
    assert (final["status"], final["importedRows"], final["failedImportRows"]) == ("IMPORTED", BIG, 0)
    assert clients_of(db, small) == (SMALL, SMALL)
    assert clients_of(db, big) == (BIG, BIG)


@pytest.mark.timeout(300)
def test_a_small_import_started_during_a_big_one_does_not_wait_for_it(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data", chunk_size=50, worker_threads=2)
    with TestClient(create_app(settings)) as client:
        small_during_big(client, issue_token(client.app.state.services.db).token)


@pytest.mark.timeout(600)
def test_a_small_import_does_not_wait_for_a_big_one_with_worker_processes_on_postgres_and_redis(tmp_path: Path):
    with redis_production(tmp_path, chunk_size=50) as settings, worker_group(settings, processes=1, threads=2):
        with TestClient(create_app(settings)) as client:
            small_during_big(client, issue_token(client.app.state.services.db).token)


# Imports running at once per organisation ----------------------------------------------------


@pytest.fixture
def one_at_a_time(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", chunk_size=3, max_running_imports_per_organisation=1)


def test_imports_beyond_the_organisations_limit_wait_in_order_and_start_when_a_slot_frees(one_at_a_time):
    with app_without_worker(one_at_a_time) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db, organisation="Spa One", email="owner@spa-one.test").token
        theirs_token = issue_token(runtime.db, organisation="Gym Two", email="owner@gym-two.test").token
        first, second, third = (data_of(upload(client, client_csv(5, start=100 * i), token=token))["createImport"]["id"]
                                for i in range(3))
        theirs = data_of(upload(client, client_csv(4, start=900), token=theirs_token))["createImport"]["id"]
        drain(runtime)

        assert data_of(start(client, token, first))["startImport"]["status"] == "IMPORTING"
        assert data_of(start(client, token, second))["startImport"]["status"] == "QUEUED"
        assert data_of(start(client, token, third))["startImport"]["status"] == "QUEUED"
        # Another organisation has slots of its own.
        assert data_of(start(client, theirs_token, theirs))["startImport"]["status"] == "IMPORTING"
        assert [state(client, token, i)["queuePosition"] for i in (first, second, third)] == [None, 1, 2]
        assert state(client, theirs_token, theirs)["queuePosition"] is None

        refused = start(client, token, second)
        assert error_code(refused) == "INVALID_TRANSITION"
        assert refused["errors"][0]["extensions"]["fromStatus"] == "QUEUED"
        assert "starts when one of your organisation's running imports ends" in refused["errors"][0]["message"]

        data_of(rollback(client, token, first))  # stops the running one: the next starts
        assert state(client, token, first)["status"] == "ROLLED_BACK"
        assert (state(client, token, second)["status"], state(client, token, third)["queuePosition"]) == ("IMPORTING", 1)

        drain(runtime)
        second_done, third_done = state(client, token, second), state(client, token, third)
        assert (second_done["status"], second_done["importedRows"]) == ("IMPORTED", 5)
        assert (third_done["status"], third_done["importedRows"]) == ("IMPORTED", 5)
        assert second_done["importedAt"] <= third_done["importedAt"]
        assert state(client, theirs_token, theirs)["importedRows"] == 4
        db = runtime.db
        assert [clients_of(db, i) for i in (first, second, third, theirs)] == [(0, 0), (5, 5), (5, 5), (4, 4)]


def test_rolling_back_a_queued_import_cancels_it_and_keeps_the_others_order(one_at_a_time):
    with app_without_worker(one_at_a_time) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        running, cancelled, waiting = (data_of(upload(client, client_csv(3, start=10 * i), token=token))["createImport"]["id"]
                                       for i in range(3))
        drain(runtime)
        for import_id in (running, cancelled, waiting):
            data_of(start(client, token, import_id))

        cancelled_now = data_of(rollback(client, token, cancelled))["rollbackImport"]
        assert cancelled_now["status"] == "ROLLED_BACK"
        assert state(client, token, running)["status"] == "IMPORTING"
        assert state(client, token, waiting)["queuePosition"] == 1

        drain(runtime)
        assert [state(client, token, i)["status"] for i in (running, cancelled, waiting)] == \
            ["IMPORTED", "ROLLED_BACK", "IMPORTED"]
        assert [clients_of(runtime.db, i) for i in (running, cancelled, waiting)] == [(3, 3), (0, 0), (3, 3)]


def test_a_subscription_to_a_queued_import_follows_it_until_it_is_imported(one_at_a_time):
    with app_without_worker(one_at_a_time) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        ahead, queued = (data_of(upload(client, client_csv(4, start=10 * i), token=token))["createImport"]["id"]
                         for i in range(2))
        drain(runtime)
        data_of(start(client, token, ahead))
        data_of(start(client, token, queued))

        subscription = Subscription(client, token, queued)
        try:
            first = subscription.ws.receive_json()
            worker = start_worker(runtime)
            try:
                rest = subscription.messages()
            finally:
                worker.stop()
        finally:
            subscription.close()

    assert first["payload"]["data"]["importProgress"]["status"] == "QUEUED"
    statuses = [m["payload"]["data"]["importProgress"]["status"] for m in rest if m["type"] == "next"]
    assert rest[-1]["type"] == "complete"
    assert statuses[-1] == "IMPORTED" and "IMPORTING" in statuses, statuses


def test_a_queued_import_left_by_a_stopped_server_starts_after_a_restart_when_a_slot_is_free(one_at_a_time):
    """The promotion is in the database with the finish that frees the slot; a restart (or
    the recovery sweep) also promotes any queued import whose organisation has a free slot."""
    with app_without_worker(one_at_a_time) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        ahead, queued = (data_of(upload(client, client_csv(4, start=10 * i), token=token))["createImport"]["id"]
                         for i in range(2))
        drain(runtime)
        data_of(start(client, token, ahead))
        data_of(start(client, token, queued))
    with TestClient(create_app(one_at_a_time.with_changes(max_running_imports_per_organisation=2))) as client:
        final = settle(client, token, queued)
        assert (final["status"], final["importedRows"]) == ("IMPORTED", 4)
        assert settle(client, token, ahead)["importedRows"] == 4
        with client.app.state.services.db.read() as session:
            assert session.exec(select(func.count()).select_from(Import).where(Import.status == "imported")).one() == 2


def test_imports_started_at_the_same_moment_on_postgres_never_exceed_the_limit(tmp_path: Path):
    with postgres_production(tmp_path, broker_url="", chunk_size=3) as production:
        settings = production.with_changes(broker_url=None, max_running_imports_per_organisation=2)
        with app_without_worker(settings) as client:
            runtime: Runtime = client.app.state.runtime
            token = issue_token(runtime.db).token
            ids = [data_of(upload(client, client_csv(3, start=10 * i), token=token))["createImport"]["id"]
                   for i in range(6)]
            drain(runtime)
            principal = authenticate(runtime.db, f"Bearer {token}")
            imports = client.app.state.services.imports
            with ThreadPoolExecutor(max_workers=6) as pool:
                started = list(pool.map(lambda i: imports.start_import(principal, uuid.UUID(i)).status, ids))

            assert sorted(started) == ["importing"] * 2 + ["queued"] * 4
            assert sorted(state(client, token, i)["queuePosition"] or 0 for i in ids) == [0, 0, 1, 2, 3, 4]
            drain(runtime)
            assert [state(client, token, i)["importedRows"] for i in ids] == [3] * 6

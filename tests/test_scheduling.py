"""Sharing the workers: a small import started while a big one runs does not wait for it
(embedded, and with `importer worker` processes on PostgreSQL + Redis); an organisation runs
a limited number of imports at once: the others are IMPORTING but wait their turn, in
order, with a queue position and nothing done."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from domain.accounts.auth import authenticate, issue_token
from domain.models import Client, Import
from domain.settings import Settings
from graph.app import create_app
from tests.helpers import Subscription, client_csv, data_of, error_code, gql, rollback, settle, start, upload
from tests.processes import postgres_production, redis_production, wait_for, worker_group
from tests.test_workers import app_without_worker, drain
from workers.runtime import Runtime, start_worker
from workers.sweep import RecoverySweep

BIG = 20_000
SMALL = 10
STATE = ("query($id: ID!) { import(id: $id) { status queuePosition progress importedRows failedImportRows "
         "importedAt rolledBackAt } }")
WATCHED = "subscription($id: ID!) { importProgress(id: $id) { status queuePosition progress importedRows } }"


def state(client: TestClient, token: str, import_id: str) -> dict:
    return data_of(gql(client, STATE, {"id": import_id}, token=token))["import"]


def clients_of(db, import_id: str) -> tuple[int, int]:
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
    while the big one is still under way; both end with every row written once. Both are
    validated first, so only importing races (a validation is no part of what is measured)."""
    db = client.app.state.services.db
    big = validated(client, token, client_csv(BIG))
    small = validated(client, token, client_csv(SMALL, start=BIG))
    data_of(start(client, token, big))
    wait_for(lambda: state(client, token, big), lambda s: s["importedRows"] > 0, timeout=120, every=0.1,
             what="the big import to write its first chunk")

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


def validated_imports(client: TestClient, runtime: Runtime, token: str, count: int, rows: int) -> list[str]:
    ids = [data_of(upload(client, client_csv(rows, start=100 * i), token=token))["createImport"]["id"]
           for i in range(count)]
    drain(runtime)
    return ids


def started_imports(client: TestClient, runtime: Runtime, token: str, count: int, rows: int) -> list[str]:
    """validated_imports, then each started in order."""
    ids = validated_imports(client, runtime, token, count, rows=rows)
    for import_id in ids:
        data_of(start(client, token, import_id))
    return ids


def waiting(position: int) -> dict:
    """What a started import waiting for its turn shows (the rows columns of STATE aside)."""
    return {"status": "IMPORTING", "queuePosition": position, "progress": 0}


def shown(item: dict) -> dict:
    return {key: item[key] for key in ("status", "queuePosition", "progress")}


def test_imports_beyond_the_organisations_limit_wait_in_order_and_start_when_a_slot_frees(one_at_a_time):
    with app_without_worker(one_at_a_time) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db, organisation="Spa One", email="owner@spa-one.test").token
        theirs_token = issue_token(runtime.db, organisation="Gym Two", email="owner@gym-two.test").token
        first, second, third = validated_imports(client, runtime, token, 3, rows=5)
        theirs = data_of(upload(client, client_csv(4, start=900), token=theirs_token))["createImport"]["id"]
        drain(runtime)

        for import_id in (first, second, third):
            assert data_of(start(client, token, import_id))["startImport"]["status"] == "IMPORTING"
        # Another organisation has slots of its own.
        assert data_of(start(client, theirs_token, theirs))["startImport"]["status"] == "IMPORTING"
        assert [shown(state(client, token, i)) for i in (first, second, third)] == \
            [{"status": "IMPORTING", "queuePosition": None, "progress": 0}, waiting(1), waiting(2)]
        assert state(client, theirs_token, theirs)["queuePosition"] is None

        refused = start(client, token, second)
        assert error_code(refused) == "INVALID_TRANSITION"
        assert refused["errors"][0]["extensions"]["fromStatus"] == "IMPORTING"

        data_of(rollback(client, token, first))  # stops the running one: the next takes its slot
        assert state(client, token, first)["status"] == "ROLLED_BACK"
        assert (state(client, token, second)["queuePosition"], shown(state(client, token, third))) == (None, waiting(1))

        drain(runtime)
        second_done, third_done = state(client, token, second), state(client, token, third)
        assert (second_done["status"], second_done["importedRows"], second_done["queuePosition"]) == ("IMPORTED", 5, None)
        assert (third_done["status"], third_done["importedRows"], third_done["queuePosition"]) == ("IMPORTED", 5, None)
        assert second_done["importedAt"] <= third_done["importedAt"]
        assert state(client, theirs_token, theirs)["importedRows"] == 4
        db = runtime.db
        assert [clients_of(db, i) for i in (first, second, third, theirs)] == [(0, 0), (5, 5), (5, 5), (4, 4)]


def test_rolling_back_a_waiting_import_cancels_it_and_keeps_the_others_order(one_at_a_time):
    with app_without_worker(one_at_a_time) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        running, cancelled, behind = started_imports(client, runtime, token, 3, rows=3)
        assert shown(state(client, token, behind)) == waiting(2)

        cancelled_now = data_of(rollback(client, token, cancelled))["rollbackImport"]
        assert (cancelled_now["status"], cancelled_now["rolledBackRows"], cancelled_now["importedRows"]) == \
            ("ROLLED_BACK", 0, 0)
        cancelled_state = state(client, token, cancelled)
        assert cancelled_state["queuePosition"] is None and cancelled_state["rolledBackAt"] is not None
        assert shown(state(client, token, running))["queuePosition"] is None
        assert shown(state(client, token, behind)) == waiting(1)

        drain(runtime)
        assert [state(client, token, i)["status"] for i in (running, cancelled, behind)] == \
            ["IMPORTED", "ROLLED_BACK", "IMPORTED"]
        assert [clients_of(runtime.db, i) for i in (running, cancelled, behind)] == [(3, 3), (0, 0), (3, 3)]


def test_a_subscription_follows_a_waiting_import_up_the_queue_until_it_is_imported(one_at_a_time):
    with app_without_worker(one_at_a_time) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        ahead, leaving, watched = started_imports(client, runtime, token, 3, rows=4)

        subscription = Subscription(client, token, watched, query=WATCHED)
        try:
            first = subscription.ws.receive_json()["payload"]["data"]["importProgress"]
            data_of(rollback(client, token, leaving))
            moved_up = subscription.ws.receive_json()["payload"]["data"]["importProgress"]
            worker = start_worker(runtime)
            try:
                rest = subscription.messages()
            finally:
                worker.stop()
        finally:
            subscription.close()

    assert (shown(first), shown(moved_up)) == (waiting(2), waiting(1))
    assert rest[-1]["type"] == "complete"
    states = [m["payload"]["data"]["importProgress"] for m in rest if m["type"] == "next"]
    assert (states[-1]["status"], states[-1]["importedRows"]) == ("IMPORTED", 4)
    assert {(s["status"], s["queuePosition"]) for s in states[:-1]} <= {("IMPORTING", 1), ("IMPORTING", None)}
    assert states[-1]["queuePosition"] is None


def test_a_waiting_import_left_by_a_stopped_server_starts_after_a_restart_when_a_slot_is_free(one_at_a_time):
    """The promotion is in the database with the finish that frees the slot; a restart also
    gives a slot to any waiting import whose organisation has one free."""
    with app_without_worker(one_at_a_time) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        ahead, behind = started_imports(client, runtime, token, 2, rows=4)
        assert shown(state(client, token, behind)) == waiting(1)
    with TestClient(create_app(one_at_a_time.with_changes(max_running_imports_per_organisation=2))) as client:
        final = settle(client, token, behind)
        assert (final["status"], final["importedRows"]) == ("IMPORTED", 4)
        assert settle(client, token, ahead)["importedRows"] == 4
        with client.app.state.services.db.read() as session:
            assert session.exec(select(func.count()).select_from(Import).where(Import.status == "imported")).one() == 2


def test_the_recovery_sweep_leaves_a_waiting_import_alone_and_gives_it_a_slot_once_one_is_free(one_at_a_time):
    """A waiting import is no stall (its resume would add lanes to it); when its
    organisation's limit is raised, the sweep gives it the free slot."""
    with app_without_worker(one_at_a_time) as client:
        runtime: Runtime = client.app.state.runtime
        token = issue_token(runtime.db).token
        ahead, behind = started_imports(client, runtime, token, 2, rows=4)

        later = datetime.now(UTC) + timedelta(seconds=120)
        resumed: list[int] = []
        sweep = RecoverySweep(runtime.db, lambda: resumed.append(runtime.processor.resume_unfinished()) or resumed[-1],
                              interval=60, promote=runtime.processor.promote_waiting_everywhere, clock=lambda: later)
        assert sweep.promote_waiting() == 0  # the one slot is taken
        assert sweep.sweep_once() and resumed == [1]  # the running import alone was resumed
        assert shown(state(client, token, behind)) == waiting(1)

    # Restarted with a higher limit and no worker in the server: only the sweep acts. The
    # running import's messages died with the first server's broker: it is a stall.
    raised = one_at_a_time.with_changes(max_running_imports_per_organisation=2)
    with app_without_worker(raised) as client:
        runtime = client.app.state.runtime
        sweep = RecoverySweep(runtime.db, runtime.processor.resume_unfinished, interval=60,
                              promote=runtime.processor.promote_waiting_everywhere, clock=lambda: later)
        assert sweep.promote_waiting() == 1
        assert shown(state(client, token, behind)) == {"status": "IMPORTING", "queuePosition": None, "progress": 0}
        assert sweep.sweep_once()
        drain(runtime)
        assert [state(client, token, i)["importedRows"] for i in (ahead, behind)] == [4, 4]
        assert [clients_of(runtime.db, i) for i in (ahead, behind)] == [(4, 4), (4, 4)]


def test_imports_started_at_the_same_moment_on_postgres_never_exceed_the_limit(tmp_path: Path):
    with postgres_production(tmp_path, broker_url="", chunk_size=3) as production:
        settings = production.with_changes(broker_url=None, max_running_imports_per_organisation=2)
        with app_without_worker(settings) as client:
            runtime: Runtime = client.app.state.runtime
            token = issue_token(runtime.db).token
            ids = validated_imports(client, runtime, token, 6, rows=3)
            principal = authenticate(runtime.db, f"Bearer {token}")
            imports = client.app.state.services.imports
            with ThreadPoolExecutor(max_workers=6) as pool:
                started = list(pool.map(lambda i: imports.start_import(principal, uuid.UUID(i)), ids))

            assert [record.status for record in started] == ["importing"] * 6
            assert sum(record.queued_at is None for record in started) == 2
            assert sorted(state(client, token, i)["queuePosition"] or 0 for i in ids) == [0, 0, 1, 2, 3, 4]
            drain(runtime)
            assert [state(client, token, i)["importedRows"] for i in ids] == [3] * 6
            assert [clients_of(runtime.db, i) for i in ids] == [(3, 3)] * 6

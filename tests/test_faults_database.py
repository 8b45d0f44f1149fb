"""A database outage of a few seconds mid-import: a TCP proxy between every process and
PostgreSQL drops all connections and refuses new ones, then lets them through again. The
server says clearly that the database is unavailable (and /ready reports it), then
recovers; a subscription open across the outage carries on; the workers retry, and every
valid row is imported exactly once. And a server started while the database is down serves
/health, says so on /ready, and is ready once the database answers."""

from __future__ import annotations

import time
from pathlib import Path

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from graph.app import create_app
from tests.faults import COUNTS, STORAGES, assert_subscription_saw_it_finish, start_import, subscribe_while_importing
from tests.helpers import auth, gql
from tests.processes import ServerProcess, redis_production, wait_for, worker_group
from tests.proxy import TcpProxy

VALID_ROWS = 3000
INVALID_ROWS = 7
OUTAGE_SECONDS = 4
WORKER_ATTEMPTS = 3  # connections refused during the outage beyond the server's own


def _assert_clearly_unavailable(client: TestClient, token: str, import_id: str) -> None:
    """A query, the error report and /ready each say the database is unavailable, and no more."""
    answer = gql(client, COUNTS, {"id": import_id}, token=token)
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["SERVICE_UNAVAILABLE"]
    assert "try again" in answer["errors"][0]["message"]
    assert "psycopg" not in str(answer) and "Traceback" not in str(answer)
    report = client.get(f"/imports/{import_id}/error-report.csv", headers=auth(token))
    assert (report.status_code, report.json()["errors"][0]["extensions"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    ready = client.get("/ready")
    assert (ready.status_code, ready.json()) == (503, {"database": "unavailable", "broker": "ok"})


def _hold_outage(proxy: TcpProxy, *, since: float) -> int:
    """Keep the database away OUTAGE_SECONDS, and until the workers have run into it too
    (more refused connections than the server's own three requests made); how many were refused."""
    wait_for(lambda: (proxy.refused, time.monotonic() - since),
             lambda seen: seen[0] >= WORKER_ATTEMPTS + 3 and seen[1] >= OUTAGE_SECONDS,
             timeout=60, every=0.1, what="the workers to try the database during the outage")
    return proxy.refused


@pytest.mark.timeout(420)
@pytest.mark.parametrize("upload_storage", STORAGES)
def test_a_database_outage_mid_import_is_reported_and_survived(tmp_path: Path, upload_storage: str):
    with redis_production(tmp_path, chunk_size=50, upload_storage=upload_storage) as direct, TcpProxy("127.0.0.1", 5432) as proxy:
        settings = direct.with_changes(database_url=direct.database_url.replace(":5432/", f":{proxy.port}/"))
        with worker_group(settings, processes=1, threads=2, log=tmp_path / "workers.log") as workers:
            with TestClient(create_app(settings, sweep_seconds=2)) as client:
                run = start_import(client, valid=VALID_ROWS, invalid=INVALID_ROWS)
                with run.held_mid_import(direct.database_url) as held:  # held directly, not through the proxy
                    at_cut = held.imported_rows
                    subscription = subscribe_while_importing(client, run.token, run.id)  # open across the outage
                    proxy.cut()
                cut_at = time.monotonic()
                _assert_clearly_unavailable(client, run.token, run.id)
                refused = _hold_outage(proxy, since=cut_at)
                proxy.restore()

                final = run.wait_until_finished(what=lambda: f"(workers:\n{workers.output_tail()})")
                assert_subscription_saw_it_finish(subscription)
                assert (client.get("/ready").status_code, run.counts()["status"]) == (200, "IMPORTED")
                sweeps = client.app.state.sweep.resumes
            assert (workers.alive(), workers.starts) == (True, 1), workers.output_tail()
        print(f"\ndatabase cut at importedRows {at_cut} for {OUTAGE_SECONDS}+ s, {refused} connections refused; "
              f"recovery sweeps {sweeps}; final {final['status']} {final['importedRows']}/{VALID_ROWS}, "
              f"failed {final['failedImportRows']}")
        run.assert_finished_exactly_once(final, direct.database_url)


@pytest.mark.timeout(120)
def test_the_server_starts_while_the_database_is_down_and_is_ready_once_it_answers(tmp_path: Path):
    with redis_production(tmp_path, chunk_size=50) as direct, TcpProxy("127.0.0.1", 5432) as proxy:
        settings = direct.with_changes(database_url=direct.database_url.replace(":5432/", f":{proxy.port}/"))
        server = ServerProcess(settings, log=tmp_path / "server.log")
        proxy.cut()
        server.start()  # waits for /health
        try:
            down = httpx.get(f"{server.url}/ready", timeout=30)
            assert (down.status_code, down.json()) == (503, {"database": "unavailable", "broker": "ok"})
            proxy.restore()
            wait_for(lambda: httpx.get(f"{server.url}/ready", timeout=30).status_code, lambda code: code == 200,
                     timeout=30, every=0.2, what=lambda: f"/ready to answer 200:\n{server.output_tail()}")
        finally:
            server.terminate()

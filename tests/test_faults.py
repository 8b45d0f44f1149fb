"""Faults in the production topology: workers killed mid-import lose nothing and write
nothing twice; the recovery sweep picks up work the dead workers took with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from domain.auth import issue_token
from domain.settings import Settings
from graph.app import create_app
from tests.helpers import client_csv, data_of, gql, settle, start, upload
from tests.processes import REDIS_URL, WorkerGroup, redis_production, wait_for
from workers.sweep import RecoverySweep, sweep_seconds_from_env

KILLS = 3
VALID_ROWS = 3000
INVALID_ROWS = 7

COUNTS = "query($id: ID!) { import(id: $id) { status importedRows failedImportRows } }"


@pytest.mark.timeout(420)
def test_killing_the_workers_mid_import_loses_nothing_and_duplicates_nothing(tmp_path: Path):
    content = client_csv(VALID_ROWS).decode() + "".join(f"Bad{i},Row,not-an-email-{i},,,,\n" for i in range(INVALID_ROWS))
    with redis_production(tmp_path, chunk_size=50) as settings:
        workers = WorkerGroup(settings, processes=1, threads=2, log=tmp_path / "workers.log")
        workers.start()
        try:
            with TestClient(create_app(settings, sweep_seconds=2)) as client:
                token = issue_token(client.app.state.services.db).token
                import_id = data_of(upload(client, content.encode(), token=token))["createImport"]["id"]

                sweep = client.app.state.sweep

                def counts() -> dict:
                    return data_of(gql(client, COUNTS, {"id": import_id}, token=token))["import"]

                wait_for(counts, lambda s: s["status"] != "VALIDATING", timeout=120, every=0.2,
                         what=lambda: f"validation ({_diagnostics(settings, workers, sweep)})")
                validated = settle(client, token, import_id)
                assert (validated["status"], validated["failedValidationRows"]) == ("VALIDATED", INVALID_ROWS)

                data_of(start(client, token, import_id))
                seen_at_kills = []
                for _ in range(KILLS):
                    before = seen_at_kills[-1] if seen_at_kills else 0
                    state = wait_for(counts, lambda s, before=before: s["importedRows"] > before, timeout=60,
                                     what=lambda before=before: f"importedRows to pass {before} "
                                                                f"({_diagnostics(settings, workers, sweep)})")
                    workers.kill()
                    assert state["status"] == "IMPORTING" and state["importedRows"] < VALID_ROWS, \
                        f"the import finished before kill {len(seen_at_kills) + 1}: {state}"
                    seen_at_kills.append(state["importedRows"])
                    workers.start()

                # Bounded: if it never finishes, say what the queue and the sweep looked like.
                wait_for(counts, lambda s: s["status"] != "IMPORTING", timeout=180, every=0.2,
                         what=lambda: f"the import to finish ({_diagnostics(settings, workers, sweep)})")
                final = settle(client, token, import_id)
                sweeps = sweep.resumes
            print(f"\nkilled {KILLS} times at importedRows {seen_at_kills}; worker starts {workers.starts}; "
                  f"recovery sweeps {sweeps}; final {final['status']} {final['importedRows']}/{VALID_ROWS}")
            assert (final["status"], final["importedRows"], final["failedImportRows"]) == ("IMPORTED", VALID_ROWS, 0)
            # The first kill took the worker's fetched messages with it: only the sweep brought them back.
            assert sweeps >= 1
        finally:
            workers.stop()

        import psycopg

        with psycopg.connect(settings.database_url) as conn:
            duplicates = conn.execute(
                "SELECT email_key, count(*) FROM clients GROUP BY email_key HAVING count(*) > 1"
            ).fetchall()
            total, distinct = conn.execute("SELECT count(*), count(DISTINCT email_key) FROM clients").fetchone()
        assert duplicates == []
        assert (total, distinct) == (VALID_ROWS, VALID_ROWS)


def _diagnostics(settings: Settings, workers: WorkerGroup, sweep: RecoverySweep) -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = {key.decode(): client.type(key).decode() for key in client.scan_iter(f"{settings.queue_prefix}*")}
        sizes = {key: (client.llen(key) if kind == "list" else client.scard(key) if kind == "set"
                       else client.hlen(key) if kind == "hash" else client.zcard(key) if kind == "zset" else "?")
                 for key, kind in keys.items()}
    finally:
        client.close()
    return (f"worker alive {workers.alive()}, sweep resumes {sweep.resumes}, redis {sizes}; "
            f"the workers' output ends with:\n{workers.output_tail()}")


class _Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return 1


def test_the_sweep_resumes_a_stalled_import_once_per_stall(tmp_path: Path):
    """An import left VALIDATING (nobody works: no worker runs) is resumed once it has been
    idle for an interval, and not again for the same stall."""
    settings = Settings(data_dir=tmp_path / "data")
    with TestClient(create_app(settings, run_worker=False)) as client:
        db = client.app.state.services.db
        token = issue_token(db).token
        data_of(upload(client, client_csv(3), token=token))

        now = datetime.now(UTC)
        resume = _Counter()
        fresh = RecoverySweep(db, resume, interval=60, clock=lambda: now)
        assert not fresh.sweep_once() and resume.calls == 0  # it moved a moment ago

        later = RecoverySweep(db, resume, interval=60, clock=lambda: now + timedelta(seconds=120))
        assert later.sweep_once() and resume.calls == 1
        assert not later.sweep_once() and resume.calls == 1  # the same stall: not again yet


def test_the_sweep_interval_setting():
    assert sweep_seconds_from_env({}) == 60
    assert sweep_seconds_from_env({"IMPORTER_SWEEP_SECONDS": "2.5"}) == 2.5
    assert sweep_seconds_from_env({"IMPORTER_SWEEP_SECONDS": "0"}) == 0

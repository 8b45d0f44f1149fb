"""Faults in the production topology: workers killed mid-import lose nothing and write
nothing twice; the recovery sweep picks up work the dead workers took with them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.settings import Settings
from graph.app import create_app
from tests.faults import STORAGES, ImportUnderTest, fault_csv, held_import, start_import
from tests.helpers import client_csv, data_of, upload
from tests.processes import REDIS_URL, WorkerGroup, redis_production, wait_for, worker_group
from workers.sweep import RecoverySweep, sweep_seconds_from_env

KILLS = 3
VALID_ROWS = 3000
INVALID_ROWS = 7


@pytest.mark.timeout(420)
@pytest.mark.parametrize("upload_storage", STORAGES)
def test_killing_the_workers_mid_import_loses_nothing_and_duplicates_nothing(tmp_path: Path, upload_storage: str):
    with redis_production(tmp_path, chunk_size=50, upload_storage=upload_storage) as settings:
        with worker_group(settings, processes=1, threads=2, log=tmp_path / "workers.log") as workers:
            with TestClient(create_app(settings, sweep_seconds=2)) as client:
                sweep = client.app.state.sweep
                run = start_import(client, valid=VALID_ROWS, invalid=INVALID_ROWS)
                seen_at_kills = _kill_repeatedly(run, workers, settings.database_url,
                                                 diagnostics=lambda: _diagnostics(settings, workers, sweep))
                # Bounded: if it never finishes, say what the queue and the sweep looked like.
                final = run.wait_until_finished(what=lambda: f"({_diagnostics(settings, workers, sweep)})")
                sweeps = sweep.resumes
        print(f"\nkilled {KILLS} times at importedRows {seen_at_kills}; worker starts {workers.starts}; "
              f"recovery sweeps {sweeps}; final {final['status']} {final['importedRows']}/{VALID_ROWS}")
        run.assert_finished_exactly_once(final, settings.database_url)
        # The messages a dead worker had fetched come back through the Redis broker's own
        # requeue of dead consumers or through the sweep, whichever is first: the number of
        # sweeps is reported, not asserted (held_mid_import holds each kill mid-import).


def _kill_repeatedly(run: ImportUnderTest, workers: WorkerGroup, database_url: str, *,
                     diagnostics: Callable[[], str]) -> list[int]:
    """SIGKILL the workers KILLS times, each once more rows are in and a chunk is under way
    (the import held there), restarting them each time."""
    seen_at_kills: list[int] = []
    for _ in range(KILLS):
        past = seen_at_kills[-1] if seen_at_kills else 0
        kill = len(seen_at_kills) + 1
        with run.held_mid_import(database_url, past=past, what=lambda: f"before kill {kill} ({diagnostics()})") as held:  # noqa: B023 - used in this turn
            workers.kill()
            seen_at_kills.append(held.imported_rows)
        workers.start()
    return seen_at_kills


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


@pytest.mark.timeout(300)
@pytest.mark.parametrize("upload_storage", STORAGES)
def test_killing_the_workers_mid_validation_loses_no_row_and_doubles_none(tmp_path: Path, upload_storage: str):
    """Validation reads the file (from the data directory, or from the database in chunks) and
    stores its rows in batches. The workers are killed while it waits to write, part of the
    file read; new workers (the recovery sweep re-enqueues it) read the file again and store
    each row once."""
    with redis_production(tmp_path, chunk_size=50, upload_storage=upload_storage) as settings:
        workers = WorkerGroup(settings, processes=1, threads=2, log=tmp_path / "workers.log")
        with TestClient(create_app(settings, sweep_seconds=2)) as client:
            run = ImportUnderTest(client, issue_token(client.app.state.services.db).token, valid=VALID_ROWS,
                                  invalid=INVALID_ROWS)
            run.id = data_of(upload(client, fault_csv(VALID_ROWS, INVALID_ROWS), token=run.token))["createImport"]["id"]
            try:
                with held_import(settings.database_url, run.id) as held:  # before validation writes anything
                    workers.start()
                    held.wait_for_a_chunk()  # validation is under way, waiting to write
                    workers.kill()
                workers.start()
                final = wait_for(run.counts, lambda state: state["status"] != "VALIDATING", timeout=120,
                                 what=lambda: f"validation to end (workers:\n{workers.output_tail()})")
            finally:
                workers.stop()
        rows, numbers = _stored_rows(settings.database_url, run.id)
    assert (final["status"], final["totalRows"], final["failedValidationRows"]) == \
        ("VALIDATED", VALID_ROWS + INVALID_ROWS, INVALID_ROWS), final
    assert rows == numbers == VALID_ROWS + INVALID_ROWS


def _stored_rows(database_url: str, import_id: str) -> tuple[int, int]:
    """(rows stored for the import, distinct row numbers among them), read from PostgreSQL."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*), count(DISTINCT row_number) FROM import_rows WHERE import_id = %s",
                            (import_id,)).fetchone()


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

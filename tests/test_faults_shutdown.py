"""Graceful shutdown: SIGTERM to `importer worker` mid-import. It takes no new message from
then on, finishes the chunk under way, hands the messages it had fetched back to the broker
and exits within its shutdown timeout. Nothing is half-written, lost or doubled: with the
recovery sweep off, a new worker finishes the import from what is still queued. With no
time to finish (`--shutdown-timeout 0`) the chunk under way is abandoned, rolled back and
done again.

The import is held where the test needs it, not raced: a transaction of the test's own
locks the import's row, so the chunks under way wait at their last step and none can
commit until the test lets them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from starlette.testclient import TestClient

from domain.settings import Settings
from graph.app import create_app
from tests.faults import STORAGES, HeldImport, ImportUnderTest, held_import, start_import
from tests.processes import WorkerGroup, redis_production, worker_group

VALID_ROWS = 3000
INVALID_ROWS = 7
CHUNK_SIZE = 50
THREADS = 2
# importer worker's --shutdown-timeout default is 30 s; a 50-row chunk takes well under that.
EXIT_BOUND_SECONDS = 40
# What the worker logs when the signal arrives (workers/stopping.py).
STOPPED_TAKING = "SIGTERM: no new messages are taken"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("upload_storage", STORAGES)
def test_sigterm_stops_a_worker_mid_import_without_losing_or_doubling_a_row(tmp_path: Path, upload_storage: str):
    """The worker says it takes no new messages; the chunk under way, let go, is finished and
    nothing after it: the worker exits with 0 having imported at most one more chunk per
    thread. No recovery sweep: what the worker had fetched must be back in the queue."""
    with _sigterm_while_a_chunk_is_held(tmp_path, upload_storage, shutdown_timeout=None, sweep_seconds=0) as stop:
        stop.held.release()
        stopped = stop.exited(stop.workers.wait(EXIT_BOUND_SECONDS))
        held = stop.held.imported_rows
        assert held < stopped["importedRows"] <= held + THREADS * CHUNK_SIZE, \
            f"held at {held}, the worker stopped at {stopped['importedRows']}:\n{stop.workers.output_tail()}"
        stop.finish_on_new_workers()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("upload_storage", STORAGES)
def test_sigterm_with_no_time_to_finish_leaves_the_chunk_to_be_done_again(tmp_path: Path, upload_storage: str):
    """The worker exits while its chunk still waits: the chunk is rolled back, and the
    broker (or the sweep) hands its message out again, since it was never acknowledged."""
    with _sigterm_while_a_chunk_is_held(tmp_path, upload_storage, shutdown_timeout=0, sweep_seconds=2) as stop:
        code = stop.workers.wait(EXIT_BOUND_SECONDS)
        stop.held.release()
        stopped = stop.exited(code)
        assert stopped["importedRows"] == stop.held.imported_rows
        stop.finish_on_new_workers()


@dataclass
class Stop:
    """A worker group sent SIGTERM while `run` is held with a chunk under way."""

    settings: Settings
    workers: WorkerGroup
    run: ImportUnderTest
    held: HeldImport

    def exited(self, code: int) -> dict:
        """Asserts the worker exited with 0 leaving the import under way, the counters agreeing
        with the rows marked imported and the records written; the import's counts."""
        assert code == 0, f"exit code {code}:\n{self.workers.output_tail()}"
        stopped = self.run.counts()
        assert stopped["status"] == "IMPORTING", stopped
        assert _records(self.settings.database_url, self.run.id) == (stopped["importedRows"],) * 2
        return stopped

    def finish_on_new_workers(self) -> None:
        """Workers started again finish the import, every row exactly once."""
        self.workers.start()
        final = self.run.wait_until_finished(what=lambda: f"(workers:\n{self.workers.output_tail()})")
        self.run.assert_finished_exactly_once(final, self.settings.database_url)


@contextmanager
def _sigterm_while_a_chunk_is_held(tmp_path: Path, upload_storage: str, *, shutdown_timeout: float | None,
                                   sweep_seconds: float) -> Iterator[Stop]:
    """A started import held (its counters cannot move) with a chunk under way, then SIGTERM
    to the workers, once they have said that they take no new messages."""
    with redis_production(tmp_path, chunk_size=CHUNK_SIZE, upload_storage=upload_storage) as settings:
        with worker_group(settings, processes=1, threads=THREADS, log=tmp_path / "workers.log",
                          shutdown_timeout=shutdown_timeout) as workers:
            with TestClient(create_app(settings, sweep_seconds=sweep_seconds)) as client:
                run = start_import(client, valid=VALID_ROWS, invalid=INVALID_ROWS)
                with held_import(settings.database_url, run.id) as held:
                    assert held.status == "importing" and held.imported_rows < VALID_ROWS, \
                        f"the import was {held.status} with {held.imported_rows} rows imported when held"
                    held.wait_for_a_chunk()
                    workers.terminate()
                    workers.wait_for_output(STOPPED_TAKING)
                    yield Stop(settings, workers, run, held)
    print(f"\nSIGTERM (shutdown timeout {shutdown_timeout}) with the import held at importedRows "
          f"{held.imported_rows}")


def _records(database_url: str, import_id: str) -> tuple[int, int]:
    """(records written by the import, its rows marked imported)."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM clients WHERE import_id = %(id)s),"
            " (SELECT count(*) FROM import_rows WHERE import_id = %(id)s AND status = 'imported')",
            {"id": import_id}).fetchone()

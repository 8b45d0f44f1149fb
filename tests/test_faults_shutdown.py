"""Graceful shutdown: SIGTERM to `importer worker` mid-import. It stops fetching, finishes
the chunk under way, hands the messages it had fetched back to the broker and exits within
its shutdown timeout. Nothing is half-written, lost or doubled: with the recovery sweep off,
a new worker finishes the import from what is still queued. With no time to finish
(`--shutdown-timeout 0`) the chunk under way is abandoned, rolled back and done again."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from starlette.testclient import TestClient

from graph.app import create_app
from tests.faults import start_import
from tests.processes import redis_production, worker_group

VALID_ROWS = 3000
INVALID_ROWS = 7
CHUNK_SIZE = 50
# importer worker's --shutdown-timeout default is 30 s; a 50-row chunk takes well under that.
EXIT_BOUND_SECONDS = 40


def _records(database_url: str, import_id: str) -> tuple[int, int]:
    """(records written by the import, its rows marked imported)."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM clients WHERE import_id = %(id)s),"
            " (SELECT count(*) FROM import_rows WHERE import_id = %(id)s AND status = 'imported')",
            {"id": import_id}).fetchone()


@pytest.mark.timeout(300)
def test_sigterm_stops_a_worker_mid_import_without_losing_or_doubling_a_row(tmp_path: Path):
    # No recovery sweep: whatever the stopped worker had fetched must be back in the queue.
    _stop_mid_import(tmp_path, shutdown_timeout=None, sweep_seconds=0)


@pytest.mark.timeout(300)
def test_sigterm_with_no_time_to_finish_leaves_the_chunk_to_be_done_again(tmp_path: Path):
    # A chunk abandoned mid-way is not acknowledged: the broker (or the sweep) hands it out again.
    _stop_mid_import(tmp_path, shutdown_timeout=0, sweep_seconds=2)


def _stop_mid_import(tmp_path: Path, *, shutdown_timeout: float | None, sweep_seconds: float) -> None:
    with redis_production(tmp_path, chunk_size=CHUNK_SIZE) as settings:
        with worker_group(settings, processes=1, threads=2, log=tmp_path / "workers.log",
                          shutdown_timeout=shutdown_timeout) as workers:
            with TestClient(create_app(settings, sweep_seconds=sweep_seconds)) as client:
                run = start_import(client, valid=VALID_ROWS, invalid=INVALID_ROWS)
                at_term = run.wait_for_progress()["importedRows"]

                code = workers.stop(timeout=EXIT_BOUND_SECONDS)  # SIGTERM; SIGKILL (-9) if it overstays
                assert code == 0, f"exit code {code}:\n{workers.output_tail()}"
                stopped = run.counts()
                assert stopped["status"] == "IMPORTING"
                # Nothing half-written: the counter, the rows marked imported and the records agree.
                assert _records(settings.database_url, run.id) == (stopped["importedRows"],) * 2

                workers.start()
                final = run.wait_until_finished(what=lambda: f"(workers:\n{workers.output_tail()})")
        print(f"\nSIGTERM (shutdown timeout {shutdown_timeout}) at importedRows {at_term}; "
              f"the worker exited with code {code} having imported "
              f"{stopped['importedRows']}; final {final['status']} {final['importedRows']}/{VALID_ROWS}")
        run.assert_finished_exactly_once(final, settings.database_url)

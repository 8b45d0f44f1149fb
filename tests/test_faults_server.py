"""The server restarted mid-import: `importer serve` is killed (SIGKILL) and started again on
the same port while `importer worker` processes import. A real graphql-ws client (npm
graphql-ws, tests/node/follow.mjs) reconnects by itself, resubscribes, and sees the import
finish; every valid row is imported exactly once."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import httpx2 as httpx
import pytest

from domain.accounts.auth import issue_token
from domain.db import Database
from domain.settings import Settings
from tests.faults import STORAGES, ImportUnderTest
from tests.processes import (ServerProcess, WorkerGroup, redis_production, require_program, skip_or_fail,
                             wait_for)

NODE_DIR = Path(__file__).parent / "node"
VALID_ROWS = 4000
INVALID_ROWS = 7


class Follower:
    """tests/node/follow.mjs in the background; its JSON lines collected as they come."""

    def __init__(self, websocket_url: str, token: str, import_id: str) -> None:
        node = require_program("node")
        if not (NODE_DIR / "node_modules" / "graphql-ws" / "package.json").exists():
            skip_or_fail("tests/node/node_modules is missing; run `npm ci --prefix tests/node` (install.sh does)")
        self.lines: list[dict] = []
        self.process = subprocess.Popen([node, str(NODE_DIR / "follow.mjs"), websocket_url, token, import_id],
                                        cwd=NODE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(json.loads(line))

    def connections(self) -> int:
        return sum(1 for line in self.lines if "connected" in line)

    def states(self, *, after_connection: int = 1) -> list[dict]:
        """The states received on connection `after_connection` and later."""
        seen, states = 0, []
        for line in list(self.lines):
            seen += "connected" in line
            if "state" in line and seen >= after_connection:
                states.append(line["state"])
        return states

    def finish(self, timeout: float) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._reader.join(timeout=10)
        return code

    def errors(self) -> str:
        return self.process.stderr.read() if self.process.poll() is not None else ""


def _token(settings: Settings) -> str:
    db = Database(settings.effective_database_url)
    try:
        return issue_token(db).token
    finally:
        db.dispose()


@pytest.mark.timeout(420)
@pytest.mark.parametrize("upload_storage", STORAGES)
def test_restarting_the_server_mid_import_the_subscription_reconnects_and_sees_it_finish(tmp_path: Path,
                                                                                        upload_storage: str):
    with redis_production(tmp_path, chunk_size=25, upload_storage=upload_storage) as settings:
        token = _token(settings)
        server = ServerProcess(settings, log=tmp_path / "server.log")
        workers = WorkerGroup(settings, processes=1, threads=2, log=tmp_path / "workers.log")
        server.start()
        workers.start()
        follower = None
        try:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                run = ImportUnderTest(client, token, valid=VALID_ROWS, invalid=INVALID_ROWS)
                run.upload_and_validate()
                run.start()
                follower = Follower(server.url.replace("http://", "ws://") + "/graphql", token, run.id)
                wait_for(follower.states, lambda states: any(s["importedRows"] > 0 for s in states), timeout=60,
                         what="the subscription to show rows imported")
                with run.held_mid_import(settings.database_url) as held:
                    at_kill = held.imported_rows
                    server.kill()
                server.start()
                wait_for(follower.connections, lambda count: count >= 2, timeout=60,
                         what=lambda: f"the client to reconnect ({follower.lines[-3:]}; {follower.errors()})")
                code = follower.finish(timeout=180)
                assert code == 0, follower.errors()
                final = run.counts()
        finally:
            if follower is not None and follower.process.poll() is None:
                follower.process.kill()
            workers.stop()
            server.terminate()

        after_restart = follower.states(after_connection=2)
        print(f"\nserver killed at importedRows {at_kill}; client connections {follower.connections()}; "
              f"{len(after_restart)} states after reconnecting, from {after_restart[0]['status']} "
              f"{after_restart[0]['importedRows']} to {after_restart[-1]['status']} {after_restart[-1]['importedRows']}")
        assert after_restart[-1] == {"status": "IMPORTED", "totalRows": VALID_ROWS + INVALID_ROWS,
                                     "importedRows": VALID_ROWS, "failedImportRows": 0,
                                     "failedValidationRows": INVALID_ROWS}
        run.assert_finished_exactly_once(final, settings.database_url)

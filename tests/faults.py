"""What every fault test does around its fault: an import of known rows through the real
API, and the check, in the database, that every valid row was imported exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx2 as httpx

from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from tests.helpers import Subscription, client_csv, data_of, gql, start, upload
from tests.processes import wait_for

if TYPE_CHECKING:
    import psycopg

# Every fault test runs with the uploads in the data directory and in the database (then each
# process has a data directory of its own: tests/processes.py, own_data_dir).
STORAGES = ("directory", "database")
COUNTS = "query($id: ID!) { import(id: $id) { status totalRows importedRows failedValidationRows failedImportRows } }"


def fault_csv(valid: int, invalid: int) -> bytes:
    """`valid` client rows (rows 2..valid+1), then `invalid` rows with a bad email."""
    bad = "".join(f"Bad{i},Row,not-an-email-{i},,,,\n" for i in range(invalid))
    return client_csv(valid) + bad.encode()


class ImportUnderTest:
    """One import driven through GraphQL on `client` (a TestClient or an httpx.Client with
    the server's base_url)."""

    def __init__(self, client: httpx.Client, token: str, *, valid: int, invalid: int) -> None:
        self.client = client
        self.token = token
        self.valid = valid
        self.invalid = invalid
        self.id = ""

    def counts(self) -> dict:
        return data_of(gql(self.client, COUNTS, {"id": self.id}, token=self.token))["import"]

    def upload_and_validate(self, *, timeout: float = 120) -> None:
        created = upload(self.client, fault_csv(self.valid, self.invalid), token=self.token)
        self.id = data_of(created)["createImport"]["id"]
        state = wait_for(self.counts, lambda s: s["status"] != "VALIDATING", timeout=timeout, every=0.2,
                         what="validation")
        assert (state["status"], state["totalRows"], state["failedValidationRows"]) == \
            ("VALIDATED", self.valid + self.invalid, self.invalid), state

    def start(self) -> None:
        data_of(start(self.client, self.token, self.id))

    def wait_for_progress(self, *, past: int = 0, timeout: float = 60, what: Callable[[], str] = lambda: "") -> dict:
        """Until importedRows passes `past`; asserts the import is still under way then."""
        state = wait_for(self.counts, lambda s: s["importedRows"] > past or s["status"] != "IMPORTING",
                         timeout=timeout, every=0.05, what=lambda: f"importedRows to pass {past} {what()}")
        assert state["status"] == "IMPORTING" and state["importedRows"] < self.valid, \
            f"the import finished before the fault: {state}"
        return state

    @contextmanager
    def held_mid_import(self, database_url: str, *, past: int = 0,
                        what: Callable[[], str] = lambda: "") -> Iterator[HeldImport]:
        """Once importedRows passes `past`, the import held there (held_import) with a chunk
        under way: a fault made inside the block hits an import that is surely mid-way, whatever
        the machine's speed. Leaving the block lets it go on."""
        self.wait_for_progress(past=past, what=what)
        with held_import(database_url, self.id) as held:
            assert held.status == "importing" and past < held.imported_rows < self.valid, \
                f"the import is not mid-way: {held.status} {held.imported_rows}/{self.valid}"
            held.wait_for_a_chunk()
            yield held

    def wait_until_finished(self, *, timeout: float = 180, what: Callable[[], str] = lambda: "") -> dict:
        return wait_for(self.counts, lambda s: s["status"] != "IMPORTING", timeout=timeout, every=0.2,
                        what=lambda: f"the import to finish {what()}")

    def assert_finished_exactly_once(self, final: dict, database_url: str) -> None:
        """The counters, then the database: every valid row's record exists exactly once, and no other."""
        assert (final["status"], final["importedRows"], final["failedImportRows"], final["failedValidationRows"]) \
            == ("IMPORTED", self.valid, 0, self.invalid), final
        assert_imported_exactly_once(database_url, self.id, valid=self.valid, invalid=self.invalid)


def start_import(client: TestClient, *, valid: int, invalid: int) -> ImportUnderTest:
    """A new token, then an import of `valid` and `invalid` rows uploaded, validated and started;
    the token is `run.token`."""
    run = ImportUnderTest(client, issue_token(client.app.state.services.db).token, valid=valid, invalid=invalid)
    run.upload_and_validate()
    run.start()
    return run


class HeldImport:
    """An import's row, locked (FOR UPDATE) by a transaction of the test's own (`held_import`):
    a chunk's records refer to that row and the chunk ends by updating it, so while it is
    held a chunk under way waits, none can commit and the import stays where it is.
    `status` and `imported_rows` are the import's, as held."""

    def __init__(self, conn: psycopg.Connection, database_url: str, import_id: str) -> None:
        self.conn = conn
        self.database_url = database_url
        status, imported_rows = conn.execute(
            "SELECT status, imported_rows FROM imports WHERE id = %s FOR UPDATE", (import_id,)).fetchone()
        self.status: str = status
        self.imported_rows: int = imported_rows

    def waiting(self) -> int:
        """How many other transactions wait for the held row (chunks under way)."""
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                                (self.conn.info.backend_pid,)).fetchone()[0]

    def wait_for_a_chunk(self, *, timeout: float = 60) -> None:
        """Until a chunk waits for the held row: it is under way, and cannot finish."""
        wait_for(self.waiting, lambda waiting: waiting > 0, timeout=timeout, every=0.02,
                 what="a chunk to wait for the held import")

    def release(self) -> None:
        """Ends the holding transaction: the chunks waiting go on."""
        self.conn.rollback()


@contextmanager
def held_import(database_url: str, import_id: str) -> Iterator[HeldImport]:
    """The import held where it is (see HeldImport) until `release()` or the end of the block."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        try:
            yield HeldImport(conn, database_url, import_id)
        finally:
            conn.rollback()


def assert_imported_exactly_once(database_url: str, import_id: str, *, valid: int, invalid: int) -> None:
    """Read from PostgreSQL directly: the records the import wrote are exactly rows 2..valid+1,
    once each, with the expected emails; the rows say so too; nothing else was written."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        written = [row for row, in conn.execute(
            "SELECT import_row FROM clients WHERE import_id = %s ORDER BY import_row", (import_id,))]
        emails = {email for email, in conn.execute("SELECT email_key FROM clients WHERE import_id = %s", (import_id,))}
        all_clients = conn.execute("SELECT count(*) FROM clients").fetchone()[0]
        row_statuses = dict(conn.execute(
            "SELECT status, count(*) FROM import_rows WHERE import_id = %s GROUP BY status", (import_id,)).fetchall())
    assert written == list(range(2, valid + 2)), _difference(written, valid)
    assert emails == {f"person{i}@example.com" for i in range(valid)}
    assert all_clients == valid
    assert row_statuses == {"imported": valid, "invalid": invalid}


def _difference(written: list[int], valid: int) -> str:
    expected = set(range(2, valid + 2))
    doubled = sorted(row for row, times in Counter(written).items() if times > 1)
    return f"{len(written)} records; missing rows {sorted(expected - set(written))[:20]}, doubled rows {doubled[:20]}"


def subscribe_while_importing(client: TestClient, token: str, import_id: str) -> Subscription:
    """An importProgress subscription, once it has sent the first state (IMPORTING)."""
    subscription = Subscription(client, token, import_id)
    first = subscription.ws.receive_json()
    assert first["payload"]["data"]["importProgress"]["status"] == "IMPORTING", first
    return subscription


def assert_subscription_saw_it_finish(subscription: Subscription) -> None:
    """The subscription went on to the end with no error: its last state is IMPORTED."""
    messages = subscription.messages()
    subscription.close()
    assert [m["type"] for m in messages[-2:]] == ["next", "complete"], messages[-2:]
    assert "errors" not in messages[-2]["payload"], messages[-2]
    assert messages[-2]["payload"]["data"]["importProgress"]["status"] == "IMPORTED", messages[-2]

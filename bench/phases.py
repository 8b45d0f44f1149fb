"""The domain's phases in one process and one thread, without server or broker: for
measuring a change to validation or writing on a busy machine (CPU seconds move less
with other people's load than wall seconds).

    .venv/bin/python bench/phases.py --rows 100000 [--database-url URL] [--chunk-size N] [--profile]

Uses the same seeded file as bench/run.py; the queue is a list drained in order.
"""

from __future__ import annotations

import os
import argparse
import cProfile
import pstats
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.data import write_clients_csv
from domain.accounts.auth import Principal, authenticate, issue_token
from domain.db import Database
from domain.models import Import, ImportMode
from domain.ports import ListQueue, NoProgressPublisher
from domain.pipeline.processing import Processor
from domain.services import ImportService, Upload
from domain.settings import Settings


PROFILE_SORT = os.environ.get("PHASES_PROFILE_SORT", "tottime")


class StatementTimes:
    """Wall seconds per SQL statement (its first 90 characters), from the engine's events."""

    def __init__(self, engine: Engine) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        conn.info["statement_began"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        key = " ".join(statement.split())[:90]
        self.seconds[key] += time.perf_counter() - conn.info.pop("statement_began")
        self.calls[key] += 1

    def report(self) -> None:
        for key, seconds in self.seconds.most_common(8):
            print(f"    {seconds:6.2f} s  {self.calls[key]:6} x  {key}")
        self.seconds.clear()
        self.calls.clear()


def measure(name: str, fn: Callable[[], object], profile: bool, statements: StatementTimes | None = None) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    fn()
    if profiler:
        profiler.disable()
    print(f"{name:<9} wall {time.perf_counter() - wall:7.2f} s   cpu {time.process_time() - cpu:7.2f} s", flush=True)
    if profiler:
        pstats.Stats(profiler).sort_stats(PROFILE_SORT).print_stats(25)
    if statements:
        statements.report()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temp dir)")
    parser.add_argument("--chunk-size", type=int, default=Settings().chunk_size)
    parser.add_argument("--profile", action="store_true",
                        help="cProfile each phase (PHASES_PROFILE_SORT=cumulative sorts by cumulative time)")
    parser.add_argument("--statements", action="store_true", help="the SQL statements that took longest in each phase")
    parser.add_argument("--mode", choices=["store", "update", "upsert"], default=ImportMode.STORE.value,
                        help="the measured import's mode; UPDATE and UPSERT first store the same file's records "
                             "(not measured), so every valid row finds its record")
    parser.add_argument("--references", action="store_true",
                        help="a customer_id column too, mapped to the external reference (a second match key)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="importer-phases-"))
    csv_path = tmp / "clients.csv"
    write_clients_csv(csv_path, args.rows, references=args.references)
    settings = Settings(data_dir=tmp, database_url=args.database_url, chunk_size=args.chunk_size,
                        max_upload_bytes=2**40)
    db = Database(settings.effective_database_url)
    db.migrate()
    statements = StatementTimes(db.engine) if args.statements else None
    principal = authenticate(db, f"Bearer {issue_token(db, organisation=f'bench-{uuid.uuid4().hex[:8]}').token}")
    queue = ListQueue()
    queue.worker = Processor(db, settings, queue=queue, publisher=NoProgressPublisher())
    service = ImportService(db, settings, queue=queue, publisher=NoProgressPublisher())
    mode = ImportMode(args.mode)
    if mode is not ImportMode.STORE:
        seed = upload(service, principal, csv_path, ImportMode.STORE)
        queue.drain()
        service.start_import(principal, seed.id)
        queue.drain()
        print(f"seeded: the file stored as records; {mode.value} of the same file next", flush=True)
    record = upload(service, principal, csv_path, mode)
    measure("validate", queue.drain, args.profile, statements)
    measure("import", lambda: (service.start_import(principal, record.id), queue.drain()), args.profile, statements)
    with db.read() as session:
        done = session.get(Import, record.id)
        print(f"          rows {done.total_rows}, invalid {done.failed_validation_rows}, imported {done.imported_rows}, "
              f"failed at import {done.failed_import_rows}", flush=True)
    measure("rollback", lambda: (service.rollback_import(principal, record.id), queue.drain()), args.profile,
            statements)
    db.dispose()
    print(f"data in {tmp}")


def upload(service: ImportService, principal: Principal, path: Path, mode: ImportMode) -> Import:
    with path.open("rb") as stream:
        return service.create_import(principal, type_name="client", mode=mode, upload=Upload("clients.csv", stream))


if __name__ == "__main__":
    main()

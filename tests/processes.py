"""`importer worker` as a separate process group, and the production settings around it
(PostgreSQL + Redis, unique database and queue prefix, cleaned up afterwards)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from domain.db import Database
from domain.settings import Settings
from tests.services import clean_redis, postgres_database, require, unique_prefix

ROOT = Path(__file__).parent.parent
REDIS_URL = "redis://127.0.0.1:6379/0"
T = TypeVar("T")


@contextmanager
def redis_production(tmp_path: Path, *, chunk_size: int) -> Iterator[Settings]:
    """Settings for PostgreSQL (migrated) and the Redis broker, unique to this test."""
    require("Redis")
    prefix = unique_prefix()
    with postgres_database() as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url, broker_url=REDIS_URL,
                            queue_prefix=prefix, chunk_size=chunk_size)
        db = Database(settings.effective_database_url)
        db.migrate()
        db.dispose()
        try:
            yield settings
        finally:
            clean_redis(prefix)


class WorkerGroup:
    """`importer worker` in a session of its own: it execs dramatiq, which forks worker
    processes, so stopping it means signalling the whole process group."""

    def __init__(self, settings: Settings, *, processes: int = 1, threads: int = 2, log: Path | None = None) -> None:
        self.env = os.environ | {
            "DATABASE_URL": settings.database_url, "BROKER_URL": settings.broker_url,
            "IMPORTER_QUEUE_PREFIX": settings.queue_prefix, "IMPORTER_DATA_DIR": str(settings.data_dir),
            "IMPORTER_CHUNK_SIZE": str(settings.chunk_size),
        }
        self.command = [str(Path(sys.executable).parent / "importer"), "worker",
                        "--processes", str(processes), "--threads", str(threads)]
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.log = log  # the workers' output goes there (appended across restarts)

    def start(self) -> None:
        assert self.process is None, "already running"
        if self.log is None:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, start_new_session=True,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            with self.log.open("ab") as output:
                self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, start_new_session=True,
                                                stdout=output, stderr=subprocess.STDOUT)
        self.starts += 1

    def output_tail(self, characters: int = 3000) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return self.log.read_text(errors="replace")[-characters:]

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to every process of the group: no clean-up, messages in flight are lost."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM (dramatiq finishes what it is doing), SIGKILL after 30 s."""
        self._signal(signal.SIGTERM, timeout=30)

    def _signal(self, signum: int, timeout: float = 10) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # Children of the group may outlive the leader for a moment; make sure none are left.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@contextmanager
def worker_group(settings: Settings, **options: int) -> Iterator[WorkerGroup]:
    group = WorkerGroup(settings, **options)
    group.start()
    try:
        yield group
    finally:
        group.stop()


def wait_for(observe: Callable[[], T], done: Callable[[T], bool], *, timeout: float,
             what: str | Callable[[], str], every: float = 0.02) -> T:
    """Poll `observe()` until `done(value)`, at most `timeout` seconds; the last value.
    `what` (or what it returns, computed only on failure) describes the wait."""
    deadline = time.monotonic() + timeout
    while True:
        value = observe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout} s waiting for {described}; last seen {value!r}")
        time.sleep(every)

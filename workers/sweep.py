"""The recovery sweep: re-enqueues the work of imports that stopped moving.

A worker killed mid-import (SIGKILL, a lost machine) takes the messages it had fetched
with it; Redis hands them out again only once the dead worker's heartbeat has expired and
maintenance happens to run, and some brokers never do. The database knows better: an
import in a working state whose `updated_at` has not moved for a whole interval has no
live work. Then the sweep calls the domain's `resume_unfinished()`, which enqueues again
every step still to do; steps are idempotent, so work already done is a no-op.

An import waiting for one of its organisation's slots has no work to do and is no stall.
Every interval, the sweep also gives waiting imports a slot where their organisation has
one free (its limit was raised, or the promotion that ends a running import was lost).

A given stall is resumed once; if the import still does not move, again only after
RETRY_INTERVALS intervals (so a long worker outage does not fill the queue).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from dramatiq.errors import BrokerConnectionError

from domain.db import Database, is_outage
from domain.models import Import
from domain.status import WORKING

log = logging.getLogger(__name__)

DEFAULT_SWEEP_SECONDS = 60.0
RETRY_INTERVALS = 10


def sweep_seconds_from_env(environ: dict[str, str] | None = None) -> float:
    """IMPORTER_SWEEP_SECONDS (default 60); 0 turns the sweep off."""
    env = os.environ if environ is None else environ
    value = float(env.get("IMPORTER_SWEEP_SECONDS", DEFAULT_SWEEP_SECONDS))
    if value < 0:
        raise ValueError("IMPORTER_SWEEP_SECONDS must be 0 (off) or a positive number of seconds")
    return value


class RecoverySweep:
    """Every `interval` seconds, gives waiting imports the slots free (`promote`) and
    resumes imports idle for longer than `interval`."""

    def __init__(self, db: Database, resume: Callable[[], int], *, interval: float,
                 promote: Callable[[], int] = lambda: 0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db = db
        self.resume = resume
        self.promote = promote
        self.interval = interval
        self.clock = clock
        self.resumes = 0  # how many times resume() was called (for tests and logs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._resumed_stalls: set[tuple[uuid.UUID, datetime]] = set()
        self._last_resume = 0.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="importer-recovery-sweep", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.promote_waiting()
                self.sweep_once()
            except Exception as error:  # the next sweep tries again
                if is_outage(error) or isinstance(error, BrokerConnectionError):
                    log.warning("recovery sweep: %s unavailable (%s); trying again in %.0f s",
                                "database" if is_outage(error) else "broker", type(error).__name__, self.interval)
                else:
                    log.exception("recovery sweep failed; trying again in %.0f s", self.interval)

    def promote_waiting(self) -> int:
        promoted = self.promote()
        if promoted:
            log.info("recovery sweep: %d waiting import(s) took a free slot", promoted)
        return promoted

    def sweep_once(self) -> bool:
        """Resume if some import in a working state (not waiting for a slot) has stalled;
        True if it did."""
        stalls = self._stalled()
        if not stalls:
            self._resumed_stalls.clear()
            return False
        now = time.monotonic()
        new = stalls - self._resumed_stalls
        if not new and now - self._last_resume < self.interval * RETRY_INTERVALS:
            return False
        count = self.resume()
        self.resumes += 1
        self._resumed_stalls = stalls
        self._last_resume = now
        log.info("recovery sweep: %d import(s) idle for over %.0f s; re-enqueued the work of %d unfinished import(s)",
                 len(stalls), self.interval, count)
        return True

    def _stalled(self) -> set[tuple[uuid.UUID, datetime]]:
        cutoff = self.clock() - timedelta(seconds=self.interval)
        with self.db.read() as session:
            rows = session.exec(
                select(Import.id, Import.updated_at)
                .where(col(Import.status).in_([s.value for s in WORKING]), col(Import.queued_at).is_(None))
            ).all()
        return {(import_id, updated) for import_id, updated in rows if _aware(updated) < cutoff}


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

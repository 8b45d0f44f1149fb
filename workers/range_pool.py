"""Validation ranges in processes of their own, for the embedded server (no broker).

In-process worker threads share one interpreter: two ranges validated by two threads take
as long as one after the other, and the server answers slowly meanwhile. So the embedded
worker hands each range to a pool of child processes (one per worker thread, started when a
big file first needs them) and waits for it, telling watchers of the import's progress
while it waits. The child stores the range's rows; the thread that waited finishes the
validation when it was the last range, as a worker process would.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from domain.db import Database
from domain.heap import settle_after_start
from domain.pipeline.processing import Processor
from domain.ports import ListQueue, NoProgressPublisher, ProgressPublisher
from domain.settings import Settings

PUBLISH_SECONDS = 0.5  # how often watchers hear of a range's progress while a child stores it
CHILD_NICENESS = 5  # children yield the CPU to the server's own requests when cores are short


class RangePool:
    """Processing.RangeRunner that runs store_range in a child process."""

    def __init__(self, settings: Settings, publisher: ProgressPublisher) -> None:
        self.settings = settings
        self.publisher = publisher
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(self, import_id: uuid.UUID, run: int, first_row: int) -> bool:
        pool = self._executor()
        future = pool.submit(_store_range, self.settings, import_id, run, first_row)
        while True:
            try:
                return future.result(timeout=PUBLISH_SECONDS)
            except FutureTimeout:
                self.publisher.publish(import_id)
            except BrokenProcessPool:  # a child died (killed, out of memory): a new pool for the retry
                with self._lock:
                    if self._pool is pool:
                        self._pool = None
                raise

    def prepare(self) -> None:
        """Start the child processes now (they take a second or two), not when the first range comes."""
        pool = self._executor()
        for _ in range(max(1, self.settings.worker_threads)):
            pool.submit(_start, self.settings)

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn, not fork: the server's threads and connections must not be copied
                self._pool = ProcessPoolExecutor(max_workers=max(1, self.settings.worker_threads),
                                                 mp_context=multiprocessing.get_context("spawn"))
            return self._pool


_processor: Processor | None = None  # one per child process


def _store_range(settings: Settings, import_id: uuid.UUID, run: int, first_row: int) -> bool:
    return _warm(settings).store_range(import_id, run, first_row)


def _start(settings: Settings) -> None:
    _warm(settings)


def _warm(settings: Settings) -> Processor:
    global _processor
    if _processor is None:
        os.nice(CHILD_NICENESS)
        # Nothing queued from here: finishing is the parent's (store_range queues nothing).
        _processor = Processor(Database(settings.effective_database_url), settings, queue=ListQueue(),
                               publisher=NoProgressPublisher())
        settle_after_start()
    return _processor

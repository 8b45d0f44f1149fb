"""Wiring of the background side: database, broker, queue, processor and actors."""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq
from dramatiq import Worker

from domain.db import Database
from domain.ports import ProgressPublisher
from domain.pipeline.processing import Processor
from domain.settings import Settings
from domain.webhooks import WebhookSender, watch_status_changes
from workers.actors import Actors, declare_actors
from workers.broker import build_broker
from workers.queue import DramatiqQueue
from workers.range_pool import RangePool


@dataclass
class Runtime:
    settings: Settings
    db: Database
    broker: dramatiq.Broker
    queue: DramatiqQueue
    processor: Processor
    actors: Actors
    ranges: RangePool | None = None  # embedded: validation ranges in child processes

    def close(self) -> None:
        if self.ranges is not None:
            self.ranges.shutdown()

    @property
    def embedded(self) -> bool:
        """True when no broker is configured: the server's own process does the work."""
        return not self.settings.broker_url


def build_runtime(settings: Settings, db: Database, publisher: ProgressPublisher) -> Runtime:
    broker = build_broker(settings)
    queue = DramatiqQueue(broker, settings)
    ranges = None if settings.broker_url else RangePool(settings, publisher)
    processor = Processor(db, settings, queue=queue, publisher=publisher, range_runner=ranges)
    actors = declare_actors(broker, processor, WebhookSender(db, settings), queue_prefix=settings.queue_prefix)
    watch_status_changes(db, queue)  # every status change committed through db: its webhooks
    return Runtime(settings, db, broker, queue, processor, actors, ranges)


def start_worker(runtime: Runtime) -> Worker:
    """A Dramatiq worker in this process, consuming the project's queue."""
    worker = Worker(
        runtime.broker,
        queues={runtime.queue.queue_name},
        worker_threads=runtime.settings.worker_threads,
        worker_timeout=100,  # ms between idle polls: stops promptly on shutdown
    )
    worker.start()
    return worker

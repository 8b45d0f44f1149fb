"""What the domain asks of the outside world. `workers` and `graph` implement these."""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol


class TaskQueue(Protocol):
    """Enqueues background work. Messages carry ids and row ranges, never row data."""

    def validate(self, import_id: uuid.UUID) -> None: ...

    def validate_range(self, import_id: uuid.UUID, run: int, first_row: int) -> None: ...

    def import_chunk(self, import_id: uuid.UUID, first_row: int, last_row: int) -> None: ...

    def rollback_chunk(self, import_id: uuid.UUID, first_row: int, last_row: int) -> None: ...

    def import_next_chunk(self, import_id: uuid.UUID) -> None:
        """Import the next rows of the import that no one else is importing, then queue this again."""

    def rollback_next_chunk(self, import_id: uuid.UUID) -> None:
        """Roll back the next rows that no one else is rolling back, then queue this again."""


class WebhookQueue(Protocol):
    """Enqueues one webhook delivery: the event's JSON body, sent and retried in the background."""

    def deliver_webhook(self, webhook_id: uuid.UUID, import_id: uuid.UUID, event: str, body: str) -> None: ...


class ProgressPublisher(Protocol):
    """Tells watchers that an import changed; they re-read it from the database."""

    def publish(self, import_id: uuid.UUID) -> None: ...


class NoProgressPublisher:
    """For processes nobody watches directly: watchers fall back to polling."""

    def publish(self, import_id: uuid.UUID) -> None:
        return None


class ListQueue:
    """The TaskQueue port as a list of calls, run in order in this thread by `drain` (with
    what they queue): the background work without a broker, for tests and bench/phases.py."""

    def __init__(self) -> None:
        self.calls: deque[tuple[str, tuple[Any, ...]]] = deque()
        self.worker: Any = None  # the Processor the calls go to

    def __getattr__(self, name: str) -> Callable[..., None]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.calls.append((name, args))

    def run_next(self) -> None:
        name, args = self.calls.popleft()
        getattr(self.worker, name)(*args)

    def drain(self) -> int:
        done = 0
        while self.calls:
            self.run_next()
            done += 1
        return done

"""What the domain asks of the outside world. `workers` and `graph` implement these."""

from __future__ import annotations

import uuid
from typing import Protocol


class TaskQueue(Protocol):
    """Enqueues background work. Messages carry ids and row ranges, never row data."""

    def validate(self, import_id: uuid.UUID) -> None: ...

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

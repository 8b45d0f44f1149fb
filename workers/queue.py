"""The domain's TaskQueue and WebhookQueue ports, sending Dramatiq messages."""

from __future__ import annotations

import uuid

import dramatiq

from domain.settings import Settings


class DramatiqQueue:
    """Sends messages by actor name, so the sender needs no actor functions of its own."""

    def __init__(self, broker: dramatiq.Broker, settings: Settings) -> None:
        self.broker = broker
        self.queue_name = f"{settings.queue_prefix}-imports"
        broker.declare_queue(self.queue_name)

    def validate(self, import_id: uuid.UUID) -> None:
        self._send("validate_import", str(import_id))

    def import_chunk(self, import_id: uuid.UUID, first_row: int, last_row: int) -> None:
        self._send("import_chunk", str(import_id), first_row, last_row)

    def rollback_chunk(self, import_id: uuid.UUID, first_row: int, last_row: int) -> None:
        self._send("rollback_chunk", str(import_id), first_row, last_row)

    def import_next_chunk(self, import_id: uuid.UUID) -> None:
        self._send("import_next_chunk", str(import_id))

    def rollback_next_chunk(self, import_id: uuid.UUID) -> None:
        self._send("rollback_next_chunk", str(import_id))

    def deliver_webhook(self, webhook_id: uuid.UUID, import_id: uuid.UUID, event: str, body: str) -> None:
        self._send("deliver_webhook", str(import_id), str(webhook_id), event, body)

    def _send(self, actor_name: str, *args: object) -> None:
        message: dramatiq.Message[None] = dramatiq.Message(
            queue_name=self.queue_name, actor_name=actor_name, args=args, kwargs={}, options={}
        )
        self.broker.enqueue(message)

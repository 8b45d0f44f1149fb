"""The domain's TaskQueue and WebhookQueue ports, sending Dramatiq messages."""

from __future__ import annotations

import enum
import uuid

import dramatiq

from domain.settings import Settings


class ActorName(enum.StrEnum):
    """The actors' names, which messages carry: actors.py declares each under its name here,
    so renaming one changes both ends."""

    VALIDATE = "validate_import"
    VALIDATE_RANGE = "validate_range"
    IMPORT_CHUNK = "import_chunk"
    ROLLBACK_CHUNK = "rollback_chunk"
    IMPORT_NEXT_CHUNK = "import_next_chunk"
    ROLLBACK_NEXT_CHUNK = "rollback_next_chunk"
    VALIDATION_GAVE_UP = "validation_gave_up"
    DELIVER_WEBHOOK = "deliver_webhook"


class DramatiqQueue:
    """Sends messages by actor name, so the sender needs no actor functions of its own."""

    def __init__(self, broker: dramatiq.Broker, settings: Settings) -> None:
        self.broker = broker
        self.queue_name = f"{settings.queue_prefix}-imports"
        broker.declare_queue(self.queue_name)

    def validate(self, import_id: uuid.UUID) -> None:
        self._send(ActorName.VALIDATE, str(import_id))

    def validate_range(self, import_id: uuid.UUID, run: int, first_row: int) -> None:
        self._send(ActorName.VALIDATE_RANGE, str(import_id), run, first_row)

    def import_chunk(self, import_id: uuid.UUID, first_row: int, last_row: int) -> None:
        self._send(ActorName.IMPORT_CHUNK, str(import_id), first_row, last_row)

    def rollback_chunk(self, import_id: uuid.UUID, first_row: int, last_row: int) -> None:
        self._send(ActorName.ROLLBACK_CHUNK, str(import_id), first_row, last_row)

    def import_next_chunk(self, import_id: uuid.UUID) -> None:
        self._send(ActorName.IMPORT_NEXT_CHUNK, str(import_id))

    def rollback_next_chunk(self, import_id: uuid.UUID) -> None:
        self._send(ActorName.ROLLBACK_NEXT_CHUNK, str(import_id))

    def deliver_webhook(self, webhook_id: uuid.UUID, import_id: uuid.UUID, event: str, body: str) -> None:
        self._send(ActorName.DELIVER_WEBHOOK, str(import_id), str(webhook_id), event, body)

    def _send(self, actor_name: ActorName, *args: object) -> None:
        message: dramatiq.Message[None] = dramatiq.Message(
            queue_name=self.queue_name, actor_name=str(actor_name), args=args, kwargs={}, options={}
        )
        self.broker.enqueue(message)

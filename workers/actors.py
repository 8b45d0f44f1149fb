"""Thin actors: ids and row ranges in, one domain call each."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec

import dramatiq
from dramatiq.middleware import CurrentMessage

from domain.pipeline.processing import Processor
from domain.webhooks import DeliveryFailed, WebhookSender
from workers.queue import ActorName

# A whole file (or a range of a big one) is validated by one message; chunks are short.
VALIDATION_TIME_LIMIT_MS = 6 * 60 * 60 * 1000
CHUNK_TIME_LIMIT_MS = 10 * 60 * 1000
# A webhook that cannot be reached, or answers 5xx, is tried again after 1 s, 2 s, 4 s... up to
# 10 minutes apart (with jitter), 10 attempts over 10 to 20 minutes; other failures are not retried.
WEBHOOK_RETRIES = 9
WEBHOOK_MIN_BACKOFF_MS = 1000
WEBHOOK_MAX_BACKOFF_MS = 10 * 60 * 1000

P = ParamSpec("P")


@dataclass(frozen=True)
class Actors:
    validate: dramatiq.Actor[[str], None]
    validate_range: dramatiq.Actor[[str, int, int], None]
    import_chunk: dramatiq.Actor[[str, int, int], None]
    rollback_chunk: dramatiq.Actor[[str, int, int], None]
    import_next_chunk: dramatiq.Actor[[str], None]
    rollback_next_chunk: dramatiq.Actor[[str], None]
    validation_gave_up: dramatiq.Actor[[dict[str, Any], dict[str, Any]], None]
    deliver_webhook: dramatiq.Actor[[str, str, str, str], None]


def declare_actors(broker: dramatiq.Broker, processor: Processor, sender: WebhookSender, *,
                   queue_prefix: str) -> Actors:
    """Declare the project's actors on `broker`, each calling `processor`."""

    def validate_import(import_id: str) -> None:
        processor.validate(uuid.UUID(import_id))

    def validate_range(import_id: str, run: int, first_row: int) -> None:
        processor.validate_range(uuid.UUID(import_id), run, first_row)

    def import_chunk(import_id: str, first_row: int, last_row: int) -> None:
        processor.import_chunk(uuid.UUID(import_id), first_row, last_row)

    def rollback_chunk(import_id: str, first_row: int, last_row: int) -> None:
        processor.rollback_chunk(uuid.UUID(import_id), first_row, last_row)

    def import_next_chunk(import_id: str) -> None:
        processor.import_next_chunk(uuid.UUID(import_id))

    def rollback_next_chunk(import_id: str) -> None:
        processor.rollback_next_chunk(uuid.UUID(import_id))

    def validation_gave_up(message: dict[str, Any], retry_info: dict[str, Any]) -> None:
        processor.give_up_validation(uuid.UUID(message["args"][0]), message["message_id"])

    def deliver_webhook(import_id: str, webhook_id: str, event: str, body: str) -> None:
        message = CurrentMessage.get_current_message()
        attempt = 1 + (message.options.get("retries", 0) if message is not None else 0)
        sender.deliver(uuid.UUID(webhook_id), uuid.UUID(import_id), event, body, attempt=attempt)

    def declare(fn: Callable[P, None], name: ActorName, **options: Any) -> dramatiq.Actor[P, None]:
        return dramatiq.actor(
            broker=broker, actor_name=str(name), queue_name=f"{queue_prefix}-imports",
            min_backoff=500, max_backoff=30_000, **options,
        )(fn)

    return Actors(
        validate=declare(validate_import, ActorName.VALIDATE, time_limit=VALIDATION_TIME_LIMIT_MS, max_retries=20,
                         on_retry_exhausted=str(ActorName.VALIDATION_GAVE_UP)),
        validate_range=declare(validate_range, ActorName.VALIDATE_RANGE, time_limit=VALIDATION_TIME_LIMIT_MS,
                               max_retries=20, on_retry_exhausted=str(ActorName.VALIDATION_GAVE_UP)),
        import_chunk=declare(import_chunk, ActorName.IMPORT_CHUNK, time_limit=CHUNK_TIME_LIMIT_MS, max_retries=20),
        rollback_chunk=declare(rollback_chunk, ActorName.ROLLBACK_CHUNK, time_limit=CHUNK_TIME_LIMIT_MS,
                               max_retries=20),
        import_next_chunk=declare(import_next_chunk, ActorName.IMPORT_NEXT_CHUNK, time_limit=CHUNK_TIME_LIMIT_MS,
                                  max_retries=20),
        rollback_next_chunk=declare(rollback_next_chunk, ActorName.ROLLBACK_NEXT_CHUNK,
                                    time_limit=CHUNK_TIME_LIMIT_MS, max_retries=20),
        validation_gave_up=declare(validation_gave_up, ActorName.VALIDATION_GAVE_UP, max_retries=20),
        deliver_webhook=dramatiq.actor(
            broker=broker, actor_name=str(ActorName.DELIVER_WEBHOOK), queue_name=f"{queue_prefix}-imports",
            max_retries=WEBHOOK_RETRIES, min_backoff=WEBHOOK_MIN_BACKOFF_MS, max_backoff=WEBHOOK_MAX_BACKOFF_MS,
            retry_when=_retry_delivery,
        )(deliver_webhook),
    )


def _retry_delivery(retries: int, error: Exception) -> bool:
    return isinstance(error, DeliveryFailed) and retries < WEBHOOK_RETRIES

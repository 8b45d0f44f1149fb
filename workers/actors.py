"""Thin actors: ids and row ranges in, one domain call each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import dramatiq

from domain.processing import Processor

# A whole file is validated by one message; chunks are short.
VALIDATION_TIME_LIMIT_MS = 6 * 60 * 60 * 1000
CHUNK_TIME_LIMIT_MS = 10 * 60 * 1000


@dataclass(frozen=True)
class Actors:
    validate: dramatiq.Actor
    import_chunk: dramatiq.Actor
    rollback_chunk: dramatiq.Actor
    import_next_chunk: dramatiq.Actor
    rollback_next_chunk: dramatiq.Actor
    validation_gave_up: dramatiq.Actor


def declare_actors(broker: dramatiq.Broker, processor: Processor, *, queue_prefix: str) -> Actors:
    """Declare the project's actors on `broker`, each calling `processor`."""

    def validate_import(import_id: str) -> None:
        processor.validate(uuid.UUID(import_id))

    def import_chunk(import_id: str, first_row: int, last_row: int) -> None:
        processor.import_chunk(uuid.UUID(import_id), first_row, last_row)

    def rollback_chunk(import_id: str, first_row: int, last_row: int) -> None:
        processor.rollback_chunk(uuid.UUID(import_id), first_row, last_row)

    def import_next_chunk(import_id: str) -> None:
        processor.import_next_chunk(uuid.UUID(import_id))

    def rollback_next_chunk(import_id: str) -> None:
        processor.rollback_next_chunk(uuid.UUID(import_id))

    def validation_gave_up(message: dict, retry_info: dict) -> None:
        processor.give_up_validation(uuid.UUID(message["args"][0]), message["message_id"])

    def declare(fn, **options: object) -> dramatiq.Actor:  # noqa: ANN001
        return dramatiq.actor(
            fn, broker=broker, actor_name=fn.__name__, queue_name=f"{queue_prefix}-imports",
            min_backoff=500, max_backoff=30_000, **options,
        )

    return Actors(
        validate=declare(validate_import, time_limit=VALIDATION_TIME_LIMIT_MS, max_retries=20,
                         on_retry_exhausted="validation_gave_up"),
        import_chunk=declare(import_chunk, time_limit=CHUNK_TIME_LIMIT_MS, max_retries=20),
        rollback_chunk=declare(rollback_chunk, time_limit=CHUNK_TIME_LIMIT_MS, max_retries=20),
        import_next_chunk=declare(import_next_chunk, time_limit=CHUNK_TIME_LIMIT_MS, max_retries=20),
        rollback_next_chunk=declare(rollback_next_chunk, time_limit=CHUNK_TIME_LIMIT_MS, max_retries=20),
        validation_gave_up=declare(validation_gave_up, max_retries=20),
    )

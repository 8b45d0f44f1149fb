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


def declare_actors(broker: dramatiq.Broker, processor: Processor, *, queue_prefix: str) -> Actors:
    """Declare the project's actors on `broker`, each calling `processor`."""

    def validate_import(import_id: str) -> None:
        processor.validate(uuid.UUID(import_id))

    def import_chunk(import_id: str, first_row: int, last_row: int) -> None:
        processor.import_chunk(uuid.UUID(import_id), first_row, last_row)

    def rollback_chunk(import_id: str, first_row: int, last_row: int) -> None:
        processor.rollback_chunk(uuid.UUID(import_id), first_row, last_row)

    def declare(fn, time_limit: int) -> dramatiq.Actor:  # noqa: ANN001
        return dramatiq.actor(
            fn, broker=broker, actor_name=fn.__name__, queue_name=f"{queue_prefix}-imports",
            time_limit=time_limit, max_retries=20, min_backoff=500, max_backoff=30_000,
        )

    return Actors(
        validate=declare(validate_import, VALIDATION_TIME_LIMIT_MS),
        import_chunk=declare(import_chunk, CHUNK_TIME_LIMIT_MS),
        rollback_chunk=declare(rollback_chunk, CHUNK_TIME_LIMIT_MS),
    )

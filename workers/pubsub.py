"""Live progress across processes: workers publish an import's id on a Redis channel after
each committed step; every server instance listens (graph/pubsub.py) and wakes its
subscriptions. The database stays the source of truth: a lost message only means the
watcher notices at its next poll (1 s)."""

from __future__ import annotations

import logging
import uuid

from domain.ports import NoProgressPublisher, ProgressPublisher
from domain.settings import Settings

log = logging.getLogger(__name__)

# Bounded waits: publishing happens after a commit and must never hold a worker up for long.
REDIS_TIMEOUT_SECONDS = 2.0


def pubsub_url(settings: Settings) -> str | None:
    """The Redis URL progress is published on: the broker's, when the broker is Redis.
    None with RabbitMQ or no broker (watchers then poll the database)."""
    url = settings.broker_url
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return url
    return None


def progress_channel(settings: Settings) -> str:
    """One channel per deployment, named with the queue prefix."""
    return f"{settings.queue_prefix}-progress"


class RedisProgressPublisher:
    """The domain's ProgressPublisher over Redis PUBLISH. Never raises: a step that has
    committed must not be retried because a notification could not be sent."""

    def __init__(self, url: str, channel: str) -> None:
        import redis

        self.channel = channel
        self._client = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )

    def publish(self, import_id: uuid.UUID) -> None:
        try:
            self._client.publish(self.channel, str(import_id))
        except Exception as error:  # noqa: BLE001 - a lost notification only delays watchers
            log.warning("could not publish progress of %s on %s: %s", import_id, self.channel, error)

    def close(self) -> None:
        self._client.close()


class FanOutPublisher:
    """Tells several publishers, in order (e.g. this process's hub, then Redis)."""

    def __init__(self, *publishers: ProgressPublisher) -> None:
        self.publishers = publishers

    def publish(self, import_id: uuid.UUID) -> None:
        for publisher in self.publishers:
            publisher.publish(import_id)


def progress_publisher(settings: Settings) -> ProgressPublisher:
    """What a worker process publishes progress with: Redis when there is one, else nothing
    (watchers poll the database)."""
    url = pubsub_url(settings)
    if url is None:
        return NoProgressPublisher()
    return RedisProgressPublisher(url, progress_channel(settings))

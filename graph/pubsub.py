"""Listens on the Redis progress channel and wakes this instance's subscriptions.

Runs as one background task in the app's lifespan. If Redis goes away it reconnects,
waiting a little longer each time (up to RECONNECT_MAX_SECONDS); meanwhile subscriptions
poll the database, so nothing is lost, only delayed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from graph.progress import ProgressHub

log = logging.getLogger(__name__)

RECONNECT_FIRST_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 10.0


class ProgressListener:
    """Forwards import ids published on `channel` to `hub`."""

    def __init__(self, url: str, channel: str, hub: ProgressHub) -> None:
        self.url = url
        self.channel = channel
        self.hub = hub
        self.subscribed = asyncio.Event()  # set while subscribed (for tests and readiness)
        self._task: asyncio.Task[None] | None = None
        self._delay = RECONNECT_FIRST_SECONDS

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"progress-listener:{self.channel}")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._task = None

    async def _run(self) -> None:
        self._delay = RECONNECT_FIRST_SECONDS
        while True:
            try:
                await self._listen()
                problem: object = "the subscription ended"
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - reconnect on any failure
                problem = error
            log.warning("progress channel %s unavailable (%s); retrying in %.1f s", self.channel, problem, self._delay)
            await asyncio.sleep(self._delay)
            self._delay = min(self._delay * 2, RECONNECT_MAX_SECONDS)

    async def _listen(self) -> None:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.url, socket_connect_timeout=5, health_check_interval=30)
        try:
            async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(self.channel)
                self.subscribed.set()
                self._delay = RECONNECT_FIRST_SECONDS
                log.info("listening for progress on %s", self.channel)
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._forward(message["data"])
        finally:
            self.subscribed.clear()
            await client.aclose()

    def _forward(self, data: bytes | str) -> None:
        try:
            import_id = uuid.UUID(data.decode() if isinstance(data, bytes) else data)
        except (ValueError, UnicodeDecodeError):
            log.warning("ignored a malformed progress message on %s", self.channel)
            return
        self.hub.publish(import_id)

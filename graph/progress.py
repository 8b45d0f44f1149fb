"""In-process progress notifications: worker threads publish, subscriptions wait."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ProgressHub:
    """Implements the domain's ProgressPublisher for subscriptions on one event loop.

    `publish` may be called from any thread; it only sets events, the database stays the
    source of truth.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._events: dict[uuid.UUID, set[asyncio.Event]] = defaultdict(set)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def publish(self, import_id: uuid.UUID) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._wake, import_id)
        except RuntimeError:  # the loop closed meanwhile
            return

    def _wake(self, import_id: uuid.UUID) -> None:
        for event in self._events.get(import_id, ()):
            event.set()

    @asynccontextmanager
    async def watch(self, import_id: uuid.UUID) -> AsyncIterator[asyncio.Event]:
        """An event set whenever the import may have changed."""
        event = asyncio.Event()
        self._events[import_id].add(event)
        try:
            yield event
        finally:
            self._events[import_id].discard(event)
            if not self._events[import_id]:
                del self._events[import_id]

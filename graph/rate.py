"""Requests per token per minute: an ASGI middleware and its counters (in this process, or
in Redis so that every server shares them)."""

from __future__ import annotations

import hashlib
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.settings import Settings

log = logging.getLogger("importer.limits")

LIMITED_PATHS = ("/graphql", "/imports/", "/import-types/")


class LocalCounter:
    """Requests per key in the current minute, in this process. Past `max_keys` callers in one
    minute (a flood of made-up tokens), the new ones share one count."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self.window = -1
        self.counts: dict[str, int] = {}
        self.max_keys = max_keys

    async def hit(self, key: str, window: int) -> int:
        if window != self.window:
            self.window, self.counts = window, {}
        if key not in self.counts and len(self.counts) >= self.max_keys:
            key = "overflow"
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]

    async def close(self) -> None:
        return None


class RedisCounter:
    """Requests per key in the current minute, in Redis, shared by every server; falls back to
    counting in this process while Redis does not answer."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.client: Redis | None = None
        self.fallback = LocalCounter()

    async def hit(self, key: str, window: int) -> int:
        if self.client is None:
            self.client = Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)
        name = f"{self.prefix}-rate:{window}:{key}"
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, 120)
                count, _ = await pipe.execute()
            return int(count)
        except (RedisError, OSError) as error:
            log.warning("rate counter: Redis did not answer (%s); counting in this process", type(error).__name__)
            return await self.fallback.hit(key, window)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()


class RequestRateLimit:
    """ASGI middleware: at most `per_minute` HTTP requests to the API per minute per
    Authorization value (per client address without one); more are answered 429."""

    def __init__(self, app: ASGIApp, *, per_minute: int, counter: LocalCounter | RedisCounter) -> None:
        self.app = app
        self.per_minute = per_minute
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.per_minute <= 0 or scope["type"] != "http" or not scope["path"].startswith(LIMITED_PATHS):
            await self.app(scope, receive, send)
            return
        now = time.time()
        count = await self.counter.hit(_caller(scope), int(now // 60))
        if count <= self.per_minute:
            await self.app(scope, receive, send)
            return
        retry_after = max(1, 60 - int(now % 60))
        message = (f"More than the limit of {self.per_minute:,} requests a minute for this token "
                   f"(IMPORTER_REQUESTS_PER_MINUTE); try again in {retry_after} s.")
        extensions = {"code": "RATE_LIMITED", "limit": self.per_minute, "setting": "IMPORTER_REQUESTS_PER_MINUTE",
                      "retryAfter": retry_after}
        response = JSONResponse({"errors": [{"message": message, "extensions": extensions}]}, status_code=429,
                                headers={"retry-after": str(retry_after)})
        await response(scope, receive, send)


def _caller(scope: Scope) -> str:
    """A hash of the Authorization header (the token itself is never kept), or the client's address."""
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            return "token:" + hashlib.sha256(value).hexdigest()[:32]
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}"


def rate_counter(settings: Settings, redis_url: str | None) -> LocalCounter | RedisCounter:
    return RedisCounter(redis_url, settings.queue_prefix) if redis_url else LocalCounter()

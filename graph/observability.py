"""Request ids and one access log line per request; the operations middleware around the app.

Every HTTP request and WebSocket connection gets a request id: the caller's `X-Request-ID`
when it is a plain token (letters, digits, `.`, `_`, `-`; at most 64), else a new one. It
is bound to the request's log lines (domain.logs) and sent back in the `X-Request-ID`
response header (on a WebSocket, in the handshake's answer). Paths are logged without
their query string, so nothing a caller sent in it reaches the log.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.logs import LogContext, bound
from domain.settings import Settings
from graph.metrics import HttpMetrics

HEADER = "x-request-id"
VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

CORS_HEADERS = ("Authorization", "Content-Type", "GraphQL-Preflight", "Apollo-Require-Preflight",
                "X-Apollo-Operation-Name", "X-Request-ID")

log = logging.getLogger("importer.access")


def add_operations_middleware(app: Starlette, settings: Settings, registry: CollectorRegistry) -> None:
    """Outermost first: request ids and access lines, CORS (only with IMPORTER_CORS_ORIGINS:
    by default no other origin may read an answer), HTTP metrics."""
    app.add_middleware(HttpMetrics, registry=registry)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=CORS_HEADERS, expose_headers=["X-Request-ID"], max_age=600)
    app.add_middleware(RequestIds)


def request_id(scope: Scope) -> str:
    given = Headers(scope=scope).get(HEADER, "")
    return given if VALID_ID.fullmatch(given) else uuid.uuid4().hex


class RequestIds:
    """ASGI middleware: a request id per request, on its log lines and in the answer; then
    one access line (method, path, status, duration in ms)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        the_id = request_id(scope)
        context = LogContext(request_id=the_id)
        status = {"code": 0}

        async def send_with_id(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                status["code"] = message.get("status", 101)
                message["headers"] = [*message.get("headers", []), (HEADER.encode(), the_id.encode())]
            elif message["type"] == "websocket.close" and not status["code"]:
                status["code"] = 403
            await send(message)

        started = time.perf_counter()
        with bound(context):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                _access_line(scope, status["code"] or 500, started)


def _access_line(scope: Scope, status: int, started: float) -> None:
    method = scope.get("method", "WEBSOCKET")
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    log.info("%s %s %s %.1fms", method, scope["path"], status, duration_ms,
             extra={"method": method, "path": scope["path"], "status": status, "duration_ms": duration_ms})

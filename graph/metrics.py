"""Prometheus metrics at /metrics.

- `importer_http_requests_total{method,route,status}` and
  `importer_http_request_duration_seconds{method,route}`: this instance's HTTP requests,
  by route template (so ids do not multiply the series).
- `importer_imports{status}`: imports in each status, and `importer_rows_total{outcome}`:
  rows counted over all imports (total, failed_validation, imported, failed_import,
  rolled_back); rows per second is `rate(importer_rows_total[1m])`. Both are read from the
  database at each scrape, so every instance reports the same figures.
- `importer_queue_messages{queue}`: messages on the import queue (waiting, delayed; with Redis
  also those being processed).

/metrics answers a client whose address is in IMPORTER_METRICS_ALLOW (networks; default
loopback) or that sends `Authorization: Bearer <IMPORTER_METRICS_TOKEN>`; anyone else gets 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.db import Database
from domain.settings import Settings
from domain.stats import import_totals
from graph.threads import call

log = logging.getLogger("importer.metrics")


class HttpMetrics:
    """ASGI middleware counting HTTP requests and timing them, by route template and status."""

    def __init__(self, app: ASGIApp, *, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter("importer_http_requests", "HTTP requests answered.",
                                ["method", "route", "status"], registry=registry)
        self.durations = Histogram("importer_http_request_duration_seconds", "Time to answer HTTP requests.",
                                   ["method", "route"], registry=registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def send_noting_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.requests.labels(scope["method"], route, str(status["code"])).inc()
            self.durations.labels(scope["method"], route).observe(time.perf_counter() - started)


class ImportsCollector(Collector):
    """Imports by status and rows by outcome, from the database; the import queue's depth."""

    def __init__(self, db: Database, queue_size: Callable[[], dict[str, int]]) -> None:
        self.db = db
        self.queue_size = queue_size

    def collect(self) -> Iterator[Metric]:
        yield from self._totals()
        yield from self._queues()

    def _totals(self) -> Iterator[Metric]:
        try:
            totals = import_totals(self.db)
        except Exception:  # the database being down must not take /metrics down
            log.warning("metrics: the database did not answer", exc_info=True)
            return
        imports = GaugeMetricFamily("importer_imports", "Imports in each status.", labels=["status"])
        for status, count in sorted(totals.by_status.items()):
            imports.add_metric([status.upper()], count)
        rows = CounterMetricFamily("importer_rows", "Rows counted over all imports, by outcome.",
                                   labels=["outcome"])
        for outcome, count in totals.rows.items():
            rows.add_metric([outcome], count)
        yield from (imports, rows)

    def _queues(self) -> Iterator[Metric]:
        try:
            sizes = self.queue_size()
        except Exception:
            log.warning("metrics: the broker did not answer", exc_info=True)
            return
        queues = GaugeMetricFamily("importer_queue_messages", "Messages on the queue: waiting, delayed, and with "
                                   "Redis those being processed.",
                                   labels=["queue"])
        for name, size in sizes.items():
            queues.add_metric([name], size)
        yield queues


class MetricsEndpoint:
    """The /metrics route, for allowed networks or the metrics token only."""

    def __init__(self, settings: Settings, registry: CollectorRegistry) -> None:
        self.networks = [ipaddress.ip_network(item, strict=False) for item in settings.metrics_allow]
        self.token = settings.metrics_token
        self.registry = registry

    async def answer(self, request: Request) -> Response:
        if not (self._has_token(request) or self._from_allowed_network(request)):
            message = ("Metrics are served to the networks in IMPORTER_METRICS_ALLOW, or with "
                       "`Authorization: Bearer <IMPORTER_METRICS_TOKEN>`.")
            return JSONResponse({"errors": [{"message": message, "extensions": {"code": "FORBIDDEN"}}]},
                                status_code=403)
        body = await call(generate_latest, self.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    def _has_token(self, request: Request) -> bool:
        given = request.headers.get("authorization", "")
        return bool(self.token) and hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    def _from_allowed_network(self, request: Request) -> bool:
        host = request.client.host if request.client else ""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

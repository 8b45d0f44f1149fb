"""create_app(settings): routes, lifespan (database, progress hub, embedded worker or, with
a broker, the Redis progress listener and the recovery sweep).

The composition root: the one module of graph/ that imports workers/ (tests/test_layers.py
keeps it so); the rest of graph/ gets what it needs from workers/ through what is built here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute

from domain.db import Database
from domain.services import ImportService
from domain.settings import Settings
from graph.context import Services
from graph.downloads import error_report
from graph.templates import template
from graph.graphiql import graphiql_routes
from graph.health import Readiness, health
from graph.http import GraphQLApp
from graph.metrics import ImportsCollector, MetricsEndpoint
from graph.observability import add_operations_middleware
from graph.rate import RequestRateLimit, rate_counter
from graph.web import web_routes
from graph.progress import ProgressHub
from graph.pubsub import ProgressListener
from workers.pubsub import (
    FanOutPublisher,
    RedisProgressPublisher,
    progress_channel,
    pubsub_url,
)
from workers.broker import queue_size
from workers.broker import worker_metrics_environment as worker_metrics_environment  # for `importer worker`
from workers.health import CHECK_TIMEOUT_SECONDS, check_broker
from workers.runtime import build_runtime, start_worker
from workers.sweep import RecoverySweep, sweep_seconds_from_env

log = logging.getLogger("importer")


def create_app(settings: Settings, *, run_worker: bool = True, sweep_seconds: float | None = None) -> Starlette:
    """The whole service. With no BROKER_URL and `run_worker`, background work runs in this
    process; imports left unfinished by a previous run are resumed at start.

    With a broker, workers run elsewhere: progress they publish on Redis (when the broker is
    Redis) wakes this instance's subscriptions, and every `sweep_seconds` (default
    IMPORTER_SWEEP_SECONDS, 60; 0 = off) imports that stopped moving are enqueued again."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url)
    hub = ProgressHub()
    redis_url = pubsub_url(settings)
    counter = rate_counter(settings, redis_url)
    channel = progress_channel(settings)
    redis_publisher = RedisProgressPublisher(redis_url, channel) if redis_url else None
    # Changes made here (start, rollback...) wake this instance at once and the others via Redis.
    publisher = FanOutPublisher(hub, redis_publisher) if redis_publisher else hub
    runtime = build_runtime(settings, db, publisher)
    imports = ImportService(db, settings, queue=runtime.queue, publisher=publisher)
    services = Services(settings=settings, db=db, imports=imports, hub=hub)
    graphql = GraphQLApp(services)
    registry = CollectorRegistry()
    queue = runtime.queue.queue_name
    registry.register(ImportsCollector(db, lambda: {queue: queue_size(runtime.broker, queue)}))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        hub.bind(asyncio.get_running_loop())
        if db.is_sqlite:
            await asyncio.to_thread(db.migrate)
        async with AsyncExitStack() as stack:  # stops what started, in reverse order
            stack.callback(db.dispose)
            stack.push_async_callback(counter.close)
            stack.callback(runtime.broker.close)
            if redis_publisher is not None:
                stack.callback(redis_publisher.close)
            if run_worker and runtime.embedded:
                stack.callback(runtime.close)  # after the worker stops: its threads may wait on a range
                worker = start_worker(runtime)
                stack.push_async_callback(asyncio.to_thread, worker.stop)
                resumed = await asyncio.to_thread(runtime.processor.resume_unfinished)
                if resumed:
                    log.info("resumed %d unfinished import(s)", resumed)
            app.state.listener = ProgressListener(redis_url, channel, hub) if redis_url else None
            if app.state.listener is not None:
                app.state.listener.start()
                stack.push_async_callback(app.state.listener.stop)
            interval = sweep_seconds_from_env() if sweep_seconds is None else sweep_seconds
            app.state.sweep = None
            if not runtime.embedded and interval > 0:
                app.state.sweep = RecoverySweep(db, runtime.processor.resume_unfinished, interval=interval,
                                                promote=runtime.processor.promote_waiting_everywhere)
                app.state.sweep.start()
                stack.push_async_callback(asyncio.to_thread, app.state.sweep.stop)
            yield

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/imports/{import_id}/error-report.csv", error_report),
            Route("/import-types/{type}/template.csv", template),
            Route("/health", health),
            # Above the checks' own timeouts: a check that still hangs is reported as failed.
            Route("/ready", Readiness(db, partial(check_broker, settings), timeout=CHECK_TIMEOUT_SECONDS * 3).answer),
            Route("/metrics", MetricsEndpoint(settings, registry).answer),
            *(graphiql_routes() if settings.graphiql else []),
            *web_routes(),
        ],
        middleware=[Middleware(RequestRateLimit, per_minute=settings.requests_per_minute, counter=counter)],
        lifespan=lifespan,
    )
    add_operations_middleware(app, settings, registry)
    app.state.services = services
    app.state.runtime = runtime
    return app

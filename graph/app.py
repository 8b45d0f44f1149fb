"""create_app(settings): routes, lifespan (database, progress hub, embedded worker)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from domain.db import Database
from domain.services import ImportService
from domain.settings import Settings
from graph.context import Services
from graph.downloads import error_report
from graph.templates import template
from graph.graphiql import graphiql_routes
from graph.http import GraphQLApp
from graph.progress import ProgressHub
from workers.runtime import build_runtime, start_worker

log = logging.getLogger("importer")


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings, *, run_worker: bool = True) -> Starlette:
    """The whole service. With no BROKER_URL and `run_worker`, background work runs in this
    process; imports left unfinished by a previous run are resumed at start."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url)
    hub = ProgressHub()
    runtime = build_runtime(settings, db, hub)
    imports = ImportService(db, settings, queue=runtime.queue, publisher=hub)
    services = Services(settings=settings, db=db, imports=imports, hub=hub)
    graphql = GraphQLApp(services)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        hub.bind(asyncio.get_running_loop())
        if db.is_sqlite:
            await asyncio.to_thread(db.migrate)
        worker = start_worker(runtime) if run_worker and runtime.embedded else None
        if worker is not None:
            resumed = await asyncio.to_thread(runtime.processor.resume_unfinished)
            if resumed:
                log.info("resumed %d unfinished import(s)", resumed)
        try:
            yield
        finally:
            if worker is not None:
                await asyncio.to_thread(worker.stop)
            runtime.broker.close()
            db.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/imports/{import_id}/error-report.csv", error_report),
            Route("/import-types/{type}/template.csv", template),
            Route("/health", health),
            *graphiql_routes(),
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.runtime = runtime
    return app

"""/health (the process is alive) and /ready (it can do its work: database and broker answer)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from domain.db import Database
from workers.health import CHECK_TIMEOUT_SECONDS, check_broker

log = logging.getLogger("importer")

# Above the checks' own timeouts: a check that still hangs is reported as failed.
READY_TIMEOUT_SECONDS = CHECK_TIMEOUT_SECONDS * 3


async def health(request: Request) -> JSONResponse:
    """Liveness: the process answers HTTP. Checks nothing else."""
    return JSONResponse({"status": "ok"})


def _check_database(db: Database) -> str:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()
    return "ok"


async def _run_check(name: str, check, *args) -> tuple[str, bool]:
    try:
        return await asyncio.wait_for(asyncio.to_thread(check, *args), READY_TIMEOUT_SECONDS), True
    except TimeoutError:
        log.warning("readiness: %s did not answer within %.0f s", name, READY_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        log.warning("readiness: %s unavailable: %s", name, error)
    return "unavailable", False


async def ready(request: Request) -> JSONResponse:
    """Readiness: 200 when the database answers SELECT 1 and the broker is reachable
    ("embedded" without one); 503 naming what failed. Details go to the log."""
    services = request.app.state.services
    (database, db_ok), (broker, broker_ok) = await asyncio.gather(
        _run_check("database", _check_database, services.db),
        _run_check("broker", check_broker, services.settings),
    )
    return JSONResponse({"database": database, "broker": broker}, status_code=200 if db_ok and broker_ok else 503)

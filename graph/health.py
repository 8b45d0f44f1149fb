"""/health (the process is alive) and /ready (it can do its work: database and broker answer)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from domain.db import Database

log = logging.getLogger("importer")


async def health(request: Request) -> JSONResponse:
    """Liveness: the process answers HTTP. Checks nothing else."""
    return JSONResponse({"status": "ok"})


class Readiness:
    """Readiness: 200 when the database answers SELECT 1 and `check_broker` returns (it says
    "ok", or "embedded" without a broker); 503 naming what failed. Details go to the log.

    A check that has not answered within `timeout` seconds counts as failed."""

    def __init__(self, db: Database, check_broker: Callable[[], str], *, timeout: float) -> None:
        self.db = db
        self.check_broker = check_broker
        self.timeout = timeout

    async def answer(self, request: Request) -> JSONResponse:
        (database, db_ok), (broker, broker_ok) = await asyncio.gather(
            self._run("database", self._check_database), self._run("broker", self.check_broker))
        return JSONResponse({"database": database, "broker": broker}, status_code=200 if db_ok and broker_ok else 503)

    def _check_database(self) -> str:
        with self.db.engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()
        return "ok"

    async def _run(self, name: str, check: Callable[[], str]) -> tuple[str, bool]:
        try:
            return await asyncio.wait_for(asyncio.to_thread(check), self.timeout), True
        except TimeoutError:
            log.warning("readiness: %s did not answer within %.0f s", name, self.timeout)
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            log.warning("readiness: %s unavailable: %s", name, error)
        return "unavailable", False

"""The error report download: CSV of the failed rows, for the caller's organisation only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from starlette.concurrency import iterate_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from domain import queries
from domain.accounts.auth import authenticate
from domain.db import is_outage
from domain.errors import DomainError, NotFound
from graph.context import Services
from graph.errors import DATABASE_UNAVAILABLE
from graph.threads import call

STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404}


async def error_report(request: Request) -> Response:
    services: Services = request.app.state.services
    try:
        principal = await call(authenticate, services.db, request.headers.get("authorization"))
        import_id = _parse(request.path_params["import_id"])
        record = await call(queries.get_import, services.db, principal, import_id)
        # Read the first piece now, so that refusals are answered before streaming starts.
        lines = queries.error_report(services.db, principal, import_id)
        header = await call(next, lines)
    except DomainError as error:
        return _refusal(error.message, error.code, STATUS.get(error.code, 400))
    except Exception as error:
        if not is_outage(error):
            raise
        return _refusal(DATABASE_UNAVAILABLE, "SERVICE_UNAVAILABLE", 503)
    filename = f"{record.filename.rsplit('.', 1)[0]}-errors.csv".replace('"', "")

    async def body() -> AsyncIterator[str]:
        yield header
        async for line in iterate_in_threadpool(lines):
            yield line

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def _refusal(message: str, code: str, status: int) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


def _parse(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("import", value) from None

"""Template CSVs: each import type's columns and an example row."""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.queries import neutralise
from domain.rules.types import IMPORT_TYPES


async def template(request: Request) -> Response:
    spec = IMPORT_TYPES.get(request.path_params["type"].lower())
    if spec is None:
        return JSONResponse({"errors": [{"message": "No such import type; see importTypes.",
                                         "extensions": {"code": "NOT_FOUND"}}]}, status_code=404)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(neutralise(name) for name in spec.field_names)
    writer.writerow(neutralise(item.example) for item in spec.fields)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{spec.name}-template.csv"'})

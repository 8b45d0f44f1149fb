"""The reference import page, served at `/`: plain HTML, CSS and ES modules in `static/`, and
the graphql-ws client from npm (pinned by package-lock.json, installed by install.sh with
`npm ci --prefix graph/web`, never committed). Nothing is loaded from another origin."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC = PACKAGE_DIR / "static"
GRAPHQL_WS = PACKAGE_DIR / "node_modules" / "graphql-ws" / "dist"
INSTALL_COMMAND = "npm ci --prefix graph/web --no-audit --no-fund"
VENDOR_NAME = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.js")
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


async def page(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


async def graphql_ws_module(request: Request) -> Response:
    """A file of graphql-ws's browser build, by name; 503 naming the install step when missing."""
    name = request.path_params["name"]
    if not VENDOR_NAME.fullmatch(name):
        return PlainTextResponse("Not Found\n", status_code=404)
    if not GRAPHQL_WS.is_dir():
        return PlainTextResponse(
            f"The import page's files are not installed on this server. From the repository root run: "
            f"{INSTALL_COMMAND}\n", status_code=503, headers={"Cache-Control": "no-store"},
        )
    path = GRAPHQL_WS / name
    if not path.is_file():
        return PlainTextResponse("Not Found\n", status_code=404)
    return FileResponse(path, media_type="text/javascript; charset=utf-8", headers={"X-Content-Type-Options": "nosniff"})


def web_routes() -> list[BaseRoute]:
    return [
        Route("/", page, methods=["GET"]),
        Route("/web-vendor/graphql-ws/{name}", graphql_ws_module, methods=["GET"]),
        Mount("/web", StaticFiles(directory=STATIC), name="web"),
    ]

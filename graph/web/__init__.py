"""The reference import page, served at `/`: plain HTML, CSS and ES modules in `static/`, and
the graphql-ws client from npm (pinned by package-lock.json, installed by install.sh with
`npm ci --prefix graph/web`, never committed; a package built with `python -m build` carries a
copy in `vendor/`). Nothing is loaded from another origin. Without the client, `/` is a page
saying how to install it."""

from __future__ import annotations

import html
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC = PACKAGE_DIR / "static"
INSTALL_COMMAND = "npm ci --prefix graph/web --no-audit --no-fund"


def _located(path: str) -> Path:
    """The npm install's folder when there is one (a source checkout), else the package's copy."""
    installed = PACKAGE_DIR / "node_modules" / path
    return installed if installed.is_dir() else PACKAGE_DIR / "vendor" / path


GRAPHQL_WS = _located("graphql-ws/dist")
#: How to get the files, for the messages below and `importer serve`'s warning.
HOW_TO_INSTALL = (
    f"from a source checkout run ./install.sh (or {INSTALL_COMMAND}); "
    "a package built with `python -m build` carries them"
)
MISSING_MESSAGE = f"The import page's graphql-ws client is not installed on this server: {HOW_TO_INSTALL}."
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


def assets_installed() -> bool:
    return (GRAPHQL_WS / "client.js").is_file()


def _missing_page() -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Import page not installed</title>'
        '<link rel="stylesheet" href="/web/app.css"></head>\n<body><main>'
        "<h1>The import page is not installed on this server</h1>\n"
        f'<p id="page-missing" class="notice">{html.escape(MISSING_MESSAGE)}</p>\n'
        "<p>The GraphQL API answers at /graphql all the same.</p></main></body></html>\n"
    )


async def page(request: Request) -> Response:
    if not assets_installed():  # instead of "Loading the page…" forever
        return HTMLResponse(_missing_page(), status_code=503, headers=PAGE_HEADERS | {"Cache-Control": "no-store"})
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


async def graphql_ws_module(request: Request) -> Response:
    """A file of graphql-ws's browser build, by name; 503 naming the install step when missing."""
    name = request.path_params["name"]
    if not VENDOR_NAME.fullmatch(name):
        return PlainTextResponse("Not Found\n", status_code=404)
    if not GRAPHQL_WS.is_dir():
        return PlainTextResponse(
            f"{MISSING_MESSAGE}\n", status_code=503, headers={"Cache-Control": "no-store"},
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

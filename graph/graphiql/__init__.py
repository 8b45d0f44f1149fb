"""GraphiQL served without a CDN.

Strawberry's GraphiQL page (``strawberry/static/graphiql.html``) loads React, React DOM,
js-cookie, GraphiQL and the explorer plugin from unpkg.com. This module serves the very same
files (byte-identical, pinned in ``graph/graphiql/package.json`` / ``package-lock.json``) from
this app instead:

* the files are installed at install time with ``npm ci --prefix graph/graphiql --no-audit
  --no-fund`` into ``graph/graphiql/node_modules`` (never committed); a built package (wheel,
  sdist) carries copies of them in ``graph/graphiql/vendor`` (setup.py puts them there);
* :func:`graphiql_html` rewrites each unpkg URL of Strawberry's page to ``{prefix}/{name}``,
  keeping the page's ``integrity`` attributes, which the pinned npm files satisfy;
* :func:`graphiql_routes` serves exactly the files in :data:`ASSETS`; when they are missing,
  :func:`graphiql_html` is a page saying how to install them.

Public names carry the package version, so the long ``Cache-Control`` cannot keep a stale file
after an upgrade (a stale file would fail its integrity check and break the page).

The page keeps Strawberry's behaviour with one change: GraphiQL keeps its state (headers, tabs,
history) in the tab's ``sessionStorage`` instead of ``localStorage`` (see
:data:`TAB_STORAGE_SCRIPT`), so a pasted token is forgotten when the tab closes, as on the import
page. The Headers editor is enabled, and subscriptions go over WebSocket with the
``graphql-transport-ws`` protocol (the ``graphql-ws`` client is bundled inside
``graphiql.min.js``; the WebSocket URL is the page URL with ws/wss).
"""

from __future__ import annotations

import functools
import html
from pathlib import Path
from typing import NamedTuple

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route
from strawberry.http.ides import get_graphql_ide_html

__all__ = [
    "ASSETS",
    "DEFAULT_PREFIX",
    "HOW_TO_INSTALL",
    "INSTALL_COMMAND",
    "NODE_MODULES",
    "VENDOR",
    "assets_installed",
    "graphiql_html",
    "graphiql_routes",
]

PACKAGE_DIR = Path(__file__).resolve().parent
NODE_MODULES = PACKAGE_DIR / "node_modules"
VENDOR = PACKAGE_DIR / "vendor"  # the copies a built package carries
DEFAULT_PREFIX = "/graphiql-assets"
#: What the install step runs (from the repository root) to provide the files.
INSTALL_COMMAND = "npm ci --prefix graph/graphiql --no-audit --no-fund"

_JS = "application/javascript; charset=utf-8"
_CSS = "text/css; charset=utf-8"
_CACHE_CONTROL = "public, max-age=31536000, immutable"


class _Asset(NamedTuple):
    cdn_url: str  # exactly as it appears in Strawberry's graphiql.html
    path: str  # inside node_modules (and vendor)
    media_type: str


_SOURCES: dict[str, _Asset] = {
    "react-18.2.0.production.min.js": _Asset(
        "https://unpkg.com/react@18.2.0/umd/react.production.min.js",
        "react/umd/react.production.min.js",
        _JS,
    ),
    "react-dom-18.2.0.production.min.js": _Asset(
        "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js",
        "react-dom/umd/react-dom.production.min.js",
        _JS,
    ),
    "js-cookie-3.0.5.min.js": _Asset(
        "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js",
        "js-cookie/dist/js.cookie.min.js",
        _JS,
    ),
    "graphiql-3.8.3.min.css": _Asset(
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.css",
        "graphiql/graphiql.min.css",
        _CSS,
    ),
    "graphiql-3.8.3.min.js": _Asset(
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.js",
        "graphiql/graphiql.min.js",
        _JS,
    ),
    "graphiql-plugin-explorer-1.0.2.css": _Asset(
        "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css",
        "@graphiql/plugin-explorer/dist/style.css",
        _CSS,
    ),
    "graphiql-plugin-explorer-1.0.2.umd.js": _Asset(
        "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js",
        "@graphiql/plugin-explorer/dist/index.umd.js",
        _JS,
    ),
}



def _located(path: str) -> Path:
    """The npm install's file when there is one (a source checkout), else the package's copy."""
    installed = NODE_MODULES / path
    return installed if installed.is_file() else VENDOR / path


#: Public file name -> the file served.
ASSETS: dict[str, Path] = {name: _located(a.path) for name, a in _SOURCES.items()}

#: GraphiQL's ``storage`` option: the tab's sessionStorage, under GraphiQL's own key namespace.
#: GraphiQL writes headers not only under ``graphiql:headers`` (``shouldPersistHeaders``) but also
#: into its query history (``graphiql:queries``) whatever that option says, so the whole store
#: moves to the tab. Keys that an earlier page left in localStorage (and with them a token) are
#: removed on load.
TAB_STORAGE_SCRIPT = """
      const STORAGE_PREFIX = "graphiql:";
      function graphiqlKeys(store) {
        return Object.keys(store).filter((key) => key.startsWith(STORAGE_PREFIX));
      }
      try {
        for (const key of graphiqlKeys(window.localStorage)) window.localStorage.removeItem(key);
      } catch (error) {}
      const tabStorage = {
        getItem: (key) => window.sessionStorage.getItem(key),
        setItem: (key, value) => window.sessionStorage.setItem(key, value),
        removeItem: (key) => window.sessionStorage.removeItem(key),
        get length() { return graphiqlKeys(window.sessionStorage).length; },
        clear() {
          for (const key of graphiqlKeys(window.sessionStorage)) window.sessionStorage.removeItem(key);
        },
      };
"""

# Each (old, new) must occur exactly once in Strawberry's page.
_PAGE_EDITS = (
    ("      const fetchURL = ", TAB_STORAGE_SCRIPT + "\n      const fetchURL = "),
    ("          shouldPersistHeaders: true,\n",
     "          shouldPersistHeaders: true,\n          storage: tabStorage,\n"),
)

#: How to get the files, for the messages below and `importer serve`'s warning.
HOW_TO_INSTALL = (
    f"from a source checkout run ./install.sh (or {INSTALL_COMMAND}); "
    "a package built with `python -m build` carries them"
)
_MISSING_MESSAGE = f"GraphiQL's files are not installed on this server: {HOW_TO_INSTALL}.\n"


def assets_installed() -> bool:
    """True when every file in :data:`ASSETS` is present."""
    return all(path.is_file() for path in ASSETS.values())


def _normalise_prefix(prefix: str) -> str:
    prefix = prefix.rstrip("/")
    if not prefix.startswith("/"):
        raise ValueError(f"assets prefix must be an absolute path such as {DEFAULT_PREFIX!r}")
    return prefix


def graphiql_html(assets_prefix: str = DEFAULT_PREFIX) -> str:
    """Strawberry's GraphiQL page with every unpkg URL pointed at ``{assets_prefix}/{name}``
    and its state kept in the tab's sessionStorage (:data:`TAB_STORAGE_SCRIPT`).

    When the npm files are missing, a short page saying how to install them instead. Raises
    RuntimeError if the installed Strawberry's page no longer references the expected URLs
    (i.e. Strawberry was upgraded: update package.json and the table above together).
    """
    if not assets_installed():
        return missing_page()
    return _graphiql_page(assets_prefix)


@functools.lru_cache(maxsize=8)
def _graphiql_page(assets_prefix: str) -> str:
    prefix = html.escape(_normalise_prefix(assets_prefix), quote=True)
    page = get_graphql_ide_html(graphql_ide="graphiql")
    for name, asset in _SOURCES.items():
        count = page.count(f'"{asset.cdn_url}"')
        if count != 1:
            raise RuntimeError(
                f"Strawberry's graphiql.html references {asset.cdn_url!r} {count} times "
                "(expected once); graph/graphiql is out of step with the installed Strawberry"
            )
        page = page.replace(f'"{asset.cdn_url}"', f'"{prefix}/{name}"')
    for old, new in _PAGE_EDITS:
        if page.count(old) != 1:
            raise RuntimeError(
                f"Strawberry's graphiql.html contains {old.strip()!r} {page.count(old)} times (expected "
                "once); graph/graphiql is out of step with the installed Strawberry"
            )
        page = page.replace(old, new)
    if "unpkg.com" in page:
        raise RuntimeError(
            "Strawberry's graphiql.html references unpkg.com files not served by graph.graphiql"
        )
    return page


def missing_page() -> str:
    """What /graphql shows a browser when GraphiQL's files are missing (instead of "Loading...")."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>GraphiQL is not installed</title>'
        '</head>\n<body><h1>GraphiQL is not installed on this server</h1>\n'
        f"<p id=\"graphiql-missing\">{html.escape(_MISSING_MESSAGE.strip())}</p>\n"
        "<p>The GraphQL API answers at this address all the same.</p></body></html>\n"
    )


def graphiql_routes(prefix: str = DEFAULT_PREFIX) -> list[Route]:
    """One GET (and HEAD) route ``{prefix}/{name}`` serving exactly the files in :data:`ASSETS`.

    Unknown names are 404 (names are looked up in :data:`ASSETS`, never joined to a path);
    a missing npm install is 503 with a message naming :data:`INSTALL_COMMAND`.
    """
    prefix = _normalise_prefix(prefix)

    async def graphiql_asset(request: Request) -> Response:
        name = request.path_params["name"]
        asset = _SOURCES.get(name)
        if asset is None:
            return PlainTextResponse("Not Found\n", status_code=404)
        path = ASSETS[name]
        if not path.is_file():
            return PlainTextResponse(
                _MISSING_MESSAGE, status_code=503, headers={"Cache-Control": "no-store"}
            )
        return FileResponse(
            path,
            media_type=asset.media_type,
            headers={"Cache-Control": _CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
        )

    return [Route(f"{prefix}/{{name}}", graphiql_asset, methods=["GET"], name="graphiql_asset")]

"""GraphiQL at GET /graphql with its assets served by the app (no CDN).

Needs the npm install step: npm ci --prefix graph/graphiql --no-audit --no-fund
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import sys
from collections.abc import AsyncGenerator, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the project is not installed in the venv
    sys.path.insert(0, str(ROOT))

import strawberry  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse, Response  # noqa: E402
from starlette.routing import Route, WebSocketRoute  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from strawberry.asgi import GraphQL  # noqa: E402

import graph.graphiql as graphiql  # noqa: E402
from graph.graphiql import ASSETS, INSTALL_COMMAND, graphiql_html, graphiql_routes  # noqa: E402

PREFIX = "/graphiql-assets"
CONTENT_TYPES = {".js": "application/javascript", ".css": "text/css"}
TAG = re.compile(r"<(script|link)\b([^>]*)>", re.S)
ATTR = re.compile(r'([\w-]+)(?:="([^"]*)")?')


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self, to: int = 3) -> AsyncGenerator[int, None]:
        for i in range(1, to + 1):
            yield i
            await asyncio.sleep(0)


class GraphQLApp(GraphQL):
    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql_html())


def make_app() -> Starlette:
    gql = GraphQLApp(strawberry.Schema(query=Query, subscription=Subscription))
    return Starlette(
        routes=[
            Route("/graphql", gql),
            WebSocketRoute("/graphql", gql),
            *graphiql_routes(),
        ]
    )


# ASGI app for a manual/browser check: uvicorn tests.test_graphiql_assets:app
app = make_app()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    missing = [str(p) for p in ASSETS.values() if not p.is_file()]
    if missing:
        pytest.fail(f"GraphiQL npm assets missing ({missing[0]} ...); run: {INSTALL_COMMAND}")
    with TestClient(make_app()) as c:
        yield c


def _page(client: TestClient) -> str:
    response = client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def _asset_tags(page: str) -> list[dict[str, str]]:
    """Attributes of every <script src> and <link href> tag in the page."""
    tags = []
    for kind, raw in TAG.findall(page):
        attrs = {k: v for k, v in ATTR.findall(raw)}
        url = attrs.get("src") if kind == "script" else attrs.get("href")
        if url and not url.startswith("data:"):
            tags.append({"kind": kind, "url": url, **attrs})
    return tags


def test_graphql_get_html_serves_graphiql(client: TestClient) -> None:
    page = _page(client)
    assert '<div id="graphiql"' in page
    assert "GraphiQL.createFetcher" in page
    # headers editor and WebSocket subscriptions, as Strawberry configures them
    assert "isHeadersEditorEnabled: true" in page
    assert "subscriptionUrl" in page


def test_graphiql_keeps_its_state_in_the_tab_not_in_local_storage(client: TestClient) -> None:
    # GraphiQL's headers (a pasted token) and its history (which holds them too) go to the
    # tab's sessionStorage; tests/test_browser.py checks it in Chromium.
    page = _page(client)
    assert "storage: tabStorage," in page
    assert "setItem: (key, value) => window.sessionStorage.setItem(key, value)" in page
    assert "localStorage.setItem" not in page
    assert "window.localStorage.removeItem(key)" in page  # what an earlier page left there


def test_a_strawberry_page_without_the_expected_options_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    original = graphiql.get_graphql_ide_html(graphql_ide="graphiql")
    changed = original.replace("shouldPersistHeaders: true,", "shouldPersistHeaders: false,")
    monkeypatch.setattr(graphiql, "get_graphql_ide_html", lambda graphql_ide: changed)
    graphiql._graphiql_page.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="shouldPersistHeaders: true"):
            graphiql_html("/elsewhere")
    finally:
        graphiql._graphiql_page.cache_clear()


def test_page_uses_no_cdn(client: TestClient) -> None:
    page = _page(client)
    assert "unpkg" not in page
    tags = _asset_tags(page)
    assert len(tags) == len(ASSETS) == 7
    for tag in tags:
        assert not tag["url"].startswith(("https://", "http://", "//")), tag
        assert tag["url"].startswith(f"{PREFIX}/"), tag


def test_every_asset_served_and_matches_integrity(client: TestClient) -> None:
    tags = _asset_tags(_page(client))
    served = set()
    for tag in tags:
        response = client.get(tag["url"])
        assert response.status_code == 200, tag["url"]
        expected_type = CONTENT_TYPES[Path(tag["url"]).suffix]
        assert response.headers["content-type"].split(";")[0] == expected_type, tag["url"]
        assert "max-age=31536000" in response.headers["cache-control"]
        algorithm, _, expected = tag["integrity"].partition("-")
        assert algorithm == "sha384"
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert digest == expected, f"{tag['url']}: integrity mismatch"
        served.add(tag["url"].rsplit("/", 1)[1])
    assert served == set(ASSETS)


def test_graphiql_bundle_speaks_graphql_transport_ws(client: TestClient) -> None:
    body = client.get(f"{PREFIX}/graphiql-3.8.3.min.js").text
    assert "graphql-transport-ws" in body  # graphql-ws client bundled in GraphiQL


def test_unknown_asset_is_404(client: TestClient) -> None:
    assert client.get(f"{PREFIX}/nope.js").status_code == 404
    assert client.get(f"{PREFIX}/react.production.min.js").status_code == 404
    assert client.get(f"{PREFIX}/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"{PREFIX}/../package.json",
        f"{PREFIX}/..%2Fpackage.json",
        f"{PREFIX}/..%2F..%2F..%2Fpyproject.toml",
        f"{PREFIX}/react/umd/react.production.min.js",
        f"{PREFIX}/%2E%2E/__init__.py",
    ],
)
def test_traversal_is_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "dependencies" not in response.text and "import" not in response.text


def test_missing_install_is_503(client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(ASSETS, "graphiql-3.8.3.min.js", tmp_path / "absent.js")
    assert not graphiql.assets_installed()
    response = client.get(f"{PREFIX}/graphiql-3.8.3.min.js")
    assert response.status_code == 503
    assert INSTALL_COMMAND in response.text
    assert "max-age" not in response.headers.get("cache-control", "")


def test_custom_prefix() -> None:
    page = graphiql_html("/static/gql/")
    assert "unpkg" not in page
    assert '"/static/gql/graphiql-3.8.3.min.js"' in page
    paths = [r.path for r in graphiql_routes("/static/gql/")]
    assert paths == ["/static/gql/{name}"]


def test_query_over_http(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "{ hello }"})
    assert response.json() == {"data": {"hello": "world"}}


def test_subscription_over_graphql_transport_ws(client: TestClient) -> None:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": "subscription { count(to: 2) }"}})
        assert ws.receive_json() == {"id": "1", "type": "next", "payload": {"data": {"count": 1}}}
        assert ws.receive_json() == {"id": "1", "type": "next", "payload": {"data": {"count": 2}}}
        assert ws.receive_json() == {"id": "1", "type": "complete"}

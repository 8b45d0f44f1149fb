"""The live server, as real clients on npm see it: graphql-http's GraphQL-over-HTTP audit
and graphql-ws's client. Both run with node from PATH on the packages that
tests/node/package-lock.json pins (install them with `npm ci --prefix tests/node`)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain.accounts.auth import issue_token
from domain.db import Database
from domain.settings import Settings
from tests.helpers import client_csv, data_of, upload

try:  # the HTTP client Starlette's TestClient uses (the dev extra pins httpx2)
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx

NODE_DIR = Path(__file__).parent / "node"
INSTALL_HINT = "run the install step (`npm ci --prefix tests/node --no-audit --no-fund`, as install.sh does)"

# The server in its own process: create_app on that data directory, served by uvicorn on a
# listening socket the test opened (so the port is known and free before the server starts).
RUNNER = """
import sys
from pathlib import Path
import uvicorn
from domain.settings import Settings
from graph.app import create_app
settings = Settings(data_dir=Path(sys.argv[1]), chunk_size=3)
uvicorn.run(create_app(settings), fd=int(sys.argv[2]), log_level="warning")
"""


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    token: str

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def websocket_url(self) -> str:
        return "ws" + self.graphql_url.removeprefix("http")


def node() -> str:
    executable = shutil.which("node")
    if executable is None:
        pytest.skip(f"node is not on PATH; install Node.js 20+ and {INSTALL_HINT}")
    for package in ("graphql-http", "graphql-ws", "ws", "graphql"):
        if not (NODE_DIR / "node_modules" / package / "package.json").exists():
            pytest.skip(f"tests/node/node_modules/{package} is missing; {INSTALL_HINT}")
    return executable


def run_node(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    # The scripts are ES modules in tests/node, so `import` finds tests/node/node_modules
    # by itself (ES modules ignore NODE_PATH).
    return subprocess.run(
        [node(), str(NODE_DIR / script), *args],
        cwd=NODE_DIR, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    node()  # skip before starting anything when the npm packages are not installed
    settings = Settings(data_dir=tmp_path_factory.mktemp("live") / "data")
    settings.data_dir.mkdir(parents=True)
    db = Database(settings.effective_database_url)
    try:
        db.migrate()
        token = issue_token(db, organisation="Audit").token
    finally:
        db.dispose()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    log_path = settings.data_dir.parent / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(settings.data_dir), str(listener.fileno())],
            pass_fds=(listener.fileno(),), stdout=log, stderr=subprocess.STDOUT,
            cwd=Path(__file__).parent.parent,
        )
    listener.close()  # the server holds its own copy
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(server, base_url, log_path)
        yield LiveServer(base_url=base_url, token=token)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


def _wait_until_healthy(server: subprocess.Popen, base_url: str, log_path: Path) -> None:
    """Readiness only: poll /health (bounded) until the server answers."""
    with httpx.Client(base_url=base_url, timeout=2) as client:
        for _ in range(400):
            if server.poll() is not None:
                pytest.fail(f"the server exited with {server.returncode}:\n{log_path.read_text()}")
            try:
                if client.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    pytest.fail(f"the server did not answer /health within 20 s:\n{log_path.read_text()}")


def test_graphql_http_audit_passes_without_errors_or_warnings(live_server: LiveServer) -> None:
    result = run_node("audit.mjs", live_server.graphql_url)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    summary = [line for line in result.stdout.splitlines() if line.startswith("audit: ")]
    assert summary, report
    counts = {status: int(n) for n, status in (part.split() for part in summary[-1][len("audit: "):].split(", "))}
    assert counts["warn"] == 0 and counts["error"] == 0, report
    assert counts["ok"] >= 61, report


def test_graphql_response_media_type_on_the_live_server(live_server: LiveServer) -> None:
    """What the audit checks, and the cases it leaves out (a variable that fails coercion,
    content negotiation by quality, errors Strawberry raises before executing)."""
    graphql_response = "application/graphql-response+json"
    coercion = {"query": "query($id: ID!) { import(id: $id) { id } }", "variables": {"id": None}}
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        answer = client.post("/graphql", json=coercion, headers={"Accept": graphql_response})
        assert answer.status_code == 400
        assert answer.headers["content-type"].startswith(graphql_response)
        assert "data" not in answer.json() and answer.json()["errors"][0]["extensions"]["code"] == "BAD_INPUT"

        answer = client.post("/graphql", json=coercion, headers={"Accept": "application/json"})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
        assert answer.json()["data"] is None

        # Executed, with a field error: 200 and data in either media type.
        executed = {"query": "query($id: ID!) { import(id: $id) { id } }", "variables": {"id": "x"}}
        answer = client.post("/graphql", json=executed, headers={"Accept": graphql_response})
        assert answer.status_code == 200 and answer.json()["data"] == {"import": None}

        refused = {"Accept": f"{graphql_response};q=0, application/json"}
        answer = client.post("/graphql", json={"query": "{"}, headers=refused)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
        preferred = {"Accept": f"{graphql_response}, application/json;q=0.9"}
        answer = client.post("/graphql", json={"query": "{"}, headers=preferred)
        assert answer.status_code == 400 and answer.headers["content-type"].startswith(graphql_response)
        assert "Accept" in answer.headers["vary"]

        answer = client.post("/graphql", content=b'{ "not', headers={
            "Accept": graphql_response, "Content-Type": "application/json"})
        assert answer.status_code == 400 and answer.headers["content-type"].startswith(graphql_response)
        assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"

        answer = client.get("/graphql", params={"query": "mutation { __typename }"}, headers={"Accept": graphql_response})
        assert answer.status_code == 405 and answer.headers["allow"] == "POST"
        assert answer.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"

        # CSRF: a simple request without a preflight header stays refused, whatever it carries.
        answer = client.post("/graphql", content=b'{"query": "{ __typename }"}', headers={"Content-Type": "text/plain"})
        assert answer.status_code == 400 and "GraphQL-Preflight" in answer.json()["errors"][0]["message"]


def test_graphql_ws_client_follows_an_import_until_validated(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        created = data_of(upload(client, client_csv(7), token=live_server.token))["createImport"]  # type: ignore[arg-type]

    result = run_node("subscribe.mjs", live_server.websocket_url, live_server.token, created["id"])
    assert result.returncode == 0, result.stdout + result.stderr
    events = json.loads(result.stdout.strip().splitlines()[-1])
    assert events, result.stdout
    assert events[-1] == {"status": "VALIDATED", "totalRows": 7}, events

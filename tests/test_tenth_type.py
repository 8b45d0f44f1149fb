"""Adding a type is one small definition and one registry entry: a server whose registry has
a tenth type (tests/tenth_type.py) serves it end to end through the API."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlmodel import select

from domain.accounts.auth import issue_token
from domain.db import Database
from domain.models import Client
from domain.settings import Settings

RUNNER = """
import sys
from pathlib import Path
from domain.rules.types import IMPORT_TYPES
from tests.tenth_type import LEAD
IMPORT_TYPES[LEAD.name] = LEAD  # the registry line a new type module adds
import uvicorn
from domain.settings import Settings
from graph.app import create_app
uvicorn.run(create_app(Settings(data_dir=Path(sys.argv[1]), chunk_size=2)), fd=int(sys.argv[2]), log_level="warning")
"""
IMPORT = "query($id: ID!) { import(id: $id) { status totalRows failedValidationRows importedRows } }"


def wait_for(client: httpx.Client, token: str, import_id: str, status: str) -> dict:
    """Poll the import (bounded) until it reaches `status`."""
    for _ in range(600):
        state = client.post("/graphql", json={"query": IMPORT, "variables": {"id": import_id}},
                            headers={"Authorization": f"Bearer {token}"}).json()["data"]["import"]
        if state["status"] == status:
            return state
        time.sleep(0.05)
    pytest.fail(f"import {import_id} did not reach {status}: {state}")


def test_a_tenth_type_defined_in_one_small_module_runs_end_to_end(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")
    settings.data_dir.mkdir(parents=True)
    db = Database(settings.effective_database_url)
    db.migrate()
    token = issue_token(db).token
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-c", RUNNER, str(settings.data_dir), str(listener.fileno())],
                              pass_fds=(listener.fileno(),), stdout=log, stderr=subprocess.STDOUT,
                              cwd=Path(__file__).parent.parent)
    listener.close()
    try:
        with httpx.Client(base_url=base_url, timeout=10) as client:
            for _ in range(400):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            types = client.post("/graphql", json={"query": "{ importTypes { type fields { name } } }"},
                                headers={"Authorization": f"Bearer {token}"}).json()["data"]["importTypes"]
            assert {"type": "LEAD", "fields": [{"name": n} for n in ("first_name", "last_name", "email", "interest")]} in types

            content = b"first_name,last_name,email,asked about\nAda,Lovelace,ada@example.com,yoga\nBob,,bob@example.com,gym\n"
            operations = {"query": "mutation($input: CreateImportInput!) { createImport(input: $input) { id } }",
                          "variables": {"input": {"type": "LEAD", "file": None}}}
            created = client.post("/graphql", data={"operations": json.dumps(operations),
                                                    "map": json.dumps({"0": ["variables.input.file"]})},
                                  files={"0": ("leads.csv", content, "text/csv")},
                                  headers={"Authorization": f"Bearer {token}", "GraphQL-Preflight": "1"}).json()
            import_id = created["data"]["createImport"]["id"]
            validated = wait_for(client, token, import_id, "VALIDATED")
            assert (validated["totalRows"], validated["failedValidationRows"]) == (2, 1)
            client.post("/graphql", json={"query": "mutation($id: ID!) { startImport(id: $id) { id } }",
                                          "variables": {"id": import_id}}, headers={"Authorization": f"Bearer {token}"})
            assert wait_for(client, token, import_id, "IMPORTED")["importedRows"] == 1
        with db.read() as session:
            leads = session.exec(select(Client)).all()
        assert [(c.email, c.notes) for c in leads] == [("ada@example.com", "Lead: yoga")]
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
        db.dispose()

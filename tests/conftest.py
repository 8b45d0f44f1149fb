from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.db import Database
from domain.settings import Settings
from graph.app import create_app

# The processes the tests start (importer serve, worker, token...) run this tree's code, as the
# tests themselves do, whichever checkout the virtualenv's editable install points at.
ROOT = Path(__file__).parent.parent
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # No request rate limit: tests send many requests with one token (tests/test_limits.py sets one).
    return Settings(data_dir=tmp_path / "data", chunk_size=3, worker_threads=2, max_upload_bytes=1_000_000,
                    requests_per_minute=0)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def db(client: TestClient) -> Database:
    return client.app.state.services.db


@pytest.fixture
def token(db: Database) -> str:
    return issue_token(db, organisation="Spa One", email="owner@spa-one.test").token


@pytest.fixture
def other_token(db: Database) -> str:
    return issue_token(db, organisation="Gym Two", email="owner@gym-two.test").token

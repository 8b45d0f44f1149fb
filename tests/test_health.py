"""/health says the process is alive; /ready says whether it can work (database and broker)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from domain.settings import Settings
from graph.app import create_app
from tests.services import require, unique_prefix

CLOSED_PORT = 1  # nothing listens there: connections are refused at once


def test_health_and_ready_in_the_embedded_default(client: TestClient):
    assert client.get("/health").json() == {"status": "ok"}
    response = client.get("/ready")
    assert (response.status_code, response.json()) == (200, {"database": "ok", "broker": "embedded"})


@pytest.mark.parametrize("broker_url", [f"redis://127.0.0.1:{CLOSED_PORT}/0",
                                        f"amqp://guest:guest@127.0.0.1:{CLOSED_PORT}/%2F"])
def test_an_unreachable_broker_makes_the_server_unready_not_stuck(tmp_path: Path, broker_url: str):
    settings = Settings(data_dir=tmp_path / "data", broker_url=broker_url, queue_prefix=unique_prefix())
    began = time.monotonic()
    with TestClient(create_app(settings)) as client:
        assert time.monotonic() - began < 10, "start-up waited for the broker"
        assert client.get("/health").status_code == 200
        response = client.get("/ready")
        assert (response.status_code, response.json()) == (503, {"database": "ok", "broker": "unavailable"})
    assert time.monotonic() - began < 20, "shut-down waited for the broker"


def test_an_unreachable_database_makes_the_server_unready(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data", database_url=f"postgresql://postgres@127.0.0.1:{CLOSED_PORT}/x")
    with TestClient(create_app(settings, run_worker=False)) as client:
        assert client.get("/health").status_code == 200
        response = client.get("/ready")
        assert (response.status_code, response.json()) == (503, {"database": "unavailable", "broker": "embedded"})


@pytest.mark.parametrize("service, broker_url", [("Redis", "redis://127.0.0.1:6379/0"),
                                                 ("RabbitMQ", "amqp://guest:guest@127.0.0.1:5672/%2F")])
def test_ready_with_a_reachable_broker(tmp_path: Path, service: str, broker_url: str):
    require(service)
    settings = Settings(data_dir=tmp_path / "data", broker_url=broker_url, queue_prefix=unique_prefix())
    with TestClient(create_app(settings, sweep_seconds=0)) as client:
        response = client.get("/ready")
        assert (response.status_code, response.json()) == (200, {"database": "ok", "broker": "ok"})

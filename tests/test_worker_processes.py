"""The production topology: PostgreSQL, a Redis or RabbitMQ broker, and the work done by
separate `importer worker` processes; the server runs no worker of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.db import Database
from domain.models import Client, ValidationRange
from domain.settings import Settings
from graph.app import create_app
from tests.helpers import client_csv, data_of, rollback, settle, start, upload
from tests.services import clean_rabbitmq, clean_redis, postgres_database, require, unique_prefix

ROOT = Path(__file__).parent.parent
BROKERS = {"redis": ("Redis", "redis://127.0.0.1:6379/0"), "rabbitmq": ("RabbitMQ", "amqp://guest:guest@127.0.0.1:5672/%2F")}


@pytest.fixture(params=sorted(BROKERS))
def production(request, tmp_path: Path) -> Iterator[Settings]:
    service, broker_url = BROKERS[request.param]
    require(service)
    prefix = unique_prefix()
    with postgres_database() as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url, broker_url=broker_url,
                            queue_prefix=prefix, chunk_size=25, validation_range_rows=40)
        db = Database(settings.effective_database_url)
        db.migrate()
        db.dispose()
        try:
            yield settings
        finally:
            clean_redis(prefix) if request.param == "redis" else clean_rabbitmq(prefix)


@pytest.fixture
def worker_process(production: Settings) -> Iterator[subprocess.Popen]:
    env = os.environ | {
        "DATABASE_URL": production.database_url, "BROKER_URL": production.broker_url,
        "IMPORTER_QUEUE_PREFIX": production.queue_prefix, "IMPORTER_DATA_DIR": str(production.data_dir),
        "IMPORTER_CHUNK_SIZE": str(production.chunk_size),
        "IMPORTER_VALIDATION_RANGE_ROWS": str(production.validation_range_rows),
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "importer"), "worker", "--processes", "1", "--threads", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_worker_processes_validate_import_and_roll_back_a_file(production, worker_process):
    with TestClient(create_app(production)) as client:
        db = client.app.state.services.db
        token = issue_token(db).token
        content = client_csv(120).decode() + "Bad,Row,not-an-email,,,,\n"
        created = data_of(upload(client, content.encode(), token=token))["createImport"]
        validated = settle(client, token, created["id"])
        assert (validated["status"], validated["totalRows"], validated["failedValidationRows"]) == ("VALIDATED", 121, 1)
        with db.read() as session:  # validated in ranges of 40 rows, each a message of its own
            parts = session.exec(select(ValidationRange.first_row, ValidationRange.done)
                                 .where(ValidationRange.import_id == uuid.UUID(created["id"]))).all()
        assert sorted(parts) == [(2, True), (42, True), (82, True), (122, True)]

        data_of(start(client, token, created["id"]))
        imported = settle(client, token, created["id"])
        assert (imported["status"], imported["importedRows"], imported["failedImportRows"]) == ("IMPORTED", 120, 0)
        with db.read() as session:
            emails = session.exec(select(Client.email_key)).all()
        assert sorted(emails) == sorted(f"person{i}@example.com" for i in range(120))

        data_of(rollback(client, token, created["id"]))
        rolled_back = settle(client, token, created["id"])
        assert (rolled_back["status"], rolled_back["rolledBackRows"]) == ("ROLLED_BACK", 120)
        with db.read() as session:
            assert session.exec(select(func.count()).select_from(Client)).one() == 0
    assert worker_process.poll() is None, "the worker process died"

"""Real PostgreSQL, Redis and RabbitMQ for the integration tests, each made unique per run
and cleaned up. Absent services skip the test with a message naming them, unless
IMPORTER_REQUIRE_SERVICES=1 (CI), where an absent service fails it."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from domain.db import Database
from domain.settings import Settings

SERVICES = {"PostgreSQL": 5432, "Redis": 6379, "RabbitMQ": 5672}


def require(name: str) -> None:
    port = SERVICES[name]
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        skip_or_fail(f"{name} is not answering on 127.0.0.1:{port}")


def skip_or_fail(message: str) -> None:
    """Skip the test for want of something installed, or fail it in CI (IMPORTER_REQUIRE_SERVICES=1)."""
    if os.environ.get("IMPORTER_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (IMPORTER_REQUIRE_SERVICES=1)")
    pytest.skip(message)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database; its URL. Dropped afterwards."""
    require("PostgreSQL")
    import psycopg

    name = f"importer_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated(settings: Settings) -> Settings:
    """`settings`, once their database has every migration."""
    db = Database(settings.effective_database_url)
    db.migrate()
    db.dispose()
    return settings


def unique_prefix() -> str:
    return f"importer-test-{uuid.uuid4().hex[:10]}"


def clean_redis(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def clean_rabbitmq(queue_prefix: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters("amqp://guest:guest@127.0.0.1:5672/%2F"))
    channel = connection.channel()
    base = f"{queue_prefix}-imports"
    for name in (base, f"{base}.DQ", f"{base}.XQ"):
        channel.queue_delete(queue=name)
    connection.close()

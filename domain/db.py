"""The database: engine set-up, sessions for reading and writing, migrations."""

from __future__ import annotations

import sqlite3
from typing import Any
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"
# A database that does not accept a connection within this long counts as unavailable.
CONNECT_TIMEOUT_SECONDS = 5


def _dumps(value: object) -> str:
    return orjson.dumps(value).decode()


# JSON columns (every row's cells, errors and staged record) encoded and decoded by orjson:
# several times faster than the json module, on the path every row of a file takes.
JSON_CODEC: dict[str, Any] = {"json_serializer": _dumps, "json_deserializer": orjson.loads}


class Database:
    """Owns the engine. `read()` and `write()` give sessions; `write()` commits on success."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine = _make_engine(url)
        # On SQLite a write transaction takes the write lock when it begins, so two
        # writers queue on busy_timeout instead of failing on a lock upgrade.
        self._write_engine = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        )
        # Called with each `write()` session once its transaction has committed (webhooks).
        self.after_write: list[Callable[[Session], None]] = []

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with Session(self._write_engine, expire_on_commit=False) as session:
            with session.begin():
                yield session
            for callback in self.after_write:
                callback(session)

    def migrate(self) -> None:
        """Apply every Alembic migration not yet applied."""
        with self.engine.begin() as connection:
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def is_outage(error: BaseException | None) -> bool:
    """True when the database could not be reached or dropped the connection (down,
    restarting, network cut): nobody's fault, worth trying again in a moment."""
    return isinstance(error, DBAPIError) and (error.connection_invalidated or isinstance(error, OperationalError))


def _make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        # pre-ping: a pooled connection the database dropped (a restart, a cut) is replaced
        # before use instead of failing the next transaction.
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **JSON_CODEC,
                             connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **JSON_CODEC)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a power cut may lose the last commits, never corrupt the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")

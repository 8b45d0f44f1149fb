"""Settings, read once from the environment and passed down."""

from __future__ import annotations

import enum
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from pathlib import Path

from domain.limits import FileLimits


LIMIT_VARIABLES = {
    "max_upload_bytes": "IMPORTER_MAX_UPLOAD_BYTES",
    "max_rows": "IMPORTER_MAX_ROWS",
    "max_columns": "IMPORTER_MAX_COLUMNS",
    "max_cell_chars": "IMPORTER_MAX_CELL_CHARS",
    "max_unpacked_bytes": "IMPORTER_MAX_UNPACKED_BYTES",
    "max_query_bytes": "IMPORTER_MAX_QUERY_BYTES",
    "max_query_tokens": "IMPORTER_MAX_QUERY_TOKENS",
    "max_query_depth": "IMPORTER_MAX_QUERY_DEPTH",
    "max_aliases": "IMPORTER_MAX_ALIASES",
    "max_query_complexity": "IMPORTER_MAX_QUERY_COMPLEXITY",
    "max_page_size": "IMPORTER_MAX_PAGE_SIZE",
    "requests_per_minute": "IMPORTER_REQUESTS_PER_MINUTE",
    "max_subscriptions": "IMPORTER_MAX_SUBSCRIPTIONS",
}
# A served process reads its settings from the environment: there, the request rate is limited by default.
ENV_DEFAULTS = {"requests_per_minute": 600}


class UploadStorageKind(str, enum.Enum):
    """Where uploads are kept (IMPORTER_UPLOAD_STORAGE; domain/storage)."""

    DIRECTORY = "directory"  # the data directory: servers and workers share it
    DATABASE = "database"  # chunks in the database: they share only the database and the broker


@dataclass(frozen=True)
class Settings:
    """Everything an operator can set. Each field has an environment variable."""

    data_dir: Path = Path("importer-data")
    upload_storage: UploadStorageKind = UploadStorageKind.DIRECTORY
    database_url: str | None = None
    broker_url: str | None = None
    queue_prefix: str = "importer"
    max_upload_bytes: int = 100 * 1024 * 1024
    chunk_size: int = 2000  # rows per chunk message; chosen by measurement (bench/README.md)
    worker_threads: int = 2
    chunks_in_flight: int = 0  # per import; 0: as many as worker_threads
    # Data rows of a CSV file one validation message takes (domain/pipeline/ranges.py): worker
    # processes (embedded: child processes of the server) share a big file. 0: one message a file.
    validation_range_rows: int = 50_000
    max_running_imports_per_organisation: int = 3
    public_url: str = ""
    # Operations (README, Operations): see operations_from_env for their variables.
    cors_origins: tuple[str, ...] = ()  # origins allowed cross-origin, over HTTP and WebSocket
    introspection: bool = True
    graphiql: bool = True
    log_format: str = "text"  # or "json"
    metrics_allow: tuple[str, ...] = ("127.0.0.1/32", "::1/128")  # networks that may read /metrics
    metrics_token: str = ""  # a bearer token that may read /metrics from anywhere
    worker_metrics_port: int = 0  # importer worker: Dramatiq's Prometheus exporter on this port (0: off)
    # Limits (README, Security): each has the variable LIMIT_VARIABLES names.
    max_rows: int = 1_000_000
    max_columns: int = 500
    max_cell_chars: int = 32_767
    max_unpacked_bytes: int = 1024 * 1024 * 1024
    max_query_bytes: int = 100_000
    max_query_tokens: int = 5_000
    max_query_depth: int = 15
    max_aliases: int = 30
    max_query_complexity: int = 50_000
    max_page_size: int = 500
    requests_per_minute: int = 0  # off when built in code (tests); the environment's default is on
    max_subscriptions: int = 20
    # Webhooks (README, Webhooks): private, loopback and link-local addresses only when allowed.
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = 5.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        # Every limit is an int field; the names come from LIMIT_VARIABLES, so typed here, not per field.
        limits: dict[str, Any] = {name: int(env.get(variable, ENV_DEFAULTS.get(name, getattr(defaults, name))))
                                  for name, variable in LIMIT_VARIABLES.items()}
        return cls(
            data_dir=Path(env.get("IMPORTER_DATA_DIR", str(defaults.data_dir))),
            upload_storage=upload_storage_from_env(env),
            database_url=env.get("DATABASE_URL") or None,
            broker_url=env.get("BROKER_URL") or None,
            queue_prefix=env.get("IMPORTER_QUEUE_PREFIX", defaults.queue_prefix),
            chunk_size=int(env.get("IMPORTER_CHUNK_SIZE", defaults.chunk_size)),
            worker_threads=int(env.get("IMPORTER_WORKER_THREADS", defaults.worker_threads)),
            **limits,
            chunks_in_flight=int(env.get("IMPORTER_CHUNKS_IN_FLIGHT", defaults.chunks_in_flight)),
            validation_range_rows=int(env.get("IMPORTER_VALIDATION_RANGE_ROWS", defaults.validation_range_rows)),
            max_running_imports_per_organisation=int(env.get("IMPORTER_MAX_RUNNING_IMPORTS_PER_ORGANISATION",
                                                             defaults.max_running_imports_per_organisation)),
            **operations_from_env(env),
            **webhooks_from_env(env),
        )

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy URL: DATABASE_URL, or the SQLite file in the data directory."""
        if not self.database_url:
            return f"sqlite:///{(self.data_dir / 'importer.sqlite3').resolve()}"
        url = self.database_url
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url

    @property
    def chunk_messages_per_import(self) -> int:
        """How many chunk messages of one import may be queued or running at once."""
        return max(1, self.chunks_in_flight or self.worker_threads)

    @property
    def file_limits(self) -> FileLimits:
        return FileLimits(rows=self.max_rows, columns=self.max_columns, cell_chars=self.max_cell_chars,
                          unpacked_bytes=self.max_unpacked_bytes)

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"


class SettingsError(ValueError):
    """An environment variable has a value that cannot be used; the message names it."""


def upload_storage_from_env(env: Mapping[str, str]) -> UploadStorageKind:
    given = env.get("IMPORTER_UPLOAD_STORAGE", "")
    value = given.strip().lower() or UploadStorageKind.DIRECTORY.value
    try:
        return UploadStorageKind(value)
    except ValueError:
        later = "; S3-compatible storage is planned, not built yet (docs/DEPLOYMENT.md)" if value == "s3" else ""
        raise SettingsError(f"IMPORTER_UPLOAD_STORAGE must be directory (the data directory, the default) or "
                            f"database (in the database: no shared disk), not {given!r}{later}") from None


def operations_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """The operations settings: CORS, introspection, GraphiQL, logs and /metrics."""
    defaults = Settings()
    log_format = env.get("IMPORTER_LOG_FORMAT", defaults.log_format).strip().lower()
    if log_format not in ("text", "json"):
        raise SettingsError(f"IMPORTER_LOG_FORMAT must be text or json, not {log_format!r}")
    return {
        "cors_origins": _words(env.get("IMPORTER_CORS_ORIGINS", "")),
        "introspection": _flag(env, "IMPORTER_INTROSPECTION", default=defaults.introspection),
        "graphiql": _flag(env, "IMPORTER_GRAPHIQL", default=defaults.graphiql),
        "log_format": log_format,
        "metrics_allow": _networks(env.get("IMPORTER_METRICS_ALLOW", ",".join(defaults.metrics_allow))),
        "metrics_token": env.get("IMPORTER_METRICS_TOKEN", ""),
        "worker_metrics_port": _port(env.get("IMPORTER_WORKER_METRICS_PORT", "0")),
    }


def webhooks_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """IMPORTER_WEBHOOK_ALLOW_PRIVATE and IMPORTER_WEBHOOK_TIMEOUT_SECONDS."""
    timeout = env.get("IMPORTER_WEBHOOK_TIMEOUT_SECONDS", "").strip() or str(Settings.webhook_timeout_seconds)
    try:
        seconds = float(timeout)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 60:
        raise SettingsError(f"IMPORTER_WEBHOOK_TIMEOUT_SECONDS must be a number of seconds from 0 to 60, not {timeout!r}")
    return {"webhook_allow_private": _flag(env, "IMPORTER_WEBHOOK_ALLOW_PRIVATE", default=False),
            "webhook_timeout_seconds": seconds}


def _words(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _networks(value: str) -> tuple[str, ...]:
    networks = _words(value)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise SettingsError(f"IMPORTER_METRICS_ALLOW: {network!r} is not a network "
                                "(write e.g. 10.0.0.0/8,127.0.0.1)") from None
    return networks


def _port(value: str) -> int:
    if not value.strip().isdigit() or int(value) > 65535:
        raise SettingsError(f"IMPORTER_WORKER_METRICS_PORT must be a port number (0: off), not {value!r}")
    return int(value)


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")

"""Settings, read once from the environment and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
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


@dataclass(frozen=True)
class Settings:
    """Everything an operator can set. Each field has an environment variable."""

    data_dir: Path = Path("importer-data")
    database_url: str | None = None
    broker_url: str | None = None
    queue_prefix: str = "importer"
    max_upload_bytes: int = 100 * 1024 * 1024
    chunk_size: int = 500
    worker_threads: int = 2
    chunks_in_flight: int = 0  # per import; 0: as many as worker_threads
    max_running_imports_per_organisation: int = 3
    public_url: str = ""
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
    requests_per_minute: int = 600
    max_subscriptions: int = 20

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            data_dir=Path(env.get("IMPORTER_DATA_DIR", str(defaults.data_dir))),
            database_url=env.get("DATABASE_URL") or None,
            broker_url=env.get("BROKER_URL") or None,
            queue_prefix=env.get("IMPORTER_QUEUE_PREFIX", defaults.queue_prefix),
            chunk_size=int(env.get("IMPORTER_CHUNK_SIZE", defaults.chunk_size)),
            worker_threads=int(env.get("IMPORTER_WORKER_THREADS", defaults.worker_threads)),
            **{name: int(env.get(variable, getattr(defaults, name))) for name, variable in LIMIT_VARIABLES.items()},
            chunks_in_flight=int(env.get("IMPORTER_CHUNKS_IN_FLIGHT", defaults.chunks_in_flight)),
            max_running_imports_per_organisation=int(env.get("IMPORTER_MAX_RUNNING_IMPORTS_PER_ORGANISATION",
                                                             defaults.max_running_imports_per_organisation)),
        )

    def with_changes(self, **changes: object) -> Settings:
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
    def lanes(self) -> int:
        """How many chunk messages of one import may be queued or running at once."""
        return max(1, self.chunks_in_flight or self.worker_threads)

    @property
    def file_limits(self) -> FileLimits:
        return FileLimits(rows=self.max_rows, columns=self.max_columns, cell_chars=self.max_cell_chars,
                          unpacked_bytes=self.max_unpacked_bytes)

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

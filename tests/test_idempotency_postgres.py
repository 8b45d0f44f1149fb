"""test_idempotency on PostgreSQL: there two requests with one key really run at the same time
(SQLite queues writers), and the loser's unique violation answers with the winner's import."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.settings import Settings
from tests.services import migrated, postgres_database
from tests.test_idempotency import *  # noqa: F403  (the same tests, against PostgreSQL)


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    with postgres_database() as url:
        yield migrated(Settings(data_dir=tmp_path / "data", database_url=url, chunk_size=3,
                                max_upload_bytes=1_000_000, requests_per_minute=0))

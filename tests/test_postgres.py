"""The whole flow of test_flow, the modes of test_modes and the staged changes of test_staged_changes, on PostgreSQL instead of SQLite (embedded worker)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.settings import Settings
from tests.services import migrated, postgres_database
from tests.test_flow import *  # noqa: F403  (the same tests, run against PostgreSQL)
from tests.test_modes import *  # noqa: F403
from tests.test_staged_changes import *  # noqa: F403


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    with postgres_database() as url:
        yield migrated(Settings(data_dir=tmp_path / "data", database_url=url, chunk_size=3, max_upload_bytes=1_000_000))

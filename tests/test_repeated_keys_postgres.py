"""test_repeated_keys on PostgreSQL: the repeats are read through a server-side cursor while
other transactions mark them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.db import Database
from domain.settings import Settings
from tests.services import postgres_database
from tests.test_repeated_keys import *  # noqa: F403  (the same tests, against PostgreSQL)


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    with postgres_database() as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url, chunk_size=3, max_upload_bytes=1_000_000)
        db = Database(settings.effective_database_url)
        db.migrate()
        db.dispose()
        yield settings

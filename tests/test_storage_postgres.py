"""test_storage on PostgreSQL (the chunks are bytea), and the topology it is for: `importer
worker` processes with a data directory of their own, on no disk the server can see, reading
every upload from PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.models import Client
from domain.settings import Settings, UploadStorageKind
from graph.app import create_app
from tests.helpers import data_of, settle, start, upload
from tests.processes import redis_production, worker_group
from tests.services import migrated, postgres_database
from tests.test_storage import (  # noqa: F401  (the same tests, against PostgreSQL)
    chunks_of,
    files_in,
    long_rows_csv,
    test_a_new_encoding_or_header_row_is_read_again_from_the_database,
    test_a_refused_or_repeated_upload_keeps_nothing,
    test_an_upload_kept_in_the_database_is_validated_imported_and_rolled_back,
    test_an_xlsx_workbook_kept_in_the_database_is_read,
    test_deleting_an_import_deletes_its_chunks,
    test_memory_holds_a_chunk_or_two_whatever_the_size_of_the_file,
    test_the_stream_reads_seeks_and_tells_like_a_file,
)
from tests.test_xlsx import workbook


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    with postgres_database() as url:
        yield migrated(Settings(data_dir=tmp_path / "data", database_url=url, upload_storage=UploadStorageKind.DATABASE,
                                chunk_size=500, worker_threads=2, max_upload_bytes=5_000_000, requests_per_minute=0))


@pytest.mark.timeout(300)
def test_workers_that_share_no_disk_with_the_server_read_the_uploads_from_postgresql(tmp_path: Path):
    with redis_production(tmp_path, chunk_size=500, upload_storage="database") as settings:
        with worker_group(settings, processes=1, threads=2, log=tmp_path / "workers.log") as workers:
            assert workers.env["IMPORTER_DATA_DIR"] != str(settings.data_dir)
            with TestClient(create_app(settings)) as client:
                db = client.app.state.services.db
                token = issue_token(db).token
                csv = data_of(upload(client, long_rows_csv(3000), token=token))["createImport"]
                xlsx = data_of(upload(client, workbook([["Ada", "Lovelace", "ada@example.com"]]), token=token,
                                      filename="clients.xlsx"))["createImport"]
                assert chunks_of(db, csv["id"])[0] == 2
                validated = settle(client, token, csv["id"])
                assert (validated["status"], validated["totalRows"], validated["failedValidationRows"]) == \
                    ("VALIDATED", 3001, 1), workers.output_tail()
                assert settle(client, token, xlsx["id"])["totalRows"] == 1
                data_of(start(client, token, csv["id"]))
                assert settle(client, token, csv["id"])["importedRows"] == 3000
                with db.read() as session:
                    assert len(session.exec(select(Client.id)).all()) == 3000
        assert files_in(settings.data_dir / "uploads") == []
        assert not Path(workers.env["IMPORTER_DATA_DIR"]).exists()  # the workers never needed a directory

"""Uploads kept in the database (IMPORTER_UPLOAD_STORAGE=database): through the API, every
reading of the file (header, validation, samples, a remap) comes from the database, nothing
is written to the data directory, a refused or repeated upload keeps nothing, and the stream
holds one chunk at a time whatever the file's size. test_storage_postgres.py runs the same on
PostgreSQL, with worker processes that have no access to the server's disk."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tracemalloc
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete, func
from sqlmodel import select

from bench.corpus import corpus, run_file
from domain.db import Database
from domain.models import Client, Import, ImportRow, UploadChunk
from domain.settings import Settings, SettingsError, UploadStorageKind
from domain.files.storage import DatabaseStorage, open_upload
from domain.files.storage.database import CHUNK_BYTES, LOCATION
from tests.helpers import CLIENT_HEADER, data_of, error_code, gql, rollback, settle, start, upload
from tests.test_xlsx import workbook

SMALL_CHUNK = 997  # bytes: chunk boundaries fall all over the corpus's files, inside characters too
NOTE = ("Prefers Zoë's café, \"the one by the station\", then\nlunch; " * 10).strip()
SAMPLES = "query($id: ID!) { import(id: $id) { headers columnSamples(count: 2) { column values } } }"
REMAP = """mutation($id: ID!, $encoding: String, $headerRow: Int) {
  updateImportMapping(id: $id, encoding: $encoding, headerRow: $headerRow) { status headers } }"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", upload_storage=UploadStorageKind.DATABASE, chunk_size=500,
                    worker_threads=2, max_upload_bytes=5_000_000, requests_per_minute=0)


def long_rows_csv(count: int) -> bytes:
    """`count` client rows with a long note each (accented letters, quotes, commas, a line
    break: about 600 bytes a row), then one row with a bad email."""
    quoted = NOTE.replace('"', '""')
    rows = [f'First{i},Last{i},person{i}@example.com,,1990-11-05,yes,"{quoted} {i}"\n' for i in range(count)]
    return (CLIENT_HEADER + "".join(rows) + "Bad,Row,not-an-email,,,,\n").encode()


def chunks_of(db: Database, import_id: str) -> tuple[int, int]:
    """(how many chunks, how many bytes) the import's file has in the database."""
    with db.read() as session:
        return tuple(session.exec(select(func.count(), func.coalesce(func.sum(func.length(UploadChunk.data)), 0))
                                  .where(UploadChunk.import_id == uuid.UUID(import_id))).one())


def all_chunks(db: Database) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(UploadChunk)).one()


def files_in(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_an_upload_kept_in_the_database_is_validated_imported_and_rolled_back(client, token, db, settings):
    content = long_rows_csv(4000)
    assert len(content) > 2 * CHUNK_BYTES
    created = data_of(upload(client, content, token=token))["createImport"]
    assert chunks_of(db, created["id"]) == (-(-len(content) // CHUNK_BYTES), len(content))
    with db.read() as session:
        assert session.get(Import, uuid.UUID(created["id"])).stored_path == LOCATION
    assert files_in(settings.data_dir / "uploads") == []

    validated = settle(client, token, created["id"])
    assert (validated["status"], validated["totalRows"], validated["failedValidationRows"]) == ("VALIDATED", 4001, 1)
    samples = data_of(gql(client, SAMPLES, {"id": created["id"]}, token=token))["import"]["columnSamples"]
    assert samples[0] == {"column": "first_name", "values": ["First0", "First1"]}

    data_of(start(client, token, created["id"]))
    imported = settle(client, token, created["id"])
    assert (imported["status"], imported["importedRows"]) == ("IMPORTED", 4000)
    with db.read() as session:
        notes = dict(session.exec(select(Client.email_key, Client.notes)).all())
    assert len(notes) == 4000
    assert all(notes[f"person{i}@example.com"] == f"{NOTE} {i}" for i in range(4000))  # across chunk boundaries
    data_of(rollback(client, token, created["id"]))
    assert settle(client, token, created["id"])["status"] == "ROLLED_BACK"
    assert files_in(settings.data_dir) == [path for path in files_in(settings.data_dir) if "sqlite3" in path.name]


def test_a_new_encoding_or_header_row_is_read_again_from_the_database(client, token):
    content = "Client list,,\r\nexported 2026,,\r\nFirst name,Last name,Email\r\nZoë,Brontë,zoe@example.com\r\n"
    created = data_of(upload(client, content.encode("cp1252"), token=token))["createImport"]
    assert settle(client, token, created["id"])["status"] == "VALIDATED"
    read = data_of(gql(client, SAMPLES, {"id": created["id"]}, token=token))["import"]
    assert read["headers"] == ["First name", "Last name", "Email"]
    assert read["columnSamples"][0]["values"] == ["Zoë"]

    moved = data_of(gql(client, REMAP, {"id": created["id"], "headerRow": 2, "encoding": "mac_roman"},
                        token=token))["updateImportMapping"]
    assert moved["headers"] == ["exported 2026", "Column 2", "Column 3"]
    settle(client, token, created["id"])
    samples = data_of(gql(client, SAMPLES, {"id": created["id"]}, token=token))["import"]["columnSamples"]
    assert samples[0]["values"] == ["First name", "Zo\u00ce"]  # 0xEB is Î in Mac Roman: the stored bytes, read anew


def test_an_xlsx_workbook_kept_in_the_database_is_read(client, token, db):
    content = workbook([["Ada", "Lovelace", "ada@example.com", None, "1990-11-05", True, "00123"],
                        ["Cy", "Young", "not-an-email", None, None, None, None]])
    created = data_of(upload(client, content, token=token, filename="clients.xlsx"))["createImport"]
    assert chunks_of(db, created["id"]) == (1, len(content))
    validated = settle(client, token, created["id"])
    assert (validated["status"], validated["totalRows"], validated["failedValidationRows"]) == ("VALIDATED", 2, 1)
    samples = data_of(gql(client, SAMPLES, {"id": created["id"]}, token=token))["import"]["columnSamples"]
    assert samples[-1] == {"column": "external_ref", "values": ["00123"]}


def test_a_refused_or_repeated_upload_keeps_nothing(client, token, db, settings):
    assert error_code(upload(client, b"", token=token)) == "BAD_FILE"
    assert error_code(upload(client, b"\x89PNG\r\n\x1a\n" + bytes(100), token=token)) == "BAD_FILE"
    assert error_code(upload(client, b"a,b\n" + b"1,2\n" * 1_300_000, token=token)) == "FILE_TOO_LARGE"
    assert error_code(upload(client, long_rows_csv(5), token=token, mapping=[{"column": "nope", "field": "email"}])) \
        == "BAD_INPUT"
    assert all_chunks(db) == 0

    content = long_rows_csv(2000)
    first = data_of(upload(client, content, token=token, idempotency_key="k-1"))["createImport"]
    again = data_of(upload(client, content, token=token, idempotency_key="k-1"))["createImport"]
    assert again["id"] == first["id"]
    assert all_chunks(db) == chunks_of(db, first["id"])[0] == 2
    assert files_in(settings.data_dir / "uploads") == []


def test_deleting_an_import_deletes_its_chunks(client, token, db):
    kept = data_of(upload(client, long_rows_csv(10), token=token))["createImport"]
    gone = data_of(upload(client, long_rows_csv(2000), token=token))["createImport"]
    for created in (kept, gone):
        settle(client, token, created["id"])
    with db.write() as session:
        session.exec(delete(ImportRow).where(ImportRow.import_id == uuid.UUID(gone["id"])))
        session.exec(delete(Import).where(Import.id == uuid.UUID(gone["id"])))
    assert chunks_of(db, gone["id"]) == (0, 0)
    assert chunks_of(db, kept["id"])[0] == 1


def kept_in_chunks(client, token: str, db: Database, source: io.RawIOBase | io.BufferedIOBase, *,
                   chunk_bytes: int) -> Import:
    """An import (a copy of one made through the API) whose file is `source`, kept by the
    database storage in chunks of `chunk_bytes`."""
    made = data_of(upload(client, long_rows_csv(1), token=token))["createImport"]
    with db.read() as session:
        record = Import(**session.get(Import, uuid.UUID(made["id"])).model_dump(exclude={"id"}), id=uuid.uuid4())
    storage = DatabaseStorage(db, chunk_bytes=chunk_bytes)
    with storage.receive(record.id, source, max_bytes=1 << 40) as received, db.write() as session:
        session.add(record)
        received.keep(session)
    return record


def test_the_stream_reads_seeks_and_tells_like_a_file(client, token, db, settings):
    content = bytes(range(256)) * 40
    record = kept_in_chunks(client, token, db, io.BytesIO(content), chunk_bytes=7)
    kept = open_upload(db, settings, record)
    assert kept.size() == len(content)
    with kept.open() as stream:
        assert stream.read() == content
        assert stream.seek(-5, io.SEEK_END) == len(content) - 5 and stream.read() == content[-5:]
        assert stream.read(3) == b""
        assert stream.seek(6) == 6 and stream.read(3) == content[6:9] and stream.tell() == 9
        assert stream.seek(3, io.SEEK_CUR) == 12 and stream.read(20) == content[12:32]
    with kept.local_copy() as copy:
        assert copy.read_bytes() == content
    assert not copy.exists()


@pytest.fixture
def small_chunks(client, db) -> None:
    """The service keeps uploads in chunks of SMALL_CHUNK bytes."""
    client.app.state.services.imports.uploads = DatabaseStorage(db, chunk_bytes=SMALL_CHUNK)


@pytest.mark.parametrize("path", corpus(), ids=lambda path: path.name)
def test_an_export_kept_in_small_chunks_is_read_as_it_was_meant(client, token, small_chunks, path: Path):
    outcome = run_file(client, token, path, lambda client, token, import_id: settle(client, token, import_id))
    assert outcome.problems == []
    assert outcome.values_checked > 0 or outcome.expected_rows == 0


def test_memory_holds_a_chunk_or_two_whatever_the_size_of_the_file(client, token, db, settings, tmp_path):
    """The argument for constant memory, measured: a file of 16 chunks is written and read
    back with the memory Python allocates peaking at a few chunks' worth."""
    big = tmp_path / "big.csv"
    with big.open("wb") as out:
        for _ in range(16):
            out.write(os.urandom(CHUNK_BYTES // 2).hex().encode())
    tracemalloc.start()
    try:
        with big.open("rb") as source:
            record = kept_in_chunks(client, token, db, source, chunk_bytes=CHUNK_BYTES)
        _, writing = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        read = 0
        with open_upload(db, settings, record).open() as stream:
            while block := stream.read(64 * 1024):
                read += len(block)
        _, reading = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read == big.stat().st_size == 16 * CHUNK_BYTES
    assert chunks_of(db, str(record.id)) == (16, 16 * CHUNK_BYTES)
    print(f"\n16 MiB file: peak {writing / CHUNK_BYTES:.1f} MiB writing, {reading / CHUNK_BYTES:.1f} MiB reading")
    assert writing < 4 * CHUNK_BYTES and reading < 4 * CHUNK_BYTES


def test_the_setting_takes_directory_or_database_and_refuses_anything_else():
    assert Settings.from_env({}).upload_storage == UploadStorageKind.DIRECTORY
    assert Settings.from_env({"IMPORTER_UPLOAD_STORAGE": " Database "}).upload_storage == UploadStorageKind.DATABASE
    for wrong in ("disk", "s3", "postgres"):
        with pytest.raises(SettingsError, match=f"IMPORTER_UPLOAD_STORAGE must be directory .* or database .*not '{wrong}'"):
            Settings.from_env({"IMPORTER_UPLOAD_STORAGE": wrong})


def test_a_bad_storage_stops_the_commands_at_start_saying_why(tmp_path):
    env = os.environ | {"IMPORTER_UPLOAD_STORAGE": "s3", "BROKER_URL": "redis://127.0.0.1:1/0"}
    for command in (["serve", "--port", "1"], ["worker"]):
        done = subprocess.run([str(Path(sys.executable).parent / "importer"), *command], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("importer: IMPORTER_UPLOAD_STORAGE must be directory"), done.stderr
        assert "S3-compatible storage is planned, not built yet" in done.stderr
    assert not (tmp_path / "importer-data").exists()

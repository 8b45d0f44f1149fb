"""Chunks of an import and of its rollback, run through the domain with a list for a queue:
no server, no broker, no threads (each test well under a second). What the end-to-end and
fault tests show through the API, at the size of one chunk: a chunk delivered again writes
nothing, a chunk for an import that moved on does nothing, the last chunk finishes and
gives the organisation's next import its turn."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import func, select

from domain.accounts.auth import Principal, authenticate, issue_token
from domain.db import Database
from domain.models import Client, Import, ImportMode
from domain.ports import ListQueue, NoProgressPublisher
from domain.pipeline.processing import Processor
from domain.services import ImportService, Upload
from domain.settings import Settings
from tests.helpers import client_csv

CHUNK = 10


class Domain:
    def __init__(self, tmp_path: Path, **settings: object) -> None:
        self.settings = Settings(data_dir=tmp_path, chunk_size=CHUNK, **settings)
        self.db = Database(self.settings.effective_database_url)
        self.db.migrate()
        self.queue = ListQueue()
        self.processor = self.queue.worker = Processor(self.db, self.settings, queue=self.queue,
                                                          publisher=NoProgressPublisher())
        self.service = ImportService(self.db, self.settings, queue=self.queue, publisher=NoProgressPublisher())
        self.principal: Principal = authenticate(
            self.db, f"Bearer {issue_token(self.db, organisation=f'chunks-{uuid.uuid4().hex[:8]}').token}")

    def validated(self, rows: int, *, start: int = 0) -> uuid.UUID:
        upload = Upload("clients.csv", io.BytesIO(client_csv(rows, start=start)))
        record = self.service.create_import(self.principal, type_name="client", mode=ImportMode.STORE, upload=upload)
        self.queue.drain()
        assert self.get(record.id).status == "validated"
        return record.id

    def get(self, import_id: uuid.UUID) -> Import:
        with self.db.read() as session:
            record = session.get(Import, import_id)
            assert record is not None
            return record

    def records(self, import_id: uuid.UUID) -> int:
        with self.db.read() as session:
            return session.exec(select(func.count()).select_from(Client).where(Client.import_id == import_id)).one()


@pytest.fixture
def domain(tmp_path: Path) -> Iterator[Domain]:
    domain = Domain(tmp_path)
    yield domain
    domain.db.dispose()


def test_each_chunk_moves_progress_and_the_last_one_finishes(domain: Domain):
    import_id = domain.validated(35)
    domain.service.start_import(domain.principal, import_id)
    seen = []
    while domain.queue.calls:
        domain.queue.run_next()
        record = domain.get(import_id)
        seen.append((record.status, record.imported_rows, record.progress))
    assert seen[-1] == ("imported", 35, 100)
    assert [rows for _, rows, _ in seen] == sorted(rows for _, rows, _ in seen)  # never backwards
    assert {rows for _, rows, _ in seen} >= {10, 20, 30, 35}  # a chunk at a time
    assert domain.records(import_id) == 35


def test_a_chunk_delivered_again_writes_nothing(domain: Domain):
    import_id = domain.validated(25)
    domain.service.start_import(domain.principal, import_id)
    domain.queue.drain()
    domain.processor.import_chunk(import_id, 2, 11)  # a message of the first chunk, redelivered
    domain.processor.import_next_chunk(import_id)
    record = domain.get(import_id)
    assert (record.status, record.imported_rows, record.failed_import_rows) == ("imported", 25, 0)
    assert domain.records(import_id) == 25
    assert not domain.queue.calls


def test_a_rollback_chunk_delivered_again_undoes_nothing_twice(domain: Domain):
    import_id = domain.validated(25)
    domain.service.start_import(domain.principal, import_id)
    domain.queue.drain()
    domain.service.rollback_import(domain.principal, import_id)
    domain.queue.drain()
    domain.processor.rollback_chunk(import_id, 2, 11)
    domain.processor.rollback_next_chunk(import_id)
    record = domain.get(import_id)
    assert (record.status, record.rolled_back_rows, record.rollback_conflict_rows) == ("rolled_back", 25, 0)
    assert domain.records(import_id) == 0


def test_chunks_of_an_import_that_moved_on_do_nothing(domain: Domain):
    import_id = domain.validated(25)
    domain.service.start_import(domain.principal, import_id)
    domain.queue.calls.clear()  # the chunk messages are lost, then come late: the import is still IMPORTING
    domain.processor.import_next_chunk(import_id)  # one chunk, then it queues the next
    assert domain.get(import_id).imported_rows == CHUNK
    domain.queue.calls.clear()
    domain.processor.rollback_next_chunk(import_id)  # a rollback message while it imports: nothing
    record = domain.get(import_id)
    assert (record.status, record.imported_rows, record.rolled_back_rows) == ("importing", CHUNK, 0)
    assert not domain.queue.calls


def test_the_last_chunk_gives_the_organisations_next_import_its_turn(tmp_path: Path):
    domain = Domain(tmp_path, max_running_imports_per_organisation=1)
    first, second = domain.validated(15), domain.validated(15, start=100)
    domain.service.start_import(domain.principal, first)
    domain.service.start_import(domain.principal, second)
    assert domain.get(second).queued_at is not None  # waits for a slot
    domain.queue.drain()
    assert (domain.get(first).status, domain.get(second).status) == ("imported", "imported")
    assert (domain.records(first), domain.records(second)) == (15, 15)
    domain.db.dispose()

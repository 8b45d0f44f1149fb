"""A big CSV file validated in ranges (domain/pipeline/ranges.py) ends exactly as when one
message validates it: the same rows, problems, counters and notices, whatever order the range
messages run in, when they are delivered again, and when the file is kept in the database.
Run through the domain with a list for a queue, ranges of a few rows."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from domain.accounts.auth import Principal, authenticate, issue_token
from domain.db import Database
from domain.models import Import, ImportMode, ImportRow, ValidationRange
from domain.ports import ListQueue, NoProgressPublisher
from domain.pipeline.processing import Processor
from domain.services import ImportService, Upload
from domain.settings import Settings, UploadStorageKind
from graph.app import create_app
from tests.helpers import data_of, upload, watch

RANGE = 7
HEADER = "first_name,last_name,email,phone,date_of_birth,marketing_opt_in,notes,customer_id\r\n"


def _file(rows: int = 60) -> bytes:
    """Clients with what validation decides across the whole file: US birthdays (one day over
    12 proves the order), leading apostrophes, an email and a customer id each repeated far
    apart, a bad email, blank records, line breaks inside quotes, non-ASCII names."""
    lines = [HEADER]
    for i in range(rows):
        email = "same@example.com" if i in (3, 40) else f"person{i}@example.com"
        if i == 17:
            email = "not an email"
        birthday = "11/25/1990" if i == 50 else f"0{i % 9 + 1}/0{i % 7 + 1}/1990"
        note = '"two\r\nlines"' if i % 11 == 0 else f"note {i}"
        customer = "C-REPEAT" if i in (5, 33) else f"C-{i}"
        phone = f"'0207946{i:04d}" if i % 10 == 4 else f"+44 20 7946 {i:04d}"
        lines.append(f"Zoë{i},Ångström{i},{email},{phone},{birthday},yes,{note},{customer}\r\n")
        if i % 13 == 6:
            lines.append(",,,,,,,\r\n")
    return "".join(lines).encode("utf-8")


class ProgressSeen:
    """A ProgressPublisher that notes the import's progress each time it is told of a change."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.seen: list[int] = []

    def publish(self, import_id: uuid.UUID) -> None:
        with self.db.read() as session:
            record = session.get(Import, import_id)
            assert record is not None
            self.seen.append(record.progress)


class Domain:
    def __init__(self, tmp_path: Path, **settings: Any) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.settings = Settings(data_dir=tmp_path, chunk_size=10, **settings)
        self.db = Database(self.settings.effective_database_url)
        self.db.migrate()
        self.queue = ListQueue()
        self.progress = ProgressSeen(self.db)
        self.queue.worker = Processor(self.db, self.settings, queue=self.queue, publisher=self.progress)
        self.service = ImportService(self.db, self.settings, queue=self.queue, publisher=NoProgressPublisher())
        self.principal: Principal = authenticate(
            self.db, f"Bearer {issue_token(self.db, organisation=f'ranges-{uuid.uuid4().hex[:8]}').token}")

    def upload(self, data: bytes, mode: ImportMode = ImportMode.STORE) -> uuid.UUID:
        record = self.service.create_import(self.principal, type_name="client", mode=mode,
                                            upload=Upload("clients.csv", io.BytesIO(data)))
        self.last = record.id
        return record.id

    def get(self, import_id: uuid.UUID) -> Import:
        with self.db.read() as session:
            record = session.get(Import, import_id)
            assert record is not None
            return record

    def rows(self, import_id: uuid.UUID) -> list[tuple[Any, ...]]:
        with self.db.read() as session:
            found = session.exec(select(ImportRow).where(ImportRow.import_id == import_id)
                                 .order_by(col(ImportRow.row_number))).all()
            return [(row.row_number, row.status, row.cells, row.errors, row.match_key, row.staged) for row in found]

    def ranges(self, import_id: uuid.UUID) -> list[ValidationRange]:
        with self.db.read() as session:
            return list(session.exec(select(ValidationRange).where(ValidationRange.import_id == import_id)
                                     .order_by(col(ValidationRange.first_row))).all())

    def outcome(self, import_id: uuid.UUID) -> dict[str, Any]:
        record = self.get(import_id)
        return {"status": record.status, "total": record.total_rows, "invalid": record.failed_validation_rows,
                "progress": record.progress, "notices": record.notices, "rows": self.rows(import_id)}


@pytest.fixture
def whole(tmp_path: Path) -> Iterator[Domain]:
    domain = Domain(tmp_path / "whole", validation_range_rows=0)
    yield domain
    domain.db.dispose()


@pytest.fixture
def split(tmp_path: Path) -> Iterator[Domain]:
    domain = Domain(tmp_path / "split", validation_range_rows=RANGE)
    yield domain
    domain.db.dispose()


def _validated(domain: Domain, data: bytes, mode: ImportMode = ImportMode.STORE) -> dict[str, Any]:
    import_id = domain.upload(data, mode)
    domain.queue.drain()
    return domain.outcome(import_id)


@pytest.mark.parametrize("mode", [ImportMode.STORE, ImportMode.UPSERT])
def test_ranges_end_as_one_message_does(whole: Domain, split: Domain, mode: ImportMode):
    expected = _validated(whole, _file(), mode)
    assert expected["status"] == "validated"
    assert {notice["code"] for notice in expected["notices"]} >= {"DATE_ORDER", "APOSTROPHE_REMOVED"}
    assert expected["invalid"] >= 3  # the bad email, the repeated email and the repeated customer id
    got = _validated(split, _file(), mode)
    assert got == expected
    assert len(split.ranges(split.last)) >= 8


def test_range_messages_in_any_order_and_delivered_again(whole: Domain, split: Domain):
    expected = _validated(whole, _file())
    import_id = split.upload(_file())
    split.queue.run_next()  # the first pass: queues one message per range
    messages = list(split.queue.calls)
    assert [name for name, _ in messages] == ["validate_range"] * len(messages) and len(messages) >= 8
    split.queue.calls.clear()
    for name, args in [*reversed(messages[1:]), messages[0]]:
        getattr(split.queue.worker, name)(*args)
        if name == "validate_range" and args == messages[2][1]:
            getattr(split.queue.worker, name)(*args)  # delivered again at once: nothing to add
    split.queue.drain()
    assert split.outcome(import_id) == expected
    for name, args in messages[:3]:  # delivered again after the end: VALIDATED stays as it is
        getattr(split.queue.worker, name)(*args)
    split.queue.worker.validate(import_id)  # the first message again, as after a restart
    split.queue.drain()
    assert split.outcome(import_id) == expected


def test_a_range_stopped_part_way_resumes_after_its_stored_rows(whole: Domain, split: Domain):
    expected = _validated(whole, _file())
    import_id = split.upload(_file())
    split.queue.run_next()
    messages = list(split.queue.calls)
    split.queue.calls.clear()
    with split.db.write() as session:  # as if a worker stopped after storing some of a range's rows
        part = session.exec(select(ValidationRange).where(ValidationRange.import_id == import_id)
                            .order_by(col(ValidationRange.first_row)).offset(2)).first()
        assert part is not None
    first, last = part.first_row, part.last_row
    split.queue.worker.validate_range(*messages[2][1])
    kept = [row for row in split.rows(import_id) if first <= row[0] <= (last or 0)]
    with split.db.write() as session:
        for row in session.exec(select(ImportRow).where(ImportRow.import_id == import_id,
                                                        col(ImportRow.row_number) > kept[1][0])).all():
            session.delete(row)
        part = session.get(ValidationRange, (import_id, part.run, part.first_row))
        assert part is not None
        part.done = False
        session.add(part)
        record = session.get(Import, import_id)
        assert record is not None
        record.total_rows, record.failed_validation_rows = 2, sum(1 for row in kept[:2] if row[1] == "invalid")
        session.add(record)
    split.queue.worker.validate(import_id)  # a restart queues the ranges not done
    split.queue.drain()
    assert split.outcome(import_id) == expected


def test_the_file_kept_in_the_database_is_read_in_ranges(tmp_path: Path, whole: Domain):
    expected = _validated(whole, _file())
    kept = Domain(tmp_path / "kept", validation_range_rows=RANGE, upload_storage=UploadStorageKind.DATABASE)
    try:
        got = _validated(kept, _file())
        assert got == expected
        assert len(kept.ranges(kept.last)) >= 8
    finally:
        kept.db.dispose()


def test_a_damaged_row_in_a_later_range_ends_validation_naming_it(split: Domain):
    data = _file() + b'Ada,Lovelace,ada@example.com,,,yes,"never closed,C-1\r\n'
    import_id = split.upload(data)
    split.queue.drain()
    record = split.get(import_id)
    assert record.status == "errored" and record.error_code == "BAD_FILE"
    assert "a quoted value is never closed" in (record.error_message or "")


def test_a_remap_stops_the_ranges_of_the_last_mapping(split: Domain):
    import_id = split.upload(_file())
    split.queue.run_next()
    stale = list(split.queue.calls)
    split.queue.drain()
    record = split.get(import_id)
    assert record.status == "validated"
    split.service.update_mapping(split.principal, import_id,
                                 mapping=[(entry["column"], entry["field"]) for entry in record.mapping])
    for name, args in stale:  # the last mapping's ranges, delivered late: their run is over
        getattr(split.queue.worker, name)(*args)
    assert split.rows(import_id) == []
    split.queue.drain()
    assert split.get(import_id).status == "validated"
    assert {part.run for part in split.ranges(import_id)} == {split.get(import_id).validation_run}


def test_the_embedded_server_validates_ranges_in_child_processes(tmp_path: Path):
    """Through the API: the server's worker hands each range to a child process (so ranges
    run side by side), watchers see progress, and the outcome is one message's."""
    settings = Settings(data_dir=tmp_path / "served", chunk_size=25, worker_threads=2, max_upload_bytes=1_000_000,
                        requests_per_minute=0, validation_range_rows=RANGE)
    with TestClient(create_app(settings)) as client:
        token = issue_token(client.app.state.services.db).token
        created = data_of(upload(client, _file(), token=token))["createImport"]
        states = watch(client, token, created["id"])
        assert states[-1]["status"] == "VALIDATED"
        assert [state["progress"] for state in states] == sorted(state["progress"] for state in states)
        import_id = uuid.UUID(created["id"])
        db = client.app.state.services.db
        with db.read() as session:
            parts = session.exec(select(ValidationRange).where(ValidationRange.import_id == import_id)).all()
            rows = session.exec(select(ImportRow.row_number, ImportRow.status)
                                .where(ImportRow.import_id == import_id).order_by(col(ImportRow.row_number))).all()
        assert len(parts) >= 8 and all(part.done for part in parts)
    whole = Domain(tmp_path / "whole", validation_range_rows=0)
    try:
        expected = _validated(whole, _file())
        assert [(number, status) for number, status, *_ in expected["rows"]] == [tuple(row) for row in rows]
        assert (states[-1]["totalRows"], states[-1]["failedValidationRows"]) == (expected["total"], expected["invalid"])
    finally:
        whole.db.dispose()


@pytest.mark.parametrize("rows", [20_000, 30_000])
def test_progress_never_goes_back_without_a_date_column(tmp_path: Path, rows: int):
    """The first pass (to find the ranges) counts for a share of the progress even when it
    decides no date order, in one message (20,000 rows) and in ranges (30,000)."""
    domain = Domain(tmp_path / "plain", validation_range_rows=25_000)
    try:
        data = "first_name,last_name,email\r\n" + "".join(f"F{i},L{i},p{i}@example.com\r\n" for i in range(rows))
        import_id = domain.upload(data.encode())
        domain.queue.drain()
        assert domain.get(import_id).status == "validated"
        assert domain.progress.seen == sorted(domain.progress.seen) and domain.progress.seen[-1] == 100
        assert len(set(domain.progress.seen)) > 5
        assert bool(domain.ranges(import_id)) is (rows > 25_000)
    finally:
        domain.db.dispose()

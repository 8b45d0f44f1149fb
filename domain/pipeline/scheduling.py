"""Who runs when: imports running at once per organisation, and messages in flight per import.

An organisation runs at most `max_running_imports_per_organisation` imports at once; an
import started beyond that is IMPORTING but waits (`queued_at` set, progress 0), in the
order started, and takes a slot when a running one ends (in the transaction that ends
it). A running import keeps at most `Settings.chunk_messages_per_import` chunk messages queued or running: each
finished chunk queues the next, so another import's messages wait behind a few chunks,
never behind all of them.
"""

from __future__ import annotations

import uuid

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from domain.accounts.access import owned_import
from domain.accounts.auth import Principal
from domain.db import Database
from domain.errors import BadInput
from domain.pipeline.lifecycle import begin_import, finish_import, take_slot, wait_for_slot
from domain.rules.mapping import missing_required
from domain.models import Import, ImportMode, Organisation
from domain.ports import ProgressPublisher, TaskQueue
from domain.settings import Settings
from domain.status import ImportStatus
from domain.rules.types import get_type

# A started import waiting for a slot.
_WAITING = (col(Import.status) == ImportStatus.IMPORTING.value, col(Import.queued_at).is_not(None))


def start_validated(session: Session, record: Import, *, limit: int) -> list[Import]:
    """Start a VALIDATED import (startImport, or by itself once validated): one with no valid
    row is IMPORTED at once, others start or wait for a slot (start_or_queue). Returns the
    imports whose turn has come, for enqueue_started once the transaction has committed.
    BadInput for a VALIDATE-mode import or a required field with no column."""
    if record.mode == ImportMode.VALIDATE.value:
        raise BadInput("This import's mode is VALIDATE: it only validates. Upload the file again with mode STORE to import it.")
    missing = missing_required(record.mapping, get_type(record.type))
    if missing:
        raise BadInput(f"Map a column to {', '.join(missing)} with updateImportMapping before starting.")
    if record.total_rows == record.failed_validation_rows:
        begin_import(record)
        finish_import(record)
        session.add(record)
        return []
    return start_or_queue(session, record, limit=limit)


def start_or_queue(session: Session, record: Import, *, limit: int) -> list[Import]:
    """Start a validated import: it waits behind its organisation's running and waiting
    imports. Returns the imports whose turn has come (this one, if a slot was free): the
    caller enqueues their work once the transaction has committed."""
    wait_for_slot(record)
    session.add(record)
    return promote_waiting(session, record.organisation_id, limit=limit)


def promote_waiting(session: Session, organisation_id: uuid.UUID, *, limit: int) -> list[Import]:
    """Give the organisation's longest-waiting imports a slot while slots are free (`limit`
    0: no limit); the imports whose turn has come."""
    # One promoter per organisation at a time, so two never fill the same slot. NO KEY UPDATE:
    # chunks inserting records (whose foreign keys share-lock the organisation) are not held up.
    session.exec(select(Organisation.id).where(Organisation.id == organisation_id)
                 .with_for_update(key_share=True)).first()
    session.flush()
    query = _waiting(organisation_id)
    if limit > 0:
        free = limit - _running(session, organisation_id)
        if free <= 0:
            return []
        query = query.limit(free)
    promoted = list(session.exec(query.with_for_update()).all())
    for record in promoted:
        take_slot(record)
        session.add(record)
    return promoted


def organisations_waiting(session: Session) -> list[uuid.UUID]:
    query = select(Import.organisation_id).where(*_WAITING).distinct()
    return list(session.exec(query).all())


def queue_position(session: Session, record: Import) -> int | None:
    """1 for the next waiting import of its organisation to take a slot, 2 after it...; None
    unless it waits. Waiting imports are ordered by when they were started."""
    if record.queued_at is None:
        return None
    ahead = or_(col(Import.queued_at) < record.queued_at,
                and_(col(Import.queued_at) == record.queued_at, col(Import.created_at) < record.created_at))
    query = select(func.count()).select_from(Import).where(
        Import.organisation_id == record.organisation_id, *_WAITING, ahead)
    return session.exec(query).one() + 1


def lanes_for(rows: int, settings: Settings) -> int:
    """How many chunk messages to keep in flight for `rows` rows of work."""
    return min(settings.chunk_messages_per_import, -(-rows // settings.chunk_size))


def enqueue_import(queue: TaskQueue, settings: Settings, record: Import) -> None:
    """Queue the first messages of an import that has just taken a slot."""
    for _ in range(lanes_for(record.total_rows - record.failed_validation_rows, settings)):
        queue.import_next_chunk(record.id)


def enqueue_started(queue: TaskQueue, publisher: ProgressPublisher, settings: Settings,
                    started: list[Import]) -> None:
    """Queue the work of imports that have just taken a slot, once that has been committed,
    and tell their watchers."""
    for record in started:
        enqueue_import(queue, settings, record)
        publisher.publish(record.id)


def _waiting(organisation_id: uuid.UUID) -> SelectOfScalar[Import]:
    return (
        select(Import)
        .where(Import.organisation_id == organisation_id, *_WAITING)
        .order_by(col(Import.queued_at), col(Import.created_at))
    )


def _running(session: Session, organisation_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(Import).where(
        Import.organisation_id == organisation_id, Import.status == ImportStatus.IMPORTING.value,
        col(Import.queued_at).is_(None))
    return session.exec(query).one()


def position_in_queue(db: Database, principal: Principal, import_id: uuid.UUID) -> int | None:
    """The caller's import's place among its organisation's waiting imports (1: next)."""
    with db.read() as session:
        return queue_position(session, owned_import(session, principal, import_id))

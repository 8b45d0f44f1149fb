"""Who runs when: imports running at once per organisation, and messages in flight per import.

An organisation runs at most `max_running_imports_per_organisation` imports at once; an
import started beyond that waits as QUEUED, in the order started, and is promoted to
IMPORTING when a running one ends (in the transaction that ends it). A running import
keeps at most `lanes` chunk messages queued or running: each finished chunk queues the
next, so another import's messages wait behind a few chunks, never behind all of them.
"""

from __future__ import annotations

import uuid

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from domain.access import owned_import
from domain.auth import Principal
from domain.db import Database
from domain.lifecycle import begin_import, move
from domain.models import Import, Organisation
from domain.ports import TaskQueue
from domain.settings import Settings
from domain.status import ImportStatus, check_move


def start_or_queue(session: Session, record: Import, *, limit: int) -> list[Import]:
    """Start a validated import, or queue it behind its organisation's running imports.
    Returns the imports that became IMPORTING (this one, if a slot was free): the caller
    enqueues their work once the transaction has committed."""
    check_move(ImportStatus(record.status), ImportStatus.IMPORTING)
    move(record, ImportStatus.QUEUED)
    session.add(record)
    return promote_waiting(session, record.organisation_id, limit=limit)


def promote_waiting(session: Session, organisation_id: uuid.UUID, *, limit: int) -> list[Import]:
    """Move the organisation's longest-waiting QUEUED imports to IMPORTING while slots are
    free (`limit` 0: no limit); the imports moved."""
    # One promoter per organisation at a time, so two never fill the same slot. NO KEY UPDATE:
    # chunks inserting records (whose foreign keys share-lock the organisation) are not held up.
    session.exec(select(Organisation.id).where(Organisation.id == organisation_id)
                 .with_for_update(key_share=True)).first()
    session.flush()
    query = _waiting(organisation_id)
    if limit > 0:
        free = limit - _count(session, organisation_id, ImportStatus.IMPORTING)
        if free <= 0:
            return []
        query = query.limit(free)
    promoted = list(session.exec(query.with_for_update()).all())
    for record in promoted:
        begin_import(record)
        session.add(record)
    return promoted


def organisations_waiting(session: Session) -> list[uuid.UUID]:
    query = select(Import.organisation_id).where(Import.status == ImportStatus.QUEUED.value).distinct()
    return list(session.exec(query).all())


def queue_position(session: Session, record: Import) -> int | None:
    """1 for the next QUEUED import of its organisation to start, 2 after it...; None
    unless QUEUED. Queued imports are ordered by when they were started (their last move)."""
    if record.status != ImportStatus.QUEUED.value:
        return None
    ahead = or_(Import.updated_at < record.updated_at,
                and_(Import.updated_at == record.updated_at, Import.created_at < record.created_at))
    query = select(func.count()).select_from(Import).where(
        Import.organisation_id == record.organisation_id, Import.status == ImportStatus.QUEUED.value, ahead)
    return session.exec(query).one() + 1


def lanes_for(rows: int, settings: Settings) -> int:
    """How many chunk messages to keep in flight for `rows` rows of work."""
    return min(settings.lanes, -(-rows // settings.chunk_size))


def enqueue_import(queue: TaskQueue, settings: Settings, record: Import) -> None:
    """Queue the first messages of an import that has just become IMPORTING."""
    for _ in range(lanes_for(record.total_rows - record.failed_validation_rows, settings)):
        queue.import_next_chunk(record.id)


def _waiting(organisation_id: uuid.UUID):  # noqa: ANN202
    return (
        select(Import)
        .where(Import.organisation_id == organisation_id, Import.status == ImportStatus.QUEUED.value)
        .order_by(Import.updated_at, Import.created_at)
    )


def _count(session: Session, organisation_id: uuid.UUID, status: ImportStatus) -> int:
    query = select(func.count()).select_from(Import).where(Import.organisation_id == organisation_id,
                                                           Import.status == status.value)
    return session.exec(query).one()


def position_in_queue(db: Database, principal: Principal, import_id: uuid.UUID) -> int | None:
    """The caller's import's place among its organisation's QUEUED imports (1: next)."""
    with db.read() as session:
        return queue_position(session, owned_import(session, principal, import_id))

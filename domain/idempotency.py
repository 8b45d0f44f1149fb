"""Idempotency keys: a client sends a key of its choosing with createImport or startImport, and
a repeat of that request with the same key (a retry after a timeout, a double click) gets the
first result instead of a second import. The same key with a different request is refused
(IdempotencyConflict). Keys are remembered for KEY_LIFETIME per organisation; only requests that
succeeded are remembered, so a retry of one that failed runs again."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from sqlalchemy import delete
from sqlmodel import Session, col, select

from domain.accounts.auth import Principal
from domain.errors import BadInput, IdempotencyConflict
from domain.models import IdempotencyKey, as_utc, utcnow

KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_CHARS = 200
CREATE_IMPORT = "createImport"
START_IMPORT = "startImport"


class KeyTaken(Exception):
    """Raised inside a write transaction when the key is already remembered (the transaction
    rolls back); the caller answers with that request's result."""


def checked_key(key: str | None) -> str | None:
    """The key as given, or None; BadInput for an empty or overlong one, or one with control
    characters (PostgreSQL refuses a NUL in text)."""
    if key is None:
        return None
    if not key.strip():
        raise BadInput("idempotencyKey must not be empty; send a unique string per request (a UUID), or leave it out.")
    if not key.isprintable():
        raise BadInput("idempotencyKey must be printable text (letters, digits, '-', ...), without control "
                       "characters.")
    if len(key) > MAX_KEY_CHARS:
        raise BadInput(f"idempotencyKey is {len(key):,} characters long; the limit is {MAX_KEY_CHARS} "
                       "(a UUID is 36).")
    return key


def fingerprint_of(arguments: dict[str, Any]) -> str:
    """SHA-256 of the arguments as canonical JSON: equal arguments, equal fingerprint."""
    text = json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class HashingReader:
    """Reads through to `stream`, hashing what passes (SHA-256), so a file is hashed while it
    is stored, whatever stores it, in constant memory."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        block = self.stream.read(size)
        self.hash.update(block)
        return block

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


def live_key(session: Session, principal: Principal, operation: str, key: str) -> IdempotencyKey | None:
    """The organisation's remembered key for this operation, unless it has expired."""
    return session.exec(select(IdempotencyKey).where(
        IdempotencyKey.organisation_id == principal.organisation_id,
        IdempotencyKey.operation == operation, IdempotencyKey.key == key,
        IdempotencyKey.created_at > utcnow() - KEY_LIFETIME,
    )).first()


def remember(session: Session, principal: Principal, operation: str, key: str, fingerprint: str,
             import_id: uuid.UUID) -> None:
    """Remember the key in the caller's transaction (and forget the organisation's expired ones).
    KeyTaken when it is remembered already; a concurrent request remembering the same key makes
    the flush or the commit fail with an IntegrityError (the unique constraint)."""
    session.connection().execute(delete(IdempotencyKey).where(
        col(IdempotencyKey.organisation_id) == principal.organisation_id,
        col(IdempotencyKey.created_at) <= utcnow() - KEY_LIFETIME,
    ))
    if live_key(session, principal, operation, key) is not None:
        raise KeyTaken
    session.add(IdempotencyKey(organisation_id=principal.organisation_id, operation=operation, key=key,
                               fingerprint=fingerprint, import_id=import_id))
    session.flush()


def earlier_import_id(stored: IdempotencyKey, fingerprint: str) -> uuid.UUID:
    """The import the first request with this key produced; IdempotencyConflict when this
    request differs from that one."""
    if stored.fingerprint != fingerprint:
        raise IdempotencyConflict(stored.operation, stored.key, expires_at(stored))
    return stored.import_id


def expires_at(stored: IdempotencyKey) -> datetime:
    return as_utc(stored.created_at) + KEY_LIFETIME

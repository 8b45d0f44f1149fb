"""Organisations, users and their bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from domain.db import Database
from domain.errors import BadInput, Unauthenticated
from domain.logs import note
from domain.models import ApiToken, Organisation, Role, User, as_utc, utcnow

TOKEN_PREFIX = "imp_"
DEFAULT_ORGANISATION = "My organisation"
DEFAULT_ADMIN = "admin@example.com"


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user of one organisation, with a role."""

    user_id: uuid.UUID
    organisation_id: uuid.UUID
    email: str
    role: Role


@dataclass(frozen=True)
class IssuedToken:
    token: str
    organisation: str
    email: str
    role: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(db: Database, authorization: str | None) -> Principal:
    """The principal for an `Authorization: Bearer <token>` value, or Unauthenticated."""
    token = _bearer_token(authorization)
    with db.read() as session:
        row = session.exec(
            select(ApiToken, User).join(User).where(ApiToken.token_hash == hash_token(token))
        ).first()
    if row is None:
        raise Unauthenticated("This token is not valid; create one with `importer token create`.")
    api_token, user = row
    now = utcnow()
    if api_token.revoked_at is not None or (
        api_token.expires_at is not None and as_utc(api_token.expires_at) <= now
    ):
        raise Unauthenticated("This token is revoked or expired; create a new one with `importer token create`.")
    note(organisation_id=user.organisation_id)
    return Principal(user.id, user.organisation_id, user.email, Role(user.role))


def issue_token(
    db: Database,
    *,
    organisation: str | None = None,
    email: str | None = None,
    role: str | None = None,
    expires_in: timedelta | None = None,
) -> IssuedToken:
    """A new token for that user of that organisation, creating either if missing.

    Without an organisation: the first one (created if there is none). Without an email:
    that organisation's first admin.
    """
    if role is not None and role not in {r.value for r in Role}:
        raise BadInput(f"Unknown role {role!r}; use admin, member or viewer.")
    with db.write() as session:
        org = _organisation(session, organisation)
        user = _user(session, org, email, Role(role) if role else Role.ADMIN)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        session.add(
            ApiToken(
                user_id=user.id,
                token_hash=hash_token(token),
                prefix=token[:12],
                expires_at=utcnow() + expires_in if expires_in else None,
            )
        )
        return IssuedToken(token, org.name, user.email, user.role)


@dataclass(frozen=True)
class TokenInfo:
    prefix: str
    organisation: str
    email: str
    role: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


def list_tokens(db: Database) -> list[TokenInfo]:
    """Every token (never the token itself: only its first characters), oldest first."""
    with db.read() as session:
        rows = session.exec(
            select(ApiToken, User, Organisation)
            .join(User, col(ApiToken.user_id) == User.id)
            .join(Organisation, col(User.organisation_id) == Organisation.id)
            .order_by(col(ApiToken.created_at))
        ).all()
    return [
        TokenInfo(t.prefix, o.name, u.email, u.role, as_utc(t.created_at),
                  t.expires_at and as_utc(t.expires_at), t.revoked_at and as_utc(t.revoked_at))
        for t, u, o in rows
    ]


def revoke_token(db: Database, prefix: str) -> int:
    """Revoke the tokens starting with `prefix` (as `list_tokens` shows it); how many."""
    if len(prefix) < len(TOKEN_PREFIX) + 4:
        raise BadInput("Give at least the first 8 characters of the token, as `importer token list` shows them.")
    with db.write() as session:
        tokens = session.exec(select(ApiToken).where(col(ApiToken.prefix).startswith(prefix[:12]))).all()
        tokens = [t for t in tokens if t.revoked_at is None]
        for token in tokens:
            token.revoked_at = utcnow()
            session.add(token)
        return len(tokens)


def has_organisation(db: Database) -> bool:
    with db.read() as session:
        return session.exec(select(Organisation.id).limit(1)).first() is not None


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("Send your token as `Authorization: Bearer <token>`.")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send your token as `Authorization: Bearer <token>`.")
    return token.strip()


def _organisation(session: Session, name: str | None) -> Organisation:
    query = select(Organisation).order_by(col(Organisation.created_at))
    if name:
        query = query.where(Organisation.name == name)
    org = session.exec(query).first()
    if org is None:
        org = Organisation(name=name or DEFAULT_ORGANISATION)
        session.add(org)
        session.flush()
    return org


def _user(session: Session, org: Organisation, email: str | None, role: Role) -> User:
    query = select(User).where(User.organisation_id == org.id).order_by(col(User.created_at))
    query = query.where(User.email == email) if email else query.where(User.role == Role.ADMIN.value)
    user = session.exec(query).first()
    if user is None:
        user = User(organisation_id=org.id, email=email or DEFAULT_ADMIN, role=role.value)
        session.add(user)
        session.flush()
    return user

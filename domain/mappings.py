"""Saved mappings: an organisation's reusable column -> field choices for one import type."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence

from sqlmodel import Session, select

from domain.auth import Principal
from domain.db import Database
from domain.errors import BadInput, NotFound
from domain.models import Import, Role, SavedMapping, utcnow
from domain.access import owned_import, require_role
from domain.types import ImportTypeSpec, get_type


def save_mapping(db: Database, principal: Principal, import_id: uuid.UUID, name: str) -> Import:
    """Save the import's current mapping under `name` (replacing one of that name); the import."""
    require_role(principal, Role.ADMIN)
    name = name.strip()
    if not name or len(name) > 200:
        raise BadInput("Give the mapping a name of 1 to 200 characters.")
    with db.write() as session:
        record = owned_import(session, principal, import_id)
        saved = session.exec(
            select(SavedMapping).where(SavedMapping.organisation_id == principal.organisation_id,
                                       SavedMapping.type == record.type, SavedMapping.name == name)
        ).first() or SavedMapping(id=secrets.token_hex(12), organisation_id=principal.organisation_id,
                                  type=record.type, name=name, created_by_id=principal.user_id)
        saved.entries = [{"column": e["column"], "field": e["field"]} for e in record.mapping]
        saved.updated_at = utcnow()
        session.add(saved)
    return record


def list_mappings(db: Database, principal: Principal, type_name: str) -> list[SavedMapping]:
    spec = get_type(type_name)
    with db.read() as session:
        query = (
            select(SavedMapping)
            .where(SavedMapping.organisation_id == principal.organisation_id, SavedMapping.type == spec.name)
            .order_by(SavedMapping.name)
        )
        return list(session.exec(query).all())


def saved_entries(
    session: Session, principal: Principal, mapping_id: str, spec: ImportTypeSpec, headers: Sequence[str]
) -> list[tuple[str, str | None]]:
    """A saved mapping applied to a file's headers: its columns that the file has."""
    saved = session.exec(
        select(SavedMapping).where(SavedMapping.id == mapping_id,
                                   SavedMapping.organisation_id == principal.organisation_id)
    ).first()
    if saved is None:
        raise NotFound("saved mapping", mapping_id)
    if saved.type != spec.name:
        raise BadInput(f"Saved mapping {saved.name!r} is for {saved.type} imports, not {spec.name}.")
    fields = {entry["column"]: entry["field"] for entry in saved.entries}
    entries = [(header, fields[header]) for header in headers if header in fields]
    if not any(field for _, field in entries):
        raise BadInput(f"Saved mapping {saved.name!r} maps none of this file's columns.")
    return entries

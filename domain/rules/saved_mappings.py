"""Saved mappings: an organisation's reusable column -> field choices for one import type."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence

from sqlmodel import Session, select

from domain.accounts.auth import Principal
from domain.db import Database
from domain.errors import BadInput, NotFound
from domain.models import Import, Role, SavedMapping, utcnow
from domain.accounts.access import owned_import, require_role
from domain.rules.types import ImportTypeSpec, get_type


def save_mapping(db: Database, principal: Principal, import_id: uuid.UUID, name: str) -> Import:
    """Save the import's current mapping under `name` (replacing one of that name); the import."""
    require_role(principal, Role.ADMIN)
    name = _checked_name(name)
    with db.write() as session:
        record = owned_import(session, principal, import_id)
        entries = [{"column": e["column"], "field": e["field"]} for e in record.mapping]
        _store(session, principal, record.type, name, entries)
    return record


def create_mapping(
    db: Database, principal: Principal, type_name: str, name: str, entries: Sequence[tuple[str, str | None]]
) -> SavedMapping:
    """Save a mapping written by hand (e.g. for another system's export, before any upload)."""
    require_role(principal, Role.ADMIN)
    spec = get_type(type_name)
    name = _checked_name(name)
    problems, fields = [], [field for _, field in entries if field]
    problems += [f"{spec.name} has no field {f!r}" for f in fields if f not in spec.field_names]
    problems += [f"{f!r} is mapped from more than one column" for f in sorted(set(fields)) if fields.count(f) > 1]
    if not entries or len({column for column, _ in entries}) != len(entries):
        problems.append("give each column once")
    if problems:
        raise BadInput("The mapping is not usable: " + "; ".join(problems) + ".")
    with db.write() as session:
        return _store(session, principal, spec.name, name,
                      [{"column": column, "field": field} for column, field in entries])


def _store(session: Session, principal: Principal, type_name: str, name: str, entries: list[dict[str, str | None]]) -> SavedMapping:
    saved = session.exec(
        select(SavedMapping).where(SavedMapping.organisation_id == principal.organisation_id,
                                   SavedMapping.type == type_name, SavedMapping.name == name)
    ).first() or SavedMapping(id=secrets.token_hex(12), organisation_id=principal.organisation_id,
                              type=type_name, name=name, created_by_id=principal.user_id)
    saved.entries = entries
    saved.updated_at = utcnow()
    session.add(saved)
    session.flush()
    return saved


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise BadInput("Give the mapping a name of 1 to 200 characters.")
    return name


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

"""Who may touch what: organisation scoping and roles."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from domain.accounts.auth import Principal
from domain.errors import Forbidden, NotFound
from domain.logs import note
from domain.models import Import, Role


def owned_import(session: Session, principal: Principal, import_id: uuid.UUID, *, lock: bool = False) -> Import:
    """The import if it belongs to the caller's organisation, else NotFound."""
    note(import_id=import_id)
    query = select(Import).where(Import.id == import_id, Import.organisation_id == principal.organisation_id)
    record = session.exec(query.with_for_update() if lock else query).first()
    if record is None:
        raise NotFound("import", import_id)
    return record


def require_role(principal: Principal, needed: Role) -> None:
    order = [Role.VIEWER, Role.MEMBER, Role.ADMIN]
    if order.index(principal.role) < order.index(needed):
        raise Forbidden(f"Your role ({principal.role.value}) may not do this; ask an admin for a {needed.value} token.")

"""An organisation's settings: today, the date order its ambiguous date columns follow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from domain.accounts.access import require_role
from domain.accounts.auth import Principal
from domain.db import Database
from domain.errors import NotFound
from domain.models import Organisation, Role
from domain.options import DEFAULT_DATE_ORDER, DateOrder


@dataclass(frozen=True)
class OrganisationSettings:
    name: str
    date_order: DateOrder


def organisation_settings(db: Database, principal: Principal) -> OrganisationSettings:
    with db.read() as session:
        return _settings(_organisation(session, principal))


def update_organisation_settings(db: Database, principal: Principal, *, date_order: DateOrder) -> OrganisationSettings:
    """Set the order of ambiguous dates for the organisation's imports to come (admins)."""
    require_role(principal, Role.ADMIN)
    with db.write() as session:
        organisation = _organisation(session, principal)
        organisation.date_order = date_order.value
        session.add(organisation)
        return _settings(organisation)


def default_date_order(session: Session, organisation_id: uuid.UUID) -> DateOrder:
    """The organisation's order for ambiguous dates (day first until it chooses another)."""
    return _date_order(session.get(Organisation, organisation_id))


def _organisation(session: Session, principal: Principal) -> Organisation:
    organisation = session.get(Organisation, principal.organisation_id)
    if organisation is None:  # deleted since its token was checked
        raise NotFound("organisation", principal.organisation_id)
    return organisation


def _settings(organisation: Organisation) -> OrganisationSettings:
    return OrganisationSettings(name=organisation.name, date_order=_date_order(organisation))


def _date_order(organisation: Organisation | None) -> DateOrder:
    return DateOrder(organisation.date_order) if organisation and organisation.date_order else DEFAULT_DATE_ORDER

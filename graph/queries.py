"""Query resolvers: translate, call the domain, translate back."""

from __future__ import annotations

import strawberry

from domain import queries
from domain.rules.types import IMPORT_TYPES
from graph.context import Info
from graph.limits import page_size
from graph.inputs import ImportFilterInput, import_id
from graph.threads import call
from domain.rules.saved_mappings import list_mappings
from domain.accounts.organisations import organisation_settings
from graph.webhooks import Webhook, webhooks
from graph.types import (ImportConnection, ImportEdge, ImportKind, ImportObject, ImportTypeInfo, OrganisationSettings,
                         PageInfo, SavedMapping)


@strawberry.type
class Query:
    webhooks: list[Webhook] = strawberry.field(resolver=webhooks, description="Your organisation's webhooks (admins).")

    @strawberry.field(name="import", description="One import of your organisation.")
    async def import_(self, info: Info, id: strawberry.ID) -> ImportObject | None:  # noqa: A002
        principal = await info.context.principal()
        record = await call(queries.get_import, info.context.services.db, principal, import_id(id))
        return ImportObject.from_record(record)

    @strawberry.field(description="Your organisation's imports, newest first.")
    async def imports(
        self, info: Info, first: int = 25, after: str | None = None, filter: ImportFilterInput | None = None  # noqa: A002
    ) -> ImportConnection:
        principal = await info.context.principal()
        page_size(first, info.context.services.settings)
        filters = (filter or ImportFilterInput()).to_domain()
        page = await call(
            queries.list_imports, info.context.services.db, principal, first=first, after=after, filters=filters
        )
        return ImportConnection(
            edges=[ImportEdge(cursor=c, node=ImportObject.from_record(r)) for c, r in page.items],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(description="Your organisation's saved mappings for one import type.")
    async def import_mappings(self, info: Info, type: ImportKind) -> list[SavedMapping]:  # noqa: A002
        principal = await info.context.principal()
        saved = await call(list_mappings, info.context.services.db, principal, type.value)
        return [SavedMapping.from_record(item) for item in saved]

    @strawberry.field(description="The import types available, with their fields, for a mapping screen.")
    async def import_types(self, info: Info) -> list[ImportTypeInfo]:
        await info.context.principal()
        return [ImportTypeInfo.from_spec(spec) for spec in IMPORT_TYPES.values()]

    @strawberry.field(description="Your organisation's settings (the default date order of its imports).")
    async def organisation_settings(self, info: Info) -> OrganisationSettings:
        principal = await info.context.principal()
        return OrganisationSettings.from_domain(await call(organisation_settings, info.context.services.db, principal))

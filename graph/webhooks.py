"""The GraphQL face of webhooks: the Webhook type, its delivery log, and the resolvers that
Query and Mutation call."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from domain import models
from domain import webhooks as domain
from domain.errors import NotFound
from domain.models import as_utc
from graph.context import Info
from graph.limits import page_size
from graph.threads import call

WebhookEvent = domain.WebhookEvent
strawberry.enum(WebhookEvent, name="WebhookEvent", description=(
    "What a webhook hears about. IMPORT_STATUS_CHANGED: every change of an import's status "
    "(VALIDATING, VALIDATED, IMPORTING, IMPORTED, ROLLING_BACK, ROLLED_BACK, ERRORED); IMPORT_FINISHED: "
    "only when an import reaches IMPORTED, ROLLED_BACK or ERRORED."))


@strawberry.type(description="One attempt to deliver one event to a webhook.")
class WebhookDelivery:
    event: WebhookEvent
    import_id: strawberry.ID
    status_code: int | None = strawberry.field(description="The receiver's HTTP status; null when none came.")
    error: str | None = strawberry.field(description="Why no answer came (a timeout, a refused connection).")
    attempt: int = strawberry.field(description="1 for the first attempt, 2 for the first retry, and so on.")
    created_at: datetime

    @classmethod
    def from_record(cls, record: models.WebhookDelivery) -> WebhookDelivery:
        return cls(event=domain.WebhookEvent(record.event), import_id=strawberry.ID(str(record.import_id)),
                   status_code=record.status_code, error=record.error, attempt=record.attempt,
                   created_at=as_utc(record.created_at))


@strawberry.type(description="A URL that hears about your organisation's imports: a signed POST per event "
                 "(README, Webhooks). Its secret is never shown again.")
class Webhook:
    id: strawberry.ID
    url: str
    events: list[WebhookEvent]
    created_at: datetime

    @strawberry.field(description="The latest delivery attempts, newest first.")
    async def deliveries(self, info: Info, first: int = 20) -> list[WebhookDelivery]:
        principal = await info.context.principal()
        page_size(first, info.context.services.settings)
        records = await call(domain.list_deliveries, info.context.services.db, principal, uuid.UUID(self.id),
                             first=first)
        return [WebhookDelivery.from_record(record) for record in records]

    @classmethod
    def from_record(cls, record: models.Webhook) -> Webhook:
        return cls(id=strawberry.ID(str(record.id)), url=record.url,
                   events=[domain.WebhookEvent(e) for e in record.events], created_at=as_utc(record.created_at))


def webhook_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("webhook", value) from None


async def webhooks(info: Info) -> list[Webhook]:
    principal = await info.context.principal()
    records = await call(domain.list_webhooks, info.context.services.db, principal)
    return [Webhook.from_record(record) for record in records]


SECRET_HELP = ("16 to 200 characters, kept by you and by the service: each delivery carries "
               "X-Importer-Signature, an HMAC-SHA256 made with it. Write-only: never returned.")


async def create_webhook(
    info: Info, url: str, events: list[WebhookEvent],
    secret: Annotated[str, strawberry.argument(description=SECRET_HELP)],
) -> Webhook:
    principal = await info.context.principal()
    services = info.context.services
    record = await call(domain.create_webhook, services.db, services.settings, principal, url,
                        [domain.WebhookEvent(e.value) for e in events], secret)
    return Webhook.from_record(record)


async def delete_webhook(info: Info, id: strawberry.ID) -> strawberry.ID:  # noqa: A002
    principal = await info.context.principal()
    await call(domain.delete_webhook, info.context.services.db, principal, webhook_id(id))
    return id

"""The importProgress subscription: the state now, then every change, until it settles."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry

from domain import queries
from domain.db import is_outage
from domain.pipeline.scheduling import position_in_queue
from domain.status import SETTLED, ImportStatus
from graph.context import Info
from graph.inputs import import_id
from graph.threads import call
from graph.types import ImportObject

# A lost notification delays an update by at most this long: the database is re-read.
POLL_SECONDS = 1.0


def _snapshot(item: ImportObject) -> tuple[object, ...]:
    return (item.status, item.progress, item.total_rows, item.imported_rows, item.failed_validation_rows,
            item.failed_import_rows, item.rolled_back_rows, item.updated_at)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The import's state at once, then on every change; completes at VALIDATED, "
        "IMPORTED, ROLLED_BACK or ERRORED."
    )
    async def import_progress(self, info: Info, id: strawberry.ID) -> AsyncGenerator[ImportObject, None]:  # noqa: A002
        principal = await info.context.principal()
        wanted = import_id(id)
        services = info.context.services

        async def load() -> ImportObject:
            # The token is checked at every update: a revoked or expired one ends the subscription.
            record = await call(queries.get_import, services.db, await info.context.principal(again=True), wanted)
            return ImportObject.from_record(record)

        async def seen(item: ImportObject) -> tuple[object, ...]:
            """What a watcher sees change, the place in the queue of a waiting import included."""
            place = None if item.queued_at is None else await call(position_in_queue, services.db, principal, wanted)
            return (*_snapshot(item), place)

        slot = services.subscriptions.hold(principal.user_id, services.settings.max_subscriptions)
        async with slot, services.hub.watch(wanted) as changed:
            current = await load()
            shown = await seen(current)
            yield current
            while ImportStatus(current.status) not in SETTLED:
                try:
                    await asyncio.wait_for(changed.wait(), timeout=POLL_SECONDS)
                except TimeoutError:
                    pass
                changed.clear()
                try:
                    latest = await load()
                    latest_seen = await seen(latest)
                except Exception as error:
                    if not is_outage(error):
                        raise
                    continue  # the database is away for a moment: read it again at the next poll
                if latest_seen != shown:
                    current, shown = latest, latest_seen
                    yield current

"""The request context: who is asking and the services they reach."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from domain.accounts.auth import Principal, authenticate
from domain.db import Database
from domain.models import User
from domain.services import ImportService
from domain.settings import Settings
from graph.limits import SubscriptionSlots
from graph.progress import ProgressHub


@dataclass
class Services:
    """What the app owns for its lifetime, built in the lifespan."""

    settings: Settings
    db: Database
    imports: ImportService
    hub: ProgressHub
    subscriptions: SubscriptionSlots = field(default_factory=SubscriptionSlots)


@dataclass
class Context:
    services: Services
    request: Request | WebSocket
    response: Response | WebSocket | None = None
    connection_params: dict[str, Any] | None = None
    _principal: Principal | None = field(default=None, repr=False)
    _users: dict[uuid.UUID, User | None] = field(default_factory=dict, repr=False)

    async def principal(self, *, again: bool = False) -> Principal:
        """The caller, from the Authorization header or the WebSocket's connection_init.

        `again` checks the token anew (a long subscription: it may have been revoked or expired)."""
        if self._principal is None or again:
            authorization = self._authorization()
            self._principal = await to_thread.run_sync(authenticate, self.services.db, authorization)
        return self._principal

    def _authorization(self) -> str | None:
        if isinstance(self.request, WebSocket):
            params = self.connection_params if isinstance(self.connection_params, dict) else {}
            for key, value in params.items():
                if isinstance(key, str) and key.lower() == "authorization" and isinstance(value, str):
                    return value
            return None
        return self.request.headers.get("authorization")

    async def user(self, user_id: uuid.UUID) -> User | None:
        if user_id not in self._users:
            self._users[user_id] = await to_thread.run_sync(_load_user, self.services.db, user_id)
        return self._users[user_id]


def _load_user(db: Database, user_id: uuid.UUID) -> User | None:
    with db.read() as session:
        return session.get(User, user_id)


Info = StrawberryInfo[Context, None]

"""graphql-transport-ws messages checked before Strawberry handles them.

Strawberry's handler reads `message["type"]`, `message["id"]` and `message["payload"]["query"]`
as if every message were well formed; JSON that is not an object, or a subscribe whose id or
payload has the wrong type, raised TypeError and dropped the connection without a reason.
Such a message now closes the socket with 4400 and says what was wrong, as the protocol asks.
"""

from __future__ import annotations

from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from graph.context import Context


def message_problem(message: Any) -> str | None:
    """What makes `message` not a graphql-transport-ws message from a client (None: nothing)."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "A message must be a JSON object with a string 'type'"
    if message["type"] in ("subscribe", "complete") and not (isinstance(message.get("id"), str) and message["id"]):
        return f"A {message['type']} message needs a non-empty string 'id'"
    if message["type"] == "subscribe":
        return _payload_problem(message.get("payload"))
    return None


def _payload_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return "A subscribe message needs a 'payload' object with a string 'query'"
    if payload.get("variables") is not None and not isinstance(payload["variables"], dict):
        return "A subscribe payload's 'variables' must be an object"
    if payload.get("operationName") is not None and not isinstance(payload["operationName"], str):
        return "A subscribe payload's 'operationName' must be a string"
    return None


class CheckedTransportWsHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def handle_message(self, message: Any) -> None:
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

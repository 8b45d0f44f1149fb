"""Strawberry's ASGI view with what a public service needs: CSRF refusal of simple
requests, GraphQL-over-HTTP media types and status codes, offline GraphiQL, our context."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from graph.context import Context, Services
from graph.graphiql import graphiql_html

GRAPHQL_RESPONSE = "application/graphql-response+json"
PREFLIGHT_HEADERS = ("apollo-require-preflight", "graphql-preflight", "x-apollo-operation-name")
SIMPLE_CONTENT_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain")



def _is_unguarded_simple_request(scope: Scope) -> bool:
    """A POST a browser could send cross-site without a preflight, and no header proving otherwise."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return False
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in SIMPLE_CONTENT_TYPES:
        return False
    return not any(headers.get(name, "").strip() for name in PREFLIGHT_HEADERS)


class GraphQLApp(GraphQL):
    def __init__(self, services: Services, **kwargs: object) -> None:
        from graph.schema import schema

        super().__init__(schema, multipart_uploads_enabled=True, **kwargs)
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _is_unguarded_simple_request(scope):
            response = JSONResponse(
                {"errors": [{
                    "message": "This request needs a non-empty `GraphQL-Preflight` (or "
                    "`Apollo-Require-Preflight`) header, a protection against cross-site request forgery.",
                    "extensions": {"code": "BAD_REQUEST"},
                }]},
                status_code=400,
            )
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        return Context(services=self.services, request=request, response=response)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql_html())

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        if isinstance(result, PreExecutionError) and _accepts_graphql_response(request):
            data.pop("data", None)
            request.state.graphql_status = 400
        return data

    def create_response(self, response_data, sub_response: Response) -> Response:  # noqa: ANN001
        response = super().create_response(response_data, sub_response)
        request: Request | None = getattr(sub_response, "request", None)
        if request is not None and _accepts_graphql_response(request):
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            response.status_code = getattr(request.state, "graphql_status", response.status_code)
        return response

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.request = request  # type: ignore[attr-defined]
        return sub_response


def _accepts_graphql_response(request: Request) -> bool:
    """True when the client asks for application/graphql-response+json (or accepts anything but JSON)."""
    accept = request.headers.get("accept", "")
    if GRAPHQL_RESPONSE in accept:
        return True
    return False

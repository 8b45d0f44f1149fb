"""Strawberry's ASGI view with what a public service needs: CSRF refusal of simple
requests, GraphQL-over-HTTP media types and status codes, offline GraphiQL, our context.

GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/), as the
`graphql-http` audit checks it (tests/test_graphql_over_http.py runs it):

- The response media type follows the Accept header: `application/graphql-response+json`
  when the client lists it (with a quality at least that of `application/json`),
  `application/json` otherwise (also for `*/*` or no Accept at all).
- With `application/json`, a request that fails before execution (parse, validation,
  variable coercion) keeps Strawberry's answer: 200 with `data: null`.
- With `application/graphql-response+json`, such a request is answered 400 without `data`.
  A request that started executing is 200, even when `data` is null.
- Requests Strawberry refuses itself (body not JSON, `query` not a string, unknown content
  type...) get a GraphQL error body in the negotiated media type, not plain text; a mutation
  over GET is 405 with `Allow: POST`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http.websocket_origin import normalize_allowed_origins
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from domain.settings import Settings
from graph.context import Context, Services
from graph.graphiql import assets_installed as graphiql_installed
from graph.graphiql import graphiql_html
from graph.websocket import CheckedTransportWsHandler

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
PREFLIGHT_HEADERS = ("apollo-require-preflight", "graphql-preflight", "x-apollo-operation-name")
SIMPLE_CONTENT_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain")
CSRF_MESSAGE = (
    "This request needs a non-empty `GraphQL-Preflight` (or `Apollo-Require-Preflight`) header, "
    "a protection against cross-site request forgery."
)
ERROR_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
WS_ORIGIN_REFUSED = 4403


def _is_unguarded_simple_request(scope: Scope) -> bool:
    """A POST a browser could send cross-site without a preflight, and no header proving otherwise."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return False
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in SIMPLE_CONTENT_TYPES:
        return False
    return not any(headers.get(name, "").strip() for name in PREFLIGHT_HEADERS)


SUBSCRIPTION_OVER_HTTP = (
    "Subscriptions run over WebSocket: connect to this URL with the graphql-transport-ws protocol "
    "and send the token in connection_init's payload as {\"Authorization\": \"Bearer <token>\"}."
)


def _is_subscription(query: str | None, operation_name: str | None) -> bool:
    try:
        document = parse(query or "")
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    return len(chosen) == 1 and chosen[0].operation == OperationType.SUBSCRIPTION


class GraphQLApp(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = CheckedTransportWsHandler

    def __init__(self, services: Services) -> None:
        from graph.schema import build_schema

        super().__init__(build_schema(services.settings), multipart_uploads_enabled=True)
        self.services = services
        # The WebSocket Origin allow-list is the CORS one; GraphiQL can be switched off.
        self.allowed_origins = normalize_allowed_origins(services.settings.cors_origins)
        self.graphql_ide = "graphiql" if services.settings.graphiql else None
        self.protocols = (GRAPHQL_TRANSPORT_WS_PROTOCOL,)  # not the legacy graphql-ws one

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        body_limit = _body_limit(scope, self.services.settings)
        request = Request(scope=scope, receive=_capped(receive, body_limit))
        if _is_unguarded_simple_request(scope):
            response = _error_response(request, 400, CSRF_MESSAGE)
        elif _declared_length(scope) > body_limit.size:
            response = body_limit.response(request)
        else:
            try:
                response = await self.run(request)
            except HTTPException as error:
                # Strawberry answers these in plain text; a client reads GraphQL errors.
                response = _error_response(request, error.status_code, error.reason)
            except BodyTooLarge:
                response = body_limit.response(request)
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        return Context(services=self.services, request=request, response=response)

    async def reject_websocket(self, request: WebSocket) -> WebSocket:
        """A page on an origin not in IMPORTER_CORS_ORIGINS: accept, then close saying why
        (a browser shows a refused handshake without any reason)."""
        origin = request.headers.get("origin", "").encode()[:60].decode(errors="ignore")  # a reason fits 123 bytes
        await request.accept(subprotocol=await self.pick_websocket_subprotocol(request))
        await request.close(code=WS_ORIGIN_REFUSED, reason=f"Origin {origin} is not allowed (IMPORTER_CORS_ORIGINS)")
        return request

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A browser opening a shared GraphiQL link (?query=...) gets GraphiQL, not a JSON answer."""
        if not self.graphql_ide:
            return False
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            return True
        return super().should_render_graphql_ide(request)

    async def render_graphql_ide(self, request: Request) -> Response:
        # Without its files, a page saying how to install them (503) instead of "Loading..." forever.
        return HTMLResponse(graphiql_html(), status_code=200 if graphiql_installed() else 503)

    async def execute_single(
        self, request: Request, request_adapter: AsyncHTTPRequestAdapter, sub_response: Response, context: Context,
        root_value: None, request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        if request_data.protocol == "http" and _is_subscription(request_data.query, request_data.operation_name):
            raise HTTPException(400, SUBSCRIPTION_OVER_HTTP)
        try:
            return await super().execute_single(request=request, request_adapter=request_adapter,
                                                sub_response=sub_response, context=context, root_value=root_value,
                                                request_data=request_data)
        except HTTPException as error:
            # The spec's answer to a mutation over GET is 405 Method Not Allowed.
            if isinstance(error.__cause__, InvalidOperationTypeError) and error.status_code == 400:
                raise HTTPException(405, error.reason) from error.__cause__
            raise

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        if _is_request_error(result) and _wants_graphql_response(request):
            data.pop("data", None)
            request.state.graphql_status = 400
        return data

    def create_response(self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
                        sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        request: Request | None = getattr(sub_response, "request", None)
        if request is not None:
            _negotiated(request, response)
            status = getattr(request.state, "graphql_status", None)
            if status is not None:
                response.status_code = status
        return response

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.request = request  # type: ignore[attr-defined]
        return sub_response


class BodyTooLarge(Exception):
    """The request body went over its BodyLimit while it was being read."""


@dataclass(frozen=True)
class BodyLimit:
    """The most bytes a request body may have: an upload's limit (plus room for the rest of the
    multipart request), or a query's (plus room for its variables)."""

    size: int
    code: str
    setting: str
    limit: int
    what: str

    def response(self, request: Request) -> Response:
        message = (f"The request is larger than {self.size:,} bytes: {self.what} may be at most {self.limit:,} "
                   f"bytes ({self.setting}).")
        body = {"errors": [{"message": message, "extensions": {"code": self.code, "limit": self.limit,
                                                                 "setting": self.setting}}]}
        return _negotiated(request, JSONResponse(body, status_code=413))


ROOM = 1024 * 1024  # bytes of a request besides the file or the query


def _body_limit(scope: Scope, settings: Settings) -> BodyLimit:
    if _content_type(scope) == "multipart/form-data":
        return BodyLimit(settings.max_upload_bytes + ROOM, "FILE_TOO_LARGE", "IMPORTER_MAX_UPLOAD_BYTES",
                         settings.max_upload_bytes, "an uploaded file")
    return BodyLimit(settings.max_query_bytes + ROOM, "QUERY_TOO_LARGE", "IMPORTER_MAX_QUERY_BYTES",
                     settings.max_query_bytes, "a query")


def _content_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name.lower() == b"content-type":
            content_type: str = value.decode("latin-1")
            return content_type.split(";")[0].strip().lower()
    return ""


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def _capped(receive: Receive, limit: BodyLimit) -> Receive:
    """`receive`, raising BodyTooLarge once the body passes the limit (a length header can lie)."""
    received = 0

    async def capped() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit.size:
                raise BodyTooLarge
        return message

    return capped


def _is_request_error(result: ExecutionResult) -> bool:
    """True when the request failed before execution started: a parse or validation error
    (Strawberry's PreExecutionError) or a variable that could not be coerced (graphql-core
    answers that with no data and errors that have no path). A field error always has a path."""
    if isinstance(result, PreExecutionError):
        return True
    errors = result.errors or []
    return result.data is None and bool(errors) and all(e.path is None for e in errors)


def _error_response(request: Request, status: int, message: str) -> Response:
    code = ERROR_CODES.get(status, "BAD_REQUEST" if 400 <= status < 500 else "INTERNAL_SERVER_ERROR")
    response = JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)
    if status == 405 and request.method == "GET":
        response.headers["allow"] = "POST"
    return _negotiated(request, response)


def _negotiated(request: Request, response: Response) -> Response:
    """Set the media type the client asked for (the body is JSON either way)."""
    if _wants_graphql_response(request):
        response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
    if "accept" not in response.headers.get("vary", "").lower():
        response.headers.append("vary", "Accept")
    return response


def _wants_graphql_response(request: Request) -> bool:
    """True when Accept lists application/graphql-response+json with a quality above zero and
    at least that of application/json (by its most specific match: application/json,
    application/*, */*). Wildcards alone mean application/json, as do no Accept and an Accept
    that names neither."""
    qualities = _accept_qualities(request.headers.get("accept", ""))
    wanted = qualities.get(GRAPHQL_RESPONSE, 0.0)
    if wanted <= 0:
        return False
    for media_range in (JSON, "application/*", "*/*"):
        if media_range in qualities:
            return wanted >= qualities[media_range]
    return True


def _accept_qualities(accept: str) -> dict[str, float]:
    """Media range -> quality (`q`, default 1) of an Accept header; the highest when repeated."""
    qualities: dict[str, float] = {}
    for item in accept.split(","):
        media_range, *params = (part.strip() for part in item.split(";"))
        if not media_range:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        media_range = media_range.lower()
        qualities[media_range] = max(quality, qualities.get(media_range, 0.0))
    return qualities

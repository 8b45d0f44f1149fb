"""Errors on the way out: domain errors get their code, unexpected ones are masked."""

from __future__ import annotations

import logging
import uuid

from graphql import GraphQLError
from graphql.error import GraphQLSyntaxError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError

from domain.db import is_outage
from domain.errors import DomainError, IdempotencyConflict, InvalidTransition, LimitExceeded
from domain.settings import Settings
from graph.limits import coded_refusal

log = logging.getLogger("importer.errors")

# What a caller is told while the database is down (GraphQL errors and the error report download).
DATABASE_UNAVAILABLE = "The database is not answering right now; try again in a few seconds."

# Strawberry's refusals of a malformed request (no query, an operationName the document lacks).
REQUEST_ERRORS = (MissingQueryError, CannotGetOperationTypeError)


def _code_for_plain_error(error: GraphQLError) -> str:
    if isinstance(error.original_error, MissingQueryError):  # an empty query sent over the WebSocket
        return "BAD_REQUEST"
    if isinstance(error, GraphQLSyntaxError) or error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def _with_code(error: GraphQLError, code: str, **extra: object) -> GraphQLError:
    return GraphQLError(
        message=error.message, nodes=error.nodes, source=error.source, positions=error.positions,
        path=error.path, original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": code, **extra},
    )


def _database_unavailable(error: GraphQLError) -> GraphQLError:
    """The database is down or unreachable: say so, and that trying again later helps."""
    log.warning("database unavailable at %s: %s", error.path, type(error.original_error).__name__)
    return GraphQLError(
        message=DATABASE_UNAVAILABLE,
        nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
        extensions={"code": "SERVICE_UNAVAILABLE"},
    )


class ErrorCodes(MaskErrors):
    """Give every error an `extensions.code`; replace unexpected ones with an error id.

    The full exception is logged with that id, so a report from a client can be traced.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__(should_mask_error=self._is_unexpected)
        self.settings = settings

    @staticmethod
    def _is_unexpected(error: GraphQLError) -> bool:
        original = error.original_error
        if original is None or isinstance(original, (DomainError, GraphQLError) + REQUEST_ERRORS):
            return False
        # A scalar refusing a value written in the query (before execution, so no path) is a
        # validation error of the caller's, e.g. a string where an Upload must be.
        return not (error.path is None and isinstance(original, (ValueError, TypeError)))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if is_outage(error.original_error):
            return _database_unavailable(error)
        error_id = uuid.uuid4().hex[:12]
        log.error("unexpected error %s at %s", error_id, error.path, exc_info=error.original_error)
        return GraphQLError(
            message=f"Something went wrong on our side; quote error id {error_id} if you report it.",
            nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
        )

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._coded(error) for error in super()._process_errors(errors)]

    def _coded(self, error: GraphQLError) -> GraphQLError:
        if error.extensions and "code" in error.extensions:
            return error
        original = error.original_error
        if isinstance(original, InvalidTransition):
            return _with_code(error, original.code, fromStatus=original.from_status.upper(),
                              toStatus=original.to_status.upper())
        if isinstance(original, IdempotencyConflict):
            return _with_code(error, original.code, expiresAt=original.expires_at.isoformat())
        if isinstance(original, LimitExceeded):
            return _with_code(error, original.code, limit=original.limit, setting=original.setting)
        if isinstance(original, DomainError):
            return _with_code(error, original.code)
        if isinstance(original, CannotGetOperationTypeError):  # over the WebSocket; HTTP answers it itself
            return GraphQLError(original.as_http_error_reason(), extensions={"code": "BAD_REQUEST"})
        return coded_refusal(error, self.settings) or _with_code(error, _code_for_plain_error(error))

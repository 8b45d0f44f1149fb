"""The strawberry.Schema and its extensions."""

from __future__ import annotations

from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection
from strawberry.file_uploads import Upload
from strawberry.types import ExecutionContext

from domain.settings import Settings
from graph.errors import ErrorCodes
from graph.limits import schema_limits
from graph.inputs import UploadScalar
from graph.mutations import Mutation
from graph.queries import Query
from graph.subscriptions import Subscription


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log only unexpected errors (ErrorCodes logs them with their id); refusals are not ours."""


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema, with the limits of `settings` (the defaults without)."""
    settings = settings or Settings()
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[partial(ErrorCodes, settings), *schema_limits(settings),
                    *([] if settings.introspection else [DisableIntrospection])],
        scalar_overrides={Upload: UploadScalar},
    )


schema = build_schema()


def export_sdl() -> str:
    return schema.as_str() + "\n"

"""The strawberry.Schema and its extensions."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from graph.errors import ErrorCodes
from graph.inputs import UploadScalar
from graph.mutations import Mutation
from graph.queries import Query
from graph.subscriptions import Subscription


class Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:  # noqa: ANN001
        """Log only unexpected errors (ErrorCodes logs them with their id); refusals are not ours."""


def build_schema() -> strawberry.Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[ErrorCodes],
        scalar_overrides={Upload: UploadScalar},
    )


schema = build_schema()


def export_sdl() -> str:
    return schema.as_str() + "\n"

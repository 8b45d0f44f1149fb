"""Limits on what one caller may ask: GraphQL document size, tokens, depth, aliases and
complexity (schema extensions), page size, and subscriptions open at once per user (the
request rate is graph/rate.py). Each refusal carries its code, `limit` and `setting`."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    value_from_ast,
)
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension

from domain.errors import LimitExceeded
from domain.queries import MAX_PAGE
from domain.settings import LIMIT_VARIABLES, Settings


def limit_error(message: str, *, code: str, setting: str, limit: int) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, "limit": limit, "setting": setting})


def schema_limits(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories of the schema extensions that refuse documents over the limits (one per request)."""
    return [
        partial(QuerySizeLimiter, settings.max_query_bytes),
        partial(MaxTokensLimiter, settings.max_query_tokens),
        partial(QueryDepthLimiter, max_depth=settings.max_query_depth),
        partial(MaxAliasesLimiter, settings.max_aliases),
        partial(ComplexityLimiter, settings.max_query_complexity),
    ]


# Strawberry's and graphql-core's own refusals, given their code: (pattern, code, setting, message).
KNOWN_REFUSALS = (
    (re.compile(r"exceeds maximum operation depth of (\d+)"), "QUERY_TOO_DEEP", "IMPORTER_MAX_QUERY_DEPTH",
     "The query is nested deeper than the limit of {limit} levels (IMPORTER_MAX_QUERY_DEPTH)."),
    (re.compile(r"Document is nested too deeply"), "QUERY_TOO_DEEP", "IMPORTER_MAX_QUERY_DEPTH",
     "The query is nested far deeper than the limit (IMPORTER_MAX_QUERY_DEPTH)."),
    (re.compile(r"aliases found\. Allowed: (\d+)"), "TOO_MANY_ALIASES", "IMPORTER_MAX_ALIASES",
     "The query uses more than the limit of {limit} aliases (IMPORTER_MAX_ALIASES)."),
    (re.compile(r"Document contains more than (\d+) tokens"), "QUERY_TOO_LARGE", "IMPORTER_MAX_QUERY_TOKENS",
     "The query has more than the limit of {limit} tokens (IMPORTER_MAX_QUERY_TOKENS)."),
)


def coded_refusal(error: GraphQLError, settings: Settings | None = None) -> GraphQLError | None:
    """The limit error for one of the libraries' limit refusals; None for any other error."""
    for pattern, code, setting, message in KNOWN_REFUSALS:
        found = pattern.search(error.message)
        if found:
            limit = int(found.group(1)) if found.groups() else _setting_value(settings, setting)
            return GraphQLError(
                message.format(limit=limit), nodes=error.nodes, source=error.source, positions=error.positions,
                extensions={"code": code, "limit": limit, "setting": setting},
            )
    return None


def _setting_value(settings: Settings | None, variable: str) -> int:
    name = next(name for name, env in LIMIT_VARIABLES.items() if env == variable)
    return int(getattr(settings or Settings(), name))


class QuerySizeLimiter(SchemaExtension):
    """Refuse a document longer than the limit before it is parsed."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars

    def on_operation(self) -> Iterator[None]:
        query = self.execution_context.query or ""
        if len(query) > self.max_chars:
            raise limit_error(
                f"The query is {len(query):,} characters long, more than the limit of {self.max_chars:,} "
                "(IMPORTER_MAX_QUERY_BYTES).", code="QUERY_TOO_LARGE", setting="IMPORTER_MAX_QUERY_BYTES",
                limit=self.max_chars,
            )
        yield


class ComplexityLimiter(SchemaExtension):
    """Refuse an operation whose estimated cost is over the limit, before it runs.

    Cost: 1 per field, and what a field selects counts once per item of the page it asks for
    (its `first` argument, or that argument's default), so nested pages multiply."""

    def __init__(self, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None:
            cost = query_cost(context.schema._schema, context.graphql_document, context.operation_name,
                              context.variables or {})
            if cost > self.max_cost:
                raise limit_error(
                    f"The query would cost about {cost:,}, more than the limit of {self.max_cost:,} "
                    "(IMPORTER_MAX_QUERY_COMPLEXITY); ask for smaller pages or fewer nested lists.",
                    code="QUERY_TOO_COMPLEX", setting="IMPORTER_MAX_QUERY_COMPLEXITY", limit=self.max_cost,
                )
        yield


@dataclass
class _Walk:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    seen: frozenset[str] = frozenset()


def query_cost(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
               variables: dict[str, Any]) -> int:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = {OperationType.QUERY: schema.query_type, OperationType.MUTATION: schema.mutation_type,
            OperationType.SUBSCRIPTION: schema.subscription_type}[operation.operation]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _cost(operation.selection_set, root, _Walk(schema, fragments, variables))


def _cost(selection_set: SelectionSetNode, parent: object, walk: _Walk) -> int:
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += _field_cost(selection, parent, walk)
        elif isinstance(selection, InlineFragmentNode):
            target = walk.schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
            total += _cost(selection.selection_set, target, walk)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = walk.fragments.get(name)
            if fragment is not None and name not in walk.seen:
                inner = _Walk(walk.schema, walk.fragments, walk.variables, walk.seen | {name})
                total += _cost(fragment.selection_set, walk.schema.get_type(fragment.type_condition.name.value), inner)
    return total


def _field_cost(node: FieldNode, parent: object, walk: _Walk) -> int:
    definition = parent.fields.get(node.name.value) if isinstance(parent, GraphQLObjectType) else None
    if definition is None or node.selection_set is None:
        return 1
    inner = _cost(node.selection_set, get_named_type(definition.type), walk)
    return 1 + _page_size(node, definition, walk.variables) * inner


def _page_size(node: FieldNode, definition: GraphQLField, variables: dict[str, Any]) -> int:
    argument = definition.args.get("first")
    if argument is None:
        return 1
    value = argument.default_value
    for given in node.arguments or ():
        if given.name.value == "first":
            value = value_from_ast(given.value, argument.type, variables)
    return value if isinstance(value, int) and value > 0 else 1


# subscriptions open at once


@dataclass
class SubscriptionSlots:
    """How many subscriptions each user has open on this server."""

    open: dict[uuid.UUID, int] = field(default_factory=dict)

    @asynccontextmanager
    async def hold(self, user_id: uuid.UUID, limit: int) -> AsyncIterator[None]:
        """One slot for the subscription's lifetime; LimitExceeded when all are taken."""
        if self.open.get(user_id, 0) >= limit:
            raise LimitExceeded(
                f"You already have {limit} subscriptions open, the limit (IMPORTER_MAX_SUBSCRIPTIONS); "
                "close one first.", code="TOO_MANY_SUBSCRIPTIONS", setting="IMPORTER_MAX_SUBSCRIPTIONS", limit=limit,
            )
        self.open[user_id] = self.open.get(user_id, 0) + 1
        try:
            yield
        finally:
            self.open[user_id] -= 1
            if not self.open[user_id]:
                del self.open[user_id]


# page size

DEFAULT_PAGE_SIZE = 25  # what `first` is when left out: always allowed


def page_size(first: int, settings: Settings) -> int:
    """`first` when it is within the page size limit (25 to 500), else LimitExceeded."""
    limit = max(DEFAULT_PAGE_SIZE, min(settings.max_page_size, MAX_PAGE))
    if first > limit:
        raise LimitExceeded(f"`first` is {first:,}; a page has at most {limit:,} items (IMPORTER_MAX_PAGE_SIZE). "
                            "Page on with `after`.", code="PAGE_TOO_LARGE", setting="IMPORTER_MAX_PAGE_SIZE",
                            limit=limit)
    return first

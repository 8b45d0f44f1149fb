"""The tenancy matrix: every query, mutation and subscription of the schema, and every
download route of the app, run as a user of another organisation (against the first
organisation's objects), with a revoked token, with an expired token and with no token.

Operations are generated from the schema: arguments are built from their types (ids of
real objects of the first organisation, inputs filled by type, uploads as real multipart
files), so a new field or mutation is in the matrix without editing this file. A field or
route the generator cannot build arguments for fails the test. After every cell, the
first organisation's data in the database is exactly as it was."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
    is_non_null_type,
    parse,
    validate,
)
from sqlalchemy import select
from sqlmodel import SQLModel
from starlette.routing import Route
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token, revoke_token
from domain.db import Database
from domain.settings import Settings
from graph.schema import build_schema
from tests.helpers import auth, client_csv, data_of, gql, settle, upload
from tests.services import migrated, postgres_database

# Routes anyone may fetch, and why. Every other route with a path parameter is a download
# of an organisation's data and is in the matrix.
PUBLIC_ROUTES = {
    "/import-types/{type}/template.csv": "the same blank template for everyone: an import type's column "
                                         "names and an example row, nothing of any organisation",
    "/graphiql-assets/{name}": "GraphiQL's own JavaScript and CSS files",
    "/web-vendor/graphql-ws/{name}": "the import page's own JavaScript library",
}
# Schema fields anyone may call without a token, and why: none today (importTypes needs a
# token too, though it shows nothing of any organisation).
PUBLIC_FIELDS: dict[str, str] = {}
# Which object of the first organisation an argument (or input field) of type ID refers to.
ID_ARGUMENTS = {"id": "import", "mappingId": "mapping", "createdBy": "user"}
# Where an argument of a field refers to another kind of object than its name says elsewhere.
FIELD_ID_ARGUMENTS = {("deleteWebhook", "id"): "webhook"}
# Arguments of other types that refer to an object of the first organisation.
REFERENCE_ARGUMENTS = {"premierCoreMappingId": "premier_mapping"}
WEBHOOK_SECRET = "spa-one-webhook-secret"
CALLERS = ("other organisation", "revoked token", "expired token", "no token")


class CannotBuild(Exception):
    """The generator has no value for an argument's type: the matrix would miss this field."""


@dataclass
class Owner:
    """The first organisation's objects, which nobody else may see or change."""

    import_id: str
    mapping_id: str
    premier_mapping_id: str
    user_id: str
    secrets: list[str]
    webhook_id: str = ""

    def reference(self, kind: str) -> str:
        return {"import": self.import_id, "mapping": self.mapping_id, "user": self.user_id,
                "premier_mapping": self.premier_mapping_id, "webhook": self.webhook_id}[kind]


@dataclass
class Operation:
    """One generated GraphQL operation: its document, variables and where uploads go."""

    name: str
    kind: str  # query, mutation, subscription
    document: str
    variables: dict[str, Any]
    uploads: list[str] = field(default_factory=list)  # paths such as "variables.a0.file"
    targets_owner: bool = False  # a required argument is one of the first organisation's objects
    optional_reference: bool = False  # an optional argument was set to one of them


# generating operations from the schema


def value_for(type_: Any, name: str, owner: Owner, path: str, uploads: list[str], *, required_only: bool = True,
              reference: str | None = None) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return value_for(type_.of_type, name, owner, path, uploads, required_only=required_only, reference=reference)
    if isinstance(type_, GraphQLList):
        return [value_for(type_.of_type, name, owner, f"{path}.0", uploads, reference=reference)]
    if isinstance(type_, GraphQLEnumType):
        return "CLIENT" if "CLIENT" in type_.values else next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        built = {}
        for field_name, input_field in type_.fields.items():
            if is_non_null_type(input_field.type) and input_field.default_value is Undefined or field_name == reference:
                built[field_name] = value_for(input_field.type, field_name, owner, f"{path}.{field_name}", uploads)
        return built
    if isinstance(type_, GraphQLScalarType):
        return scalar_for(type_.name, name, owner, path, uploads)
    raise CannotBuild(f"{path}: no value for type {type_}")


def scalar_for(type_name: str, name: str, owner: Owner, path: str, uploads: list[str]) -> Any:
    if name in REFERENCE_ARGUMENTS:
        return owner.reference(REFERENCE_ARGUMENTS[name])
    if type_name == "ID":
        if name not in ID_ARGUMENTS:
            raise CannotBuild(f"{path}: an ID argument {name!r} that ID_ARGUMENTS does not know")
        return owner.reference(ID_ARGUMENTS[name])
    if type_name == "Upload":
        uploads.append(path)
        return None
    simple = {"String": "email", "Int": 5, "Float": 1.0, "Boolean": True, "DateTime": "2026-01-01T00:00:00Z",
              "Date": "2026-01-01"}
    if type_name not in simple:
        raise CannotBuild(f"{path}: no value for the scalar {type_name}")
    return simple[type_name]


def refers_to_owner(type_: Any, name: str, *, seen: frozenset = frozenset()) -> list[str]:
    """Names of the optional arguments or input fields (at any depth) that refer to an object."""
    named = get_named_type(type_)
    found = [name] if name in ID_ARGUMENTS or name in REFERENCE_ARGUMENTS else []
    if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        for field_name, input_field in named.fields.items():
            found += refers_to_owner(input_field.type, field_name, seen=seen | {named.name})
    return found


def selection(type_: Any, depth: int = 0) -> str:
    """Every field without required arguments, three levels deep (then `__typename` and `id`)."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return ""
    if depth >= 3:
        return "{ __typename" + (" id" if "id" in named.fields else "") + " }"
    parts = [f"{name} {selection(item.type, depth + 1)}" for name, item in named.fields.items()
             if not any(is_non_null_type(a.type) and a.default_value is Undefined for a in item.args.values())]
    return "{ " + " ".join(parts) + " }"


def operations(owner: Owner) -> list[Operation]:
    schema = build_schema()._schema
    roots = (("query", schema.query_type), ("mutation", schema.mutation_type),
             ("subscription", schema.subscription_type))
    built = []
    for kind, root in roots:
        for name, definition in (root.fields if root else {}).items():
            built.append(operation(kind, name, definition, owner))
            built += optional_reference_variants(kind, name, definition, owner)
    return built


def operation(kind: str, name: str, definition: Any, owner: Owner, *, reference: str | None = None) -> Operation:
    uploads: list[str] = []
    declared, passed, variables = [], [], {}
    targets_owner = False
    for index, (arg_name, arg) in enumerate(definition.args.items()):
        wanted = reference is not None and reference in refers_to_owner(arg.type, arg_name)
        if not is_non_null_type(arg.type) and not wanted:
            continue
        if is_non_null_type(arg.type) and arg_name in ID_ARGUMENTS:
            targets_owner = True
        variable = f"a{index}"
        variables[variable] = value_for(arg.type, arg_name, owner, f"variables.{variable}", uploads,
                                        reference=reference)
        if reference == arg_name:
            variables[variable] = scalar_for(get_named_type(arg.type).name, arg_name, owner, "", [])
        if (name, arg_name) in FIELD_ID_ARGUMENTS:
            variables[variable] = owner.reference(FIELD_ID_ARGUMENTS[name, arg_name])
        declared.append(f"${variable}: {arg.type}")
        passed.append(f"{arg_name}: ${variable}")
    head = f"{kind} Probe" + (f"({', '.join(declared)})" if declared else "")
    call = name + (f"({', '.join(passed)})" if passed else "")
    document = f"{head} {{ {call} {selection(definition.type)} }}"
    label = name if reference is None else f"{name}({reference}: theirs)"
    return Operation(label, kind, document, variables, uploads, targets_owner, reference is not None)


def optional_reference_variants(kind: str, name: str, definition: Any, owner: Owner) -> list[Operation]:
    """One more operation per optional argument (or input field) that can name an object."""
    variants = []
    for arg_name, arg in definition.args.items():
        for reference in refers_to_owner(arg.type, arg_name):
            if is_non_null_type(arg.type) and reference == arg_name:
                continue  # already set in the operation itself
            variants.append(operation(kind, name, definition, owner, reference=reference))
    return variants


# running a cell


def run_http(client: TestClient, op: Operation, headers: dict[str, str]) -> dict:
    if not op.uploads:
        response = client.post("/graphql", json={"query": op.document, "variables": op.variables}, headers=headers)
        return response.json()
    files = {str(i): ("clients.csv", client_csv(2), "text/csv") for i in range(len(op.uploads))}
    response = client.post(
        "/graphql", headers=headers | {"GraphQL-Preflight": "1"}, files=files,
        data={"operations": json.dumps({"query": op.document, "variables": op.variables}),
              "map": json.dumps({str(i): [path] for i, path in enumerate(op.uploads)})},
    )
    return response.json()


def run_subscription(client: TestClient, op: Operation, headers: dict[str, str]) -> dict:
    """The first error (or first result) the subscription answers."""
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": headers})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": op.document, "variables": op.variables}})
        message = ws.receive_json()
    if message["type"] == "error":
        return {"errors": message["payload"]}
    return message.get("payload", {})


def run(client: TestClient, op: Operation, headers: dict[str, str]) -> dict:
    return run_subscription(client, op, headers) if op.kind == "subscription" else run_http(client, op, headers)


def codes(result: dict) -> list[str]:
    return [(e.get("extensions") or {}).get("code") for e in result.get("errors") or []]


def check_cell(op: Operation, caller: str, result: dict, owner: Owner) -> str | None:
    """What is wrong with this cell's answer, or None."""
    text = json.dumps(result)
    leaked = [secret for secret in owner.secrets if secret in text and secret not in json.dumps(op.variables)]
    if leaked:
        return f"the answer shows the first organisation's {leaked}"
    found = codes(result)
    if caller != "other organisation":
        return None if found[:1] == ["UNAUTHENTICATED"] else f"expected UNAUTHENTICATED, got {found or result}"
    if op.targets_owner:
        return None if found[:1] == ["NOT_FOUND"] else f"expected NOT_FOUND, got {found or result}"
    if op.optional_reference and found and found[0] not in ("NOT_FOUND", "BAD_INPUT"):
        return f"expected NOT_FOUND (or BAD_INPUT), got {found}"
    return None  # the caller's own data, with nothing of the first organisation in it


# the first organisation's data, as rows


def owner_rows(db: Database, organisation_id: str) -> dict[str, list]:
    """Every row of every table that belongs to the organisation (through its imports or users too)."""
    tables = SQLModel.metadata.sorted_tables
    snapshot: dict[str, list] = {}
    with db.engine.connect() as connection:
        users = {str(r.id) for r in connection.execute(select(_table("users"))) if str(r.organisation_id) == organisation_id}
        imports = {str(r.id) for r in connection.execute(select(_table("imports")))
                   if str(r.organisation_id) == organisation_id}
        for table in tables:
            rows = [dict(r._mapping) for r in connection.execute(select(table))]
            snapshot[table.name] = sorted((repr(sorted(row.items())) for row in rows
                                           if _belongs(table.name, row, organisation_id, users, imports)))
    return snapshot


def _table(name: str):  # noqa: ANN202
    return SQLModel.metadata.tables[name]


def _belongs(table: str, row: dict, organisation_id: str, users: set[str], imports: set[str]) -> bool:
    if table == "organisations":
        return str(row["id"]) == organisation_id
    for column, owned in (("organisation_id", {organisation_id}), ("import_id", imports), ("user_id", users)):
        if column in row:
            return str(row[column]) in owned
    return True  # a table that belongs to no organisation: compared whole


# the matrix, on SQLite and on PostgreSQL


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    # The first organisation's webhook is on loopback (nothing listens there): tests reach nothing else.
    base = Settings(data_dir=tmp_path / "data", chunk_size=3, max_upload_bytes=1_000_000, webhook_allow_private=True)
    if request.param == "sqlite":
        yield base
        return
    with postgres_database() as url:
        yield migrated(base.with_changes(database_url=url))


@pytest.fixture
def owner(client: TestClient, db: Database, token: str) -> Owner:
    content = client_csv(3) + b"Bad,Row,not-an-email,,,,\n"
    created = data_of(upload(client, content, token=token))["createImport"]
    assert settle(client, token, created["id"])["status"] == "VALIDATED"
    mapping = [{"column": "email", "field": "email"}, {"column": "first_name", "field": "first_name"},
               {"column": "last_name", "field": "last_name"}]
    save = "mutation($t: ImportType!, $m: [MappingInput!]!) { createImportMapping(type: $t, name: \"Ours\", mapping: $m) { id } }"
    mapping_id = data_of(gql(client, save, {"t": "CLIENT", "m": mapping}, token=token))["createImportMapping"]["id"]
    premier_id = data_of(gql(client, save, {"t": "PREMIER_CORE", "m": mapping}, token=token))["createImportMapping"]["id"]
    me = data_of(gql(client, "query($id: ID!) { import(id: $id) { createdBy { id email } } }", {"id": created["id"]},
                     token=token))["import"]["createdBy"]
    hook = "mutation { createWebhook(url: \"http://127.0.0.1:9/spa-one-hook\", events: [IMPORT_FINISHED], " \
           f"secret: \"{WEBHOOK_SECRET}\") {{ id }} }}"
    webhook_id = data_of(gql(client, hook, token=token))["createWebhook"]["id"]
    return Owner(created["id"], mapping_id, premier_id, me["id"], [created["id"], mapping_id, premier_id, me["id"],
                                                                  me["email"], "Spa One", webhook_id, "spa-one-hook",
                                                                  WEBHOOK_SECRET], webhook_id)


@pytest.fixture
def callers(db: Database, other_token: str) -> dict[str, dict[str, str]]:
    revoked = issue_token(db, organisation="Spa One", email="owner@spa-one.test").token
    assert revoke_token(db, revoked[:12]) == 1
    expired = issue_token(db, organisation="Spa One", email="owner@spa-one.test", expires_in=timedelta(seconds=-1)).token
    return {"other organisation": auth(other_token), "revoked token": auth(revoked), "expired token": auth(expired),
            "no token": {}}


def download_routes(client: TestClient) -> list[str]:
    """Every route with a path parameter that is not public."""
    found = []
    for route in client.app.routes:
        if isinstance(route, Route) and route.param_convertors and route.path not in PUBLIC_ROUTES:
            found.append(route.path)
    return found


def route_url(path: str, owner: Owner) -> str:
    if "{import_id}" not in path or path.count("{") != 1:
        raise CannotBuild(f"{path}: no value for its path parameters")
    return path.replace("{import_id}", owner.import_id)


def test_every_operation_and_download_is_refused_to_everyone_but_the_owner(client, db, owner, callers, capsys):
    ops = operations(owner)
    routes = download_routes(client)
    organisation_id = data_of_owner_org(db, owner)
    before = owner_rows(db, organisation_id)
    problems, cells = [], 0
    for caller in CALLERS:
        for op in ops:
            if op.name in PUBLIC_FIELDS or (op.optional_reference and caller != "other organisation"):
                continue
            cells += 1
            problem = check_cell(op, caller, run(client, op, callers[caller]), owner)
            if problem:
                problems.append(f"{op.kind} {op.name} as {caller}: {problem}")
        for path in routes:
            cells += 1
            response = client.get(route_url(path, owner), headers=callers[caller])
            expected = (404, "NOT_FOUND") if caller == "other organisation" else (401, "UNAUTHENTICATED")
            got = (response.status_code, codes(response.json())[:1] if response.headers.get("content-type", "").startswith("application/json") else None)
            if got != (expected[0], [expected[1]]):
                problems.append(f"GET {path} as {caller}: expected {expected}, got {got}")
        after = owner_rows(db, organisation_id)
        changed = [name for name in before if before[name] != after.get(name)]
        assert not changed, f"as {caller}, the first organisation's {changed} changed"
    with capsys.disabled():
        print(f"\ntenancy matrix: {len(ops)} operations and {len(routes)} download routes x {len(CALLERS)} callers "
              f"= {cells} cells, {cells - len(problems)} refused as expected")
    assert not problems, "\n".join(problems)
    mine = auth(callers_token(db))
    for op in ops:  # the same queries and subscriptions answer the owner
        if op.kind != "mutation":
            assert not run(client, op, mine).get("errors"), op.name


def data_of_owner_org(db: Database, owner: Owner) -> str:
    with db.engine.connect() as connection:
        row = connection.execute(select(_table("imports")).where(_table("imports").c.id == uuid.UUID(owner.import_id))).first()
    return str(row.organisation_id)


def callers_token(db: Database) -> str:
    return issue_token(db, organisation="Spa One", email="owner@spa-one.test").token


def test_the_generator_covers_every_field_of_the_schema_with_valid_documents(client, owner):
    schema = build_schema()._schema
    ops = operations(owner)
    names = {op.name for op in ops}
    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        for name in root.fields:
            assert name in names, f"{name} is not in the matrix"
    for op in ops:  # a cell refused only because its document is wrong would prove nothing
        assert not validate(schema, parse(op.document)), op.document


def test_a_field_the_generator_cannot_build_arguments_for_fails_loudly(owner):
    with pytest.raises(CannotBuild, match="ID argument 'ownerId'"):
        scalar_for("ID", "ownerId", owner, "variables.a0", [])
    with pytest.raises(CannotBuild, match="scalar JSON"):
        scalar_for("JSON", "payload", owner, "variables.a0", [])


# roles within the organisation: a viewer reads, and changes nothing

ADMIN_ONLY = {"saveImportMapping", "createImportMapping",  # members may not save mappings either
              "createWebhook", "deleteWebhook", "webhooks"}  # nor see or change webhooks
ADMIN_ONLY_QUERIES = {"webhooks"}  # a viewer may not read these either


def test_a_viewer_may_run_every_query_and_subscription_and_no_mutation(client, db, owner, capsys):
    viewer = auth(issue_token(db, organisation="Spa One", email="reader@spa-one.test", role="viewer").token)
    member = auth(issue_token(db, organisation="Spa One", email="doer@spa-one.test", role="member").token)
    organisation_id = data_of_owner_org(db, owner)
    before = owner_rows(db, organisation_id)
    problems, cells = [], 0
    for op in operations(owner):
        callers = [("viewer", viewer)] + ([("member", member)] if op.name.split("(")[0] in ADMIN_ONLY else [])
        for role, headers in callers:
            cells += 1
            found = codes(run(client, op, headers))
            expected = ["FORBIDDEN"] if op.kind == "mutation" or op.name in ADMIN_ONLY_QUERIES else []
            if found[:1] != expected:
                problems.append(f"{op.kind} {op.name} as {role}: expected {expected or 'an answer'}, got {found}")
    assert owner_rows(db, organisation_id) == before
    with capsys.disabled():
        print(f"\nrole matrix: {cells} cells")
    assert not problems, "\n".join(problems)

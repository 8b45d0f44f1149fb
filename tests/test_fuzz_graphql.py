"""Fuzzing the GraphQL API: schemathesis generates queries and mutations from the schema the
app serves (valid ones, and invalid ones), hypothesis generates multipart uploads; every
answer must be a GraphQL answer: no 5xx, no stack trace or internal error text, every error
with a machine-readable code, and no masked internal error either.

Deterministic (derandomized, no example database) and bounded: about a minute on CI."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import schemathesis
from graphql import get_introspection_query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.graphql import nodes
from starlette.testclient import TestClient

from domain.rules.types import IMPORT_TYPES
from tests.helpers import auth, client_csv, data_of, gql, settle, start, upload

CASES_PER_OPERATION = {GenerationMode.POSITIVE: 80, GenerationMode.NEGATIVE: 40}
UPLOAD_CASES = 300
LEAK_MARKERS = ("Traceback", 'File "/', "sqlalchemy", "psycopg", "sqlite3", "NoneType", "AttributeError",
                "KeyError", "TypeError", "IndexError", "Exception:", "site-packages")
FUZZ = settings(derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))

# IDs the generated requests use: half real objects (filled in when the service is seeded),
# half whatever hypothesis makes up.
KNOWN_IDS: list[str] = []


def _known_id(index: int) -> nodes.String:
    return nodes.String(KNOWN_IDS[index % len(KNOWN_IDS)] if KNOWN_IDS else str(index))


schemathesis.graphql.scalar("ID", st.one_of(
    st.integers(min_value=0, max_value=50).map(_known_id),
    st.text(max_size=40).map(nodes.String),
    st.integers().map(nodes.Int),
))
# The Upload scalar cannot be a file inside a query: whatever is written there must be refused.
schemathesis.graphql.scalar("Upload", st.one_of(
    st.just(nodes.Null), st.text(max_size=20).map(nodes.String), st.integers().map(nodes.Int),
))


def served_schema(client: TestClient, token: str) -> schemathesis.schemas.BaseSchema:
    result = data_of(gql(client, get_introspection_query(), token=token))
    return schemathesis.graphql.from_dict(result)


def assert_graphql_answer(response, sent: str) -> None:
    """What a client may rely on, whatever it sent."""
    assert response.status_code < 500, response.text
    for marker in LEAK_MARKERS:
        assert marker not in response.text or marker in sent, f"{marker!r} leaked: {response.text}"
    body = response.json()
    assert isinstance(body, dict), body
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert isinstance(code, str) and code, f"an error without a code: {error}"
        assert code != "INTERNAL_SERVER_ERROR", f"a crash behind the mask: {error} for {sent}"


def seed(client: TestClient, token: str, other_token: str) -> list[str]:
    """Real objects for the generated requests to touch: imports in several states, a saved
    mapping, the user, and another organisation's import."""
    validated = data_of(upload(client, client_csv(4), token=token))["createImport"]["id"]
    imported = data_of(upload(client, client_csv(3, start=100), token=token))["createImport"]["id"]
    errored = data_of(upload(client, b"colour,size\nred,L\n", token=token))["createImport"]["id"]
    foreign = data_of(upload(client, client_csv(2), token=other_token))["createImport"]["id"]
    for import_id in (validated, imported, errored):
        settle(client, token, import_id)
    data_of(start(client, token, imported))
    settle(client, token, imported)
    mapping = data_of(gql(client, """mutation { createImportMapping(type: CLIENT, name: "Fuzz",
        mapping: [{column: "First", field: "first_name"}]) { id } }""", token=token))["createImportMapping"]["id"]
    user = data_of(gql(client, "{ imports(first: 1) { edges { node { createdBy { id } } } } }", token=token))
    user_id = user["imports"]["edges"][0]["node"]["createdBy"]["id"]
    return [validated, imported, errored, foreign, mapping, user_id]


def fuzz_operation(client: TestClient, tokens: list[str | None], operation, mode: GenerationMode,
                   outcomes: Counter[str]) -> int:
    """Send the generated cases of one operation; the number sent. `outcomes` counts the
    answers: "data" or the first error's code."""
    tried = 0

    @given(case=operation.as_strategy(generation_mode=mode), who=st.sampled_from(tokens),
           accept=st.sampled_from(["*/*", "application/json", "application/graphql-response+json"]))
    @settings(FUZZ, max_examples=CASES_PER_OPERATION[mode])
    def one_request(case, who: str | None, accept: str) -> None:
        nonlocal tried
        tried += 1
        sent = case.as_transport_kwargs()["json"]
        response = client.post("/graphql", json=sent, headers=auth(who) | {"Accept": accept})
        assert_graphql_answer(response, json.dumps(sent))
        errors = response.json().get("errors")
        outcomes[errors[0]["extensions"]["code"] if errors else "data"] += 1

    one_request()
    return tried


def test_generated_queries_and_mutations_get_graphql_answers(client: TestClient, token: str, other_token: str,
                                                              capsys: pytest.CaptureFixture) -> None:
    KNOWN_IDS[:] = seed(client, token, other_token)
    tokens = [token, token, token, other_token, None, "imp_not_a_real_token"]
    tried: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for result in served_schema(client, token).get_all_operations():
        operation = result.ok()
        for mode in CASES_PER_OPERATION:
            tried[operation.label] += fuzz_operation(client, tokens, operation, mode, outcomes)
    refusals = {code: count for code, count in outcomes.most_common() if code != "data"}
    with capsys.disabled():  # the counts show in CI's log
        print(f"\nschemathesis: {sum(tried.values())} generated GraphQL requests over {len(tried)} operations, "
              f"{outcomes['data']} answered with data, {sum(outcomes.values()) - outcomes['data']} refused with "
              f"a code {refusals}, 0 crashed")
    assert len(tried) >= 10
    assert sum(tried.values()) >= 1000


# multipart uploads

TYPES = [name.upper() for name in IMPORT_TYPES] + ["client", "NOPE", ""]
MODES = ["STORE", "UPDATE", "UPSERT", "VALIDATE", "DELETE"]
FILENAMES = st.one_of(
    st.sampled_from(["clients.csv", "book.xlsx", "../../etc/passwd", "a\\b\\c.csv", "", ".", "x" * 500,
                     "name\r\nInjected: yes.csv", "\x00.csv", "=cmd|' /C calc'!A0.csv"]),
    st.text(max_size=60),
)
MAPPINGS = st.one_of(st.none(), st.lists(st.fixed_dictionaries(
    {"column": st.sampled_from(["first_name", "email", "x", ""]) | st.text(max_size=10),
     "field": st.none() | st.sampled_from(["first_name", "last_name", "email", "price", "nope"])}), max_size=4))
CONTENTS = st.one_of(
    st.builds(lambda count, extra: client_csv(count) + extra, st.integers(1, 20),
              st.just(b"") | st.binary(max_size=64)),
    st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=6), min_size=1, max_size=8).map(
        lambda rows: "\n".join(",".join(row) for row in rows).encode("utf-8", "replace")),
    st.binary(max_size=2048),
)


@st.composite
def create_inputs(draw: st.DrawFn) -> dict:
    variables = {"type": draw(st.sampled_from(TYPES)), "mode": draw(st.sampled_from(MODES)), "file": None}
    optional = {
        "mapping": MAPPINGS,
        "mappingId": st.text(max_size=30),
        "sheet": st.text(max_size=20),
        "premierCoreMappingId": st.sampled_from(["0" * 24, "f" * 24, "xyz"]) | st.text(max_size=30),
    }
    for name, strategy in optional.items():
        if draw(st.integers(0, 7)) == 0:
            variables[name] = draw(strategy)
    return variables


def multipart(client: TestClient, token: str, variables: dict, content: bytes, filename: str, *,
              file_path: str) -> object:
    query = "mutation($input: CreateImportInput!) { createImport(input: $input) { id status headers } }"
    operations = json.dumps({"query": query, "variables": {"input": variables}})
    return client.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": [file_path]})},
        files={"0": (filename, content, "text/csv")},
        headers=auth(token) | {"GraphQL-Preflight": "1"},
    )


def test_generated_uploads_get_graphql_answers_and_validation_never_crashes(
    client: TestClient, token: str, capsys: pytest.CaptureFixture
) -> None:
    created: list[str] = []
    refused: Counter[str] = Counter()
    tried = 0

    @given(variables=create_inputs(), content=CONTENTS, filename=FILENAMES,
           file_path=st.sampled_from(["variables.input.file"] * 8 + ["variables.input", "variables.nope.file",
                                                                      "input.file", "variables.input.mapping"]))
    @settings(FUZZ, max_examples=UPLOAD_CASES)
    def one_upload(variables: dict, content: bytes, filename: str, file_path: str) -> None:
        nonlocal tried
        tried += 1
        response = multipart(client, token, variables, content, filename, file_path=file_path)
        assert_graphql_answer(response, json.dumps(variables) + filename)
        result = response.json()
        if result.get("errors"):
            refused[result["errors"][0]["extensions"]["code"]] += 1
        else:
            created.append(result["data"]["createImport"]["id"])

    one_upload()
    settled = [settle(client, token, import_id) for import_id in created]
    crashed = [item for item in settled if "on our side" in (item["errorMessage"] or "")]
    with capsys.disabled():
        print(f"\nuploads: {tried} generated multipart requests, {len(created)} accepted and validated, "
              f"{sum(refused.values())} refused with a code {dict(refused)}, {len(crashed)} crashed")
    assert crashed == []
    assert tried >= UPLOAD_CASES
    assert created, "no generated upload was accepted: the generator is too far from real files"

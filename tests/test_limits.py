"""Every limit: configurable, with a default, and going over it is refused with its code,
its value and its setting, in the message and in the extensions; nothing is kept."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.settings import LIMIT_VARIABLES, Settings
from graph.app import create_app
from tests.helpers import CLIENT_HEADER, auth, client_csv, data_of, gql, settle, upload
from tests.services import clean_redis, require, unique_prefix

LIMITS = dict(max_rows=5, max_columns=8, max_cell_chars=100, max_query_bytes=2_000, max_query_tokens=300,
              max_query_depth=5, max_aliases=3, max_query_complexity=500, max_page_size=30)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", chunk_size=3, max_upload_bytes=1_000_000, requests_per_minute=0,
                    **LIMITS)


def refusal(result: dict, code: str, setting: str, limit: int) -> str:
    """The refusal's message, after checking its code, limit and setting."""
    error = result["errors"][0]
    assert {k: error["extensions"].get(k) for k in ("code", "limit", "setting")} == {
        "code": code, "limit": limit, "setting": setting}, error
    assert f"{limit:,}" in error["message"] and setting in error["message"], error["message"]
    return error["message"]


def stored_files(settings: Settings) -> list[Path]:
    folder = settings.uploads_dir
    return list(folder.iterdir()) if folder.exists() else []


def test_every_limit_is_read_from_its_environment_variable_and_has_a_default():
    environ = {variable: str(index + 7) for index, variable in enumerate(LIMIT_VARIABLES.values())}
    configured = Settings.from_env(environ)
    for index, name in enumerate(LIMIT_VARIABLES):
        assert getattr(configured, name) == index + 7, name
    defaults = Settings.from_env({})
    assert (defaults.max_rows, defaults.max_columns, defaults.max_cell_chars) == (1_000_000, 500, 32_767)
    assert (defaults.max_page_size, defaults.requests_per_minute, defaults.max_subscriptions) == (500, 600, 20)
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for variable in LIMIT_VARIABLES.values():
        assert f"`{variable}`" in readme, f"{variable} is not documented in the README"


def test_an_upload_over_the_size_limit_is_file_too_large_and_keeps_nothing(client, token, settings):
    just_over = upload(client, b"a,b\n" + b"x" * 1_000_000, token=token)
    refusal(just_over, "FILE_TOO_LARGE", "IMPORTER_MAX_UPLOAD_BYTES", 1_000_000)
    far_over = client.post("/graphql", headers=auth(token) | {"GraphQL-Preflight": "1"},
                           files={"0": ("big.csv", b"x" * 3_000_000, "text/csv")},
                           data={"operations": "{}", "map": "{}"})
    assert far_over.status_code == 413
    refusal(far_over.json(), "FILE_TOO_LARGE", "IMPORTER_MAX_UPLOAD_BYTES", 1_000_000)
    assert stored_files(settings) == []


def test_a_file_with_more_rows_than_the_limit_is_refused_at_upload(client, token, settings):
    message = refusal(upload(client, client_csv(6), token=token), "TOO_MANY_ROWS", "IMPORTER_MAX_ROWS", 5)
    assert "split" in message.lower()
    assert stored_files(settings) == []
    assert data_of(upload(client, client_csv(5), token=token))["createImport"]["status"] == "VALIDATING"


def test_line_breaks_inside_quoted_cells_do_not_count_as_rows(client, token):
    rows = "".join(f'A{i},B{i},a{i}@example.com,,,,"line one\nline two\nline three"\n' for i in range(5))
    created = data_of(upload(client, (CLIENT_HEADER + rows).encode(), token=token))["createImport"]
    assert settle(client, token, created["id"])["totalRows"] == 5


def test_a_header_wider_than_the_column_limit_is_refused(client, token, settings):
    header = ",".join(f"c{i}" for i in range(9))
    result = upload(client, f"{header}\n{','.join('x' * 9)}\n".encode(), token=token)
    refusal(result, "TOO_MANY_COLUMNS", "IMPORTER_MAX_COLUMNS", 8)
    assert stored_files(settings) == []


def test_a_long_cell_in_the_first_rows_is_refused_at_upload(client, token):
    content = CLIENT_HEADER + f"Ada,Lovelace,ada@example.com,,,,{'n' * 101}\n"
    refusal(upload(client, content.encode(), token=token), "CELL_TOO_LONG", "IMPORTER_MAX_CELL_CHARS", 100)


def test_a_long_cell_anywhere_in_a_small_file_is_refused_at_upload(client, token, settings):
    content = client_csv(4) + f"Ada,Lovelace,ada@example.com,,,,{'n' * 101}\n".encode()
    message = refusal(upload(client, content, token=token), "CELL_TOO_LONG", "IMPORTER_MAX_CELL_CHARS", 100)
    assert "row 6" in message
    assert stored_files(settings) == []


def test_a_long_cell_deep_in_a_big_file_leaves_the_import_errored_naming_the_limit(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", max_cell_chars=100, max_upload_bytes=20_000_000)
    filler = b"Zed,Filler,zed@example.com,,,,\n" * 300_000  # past the 8 MiB checked whole at upload
    content = client_csv(2) + f"Ada,Lovelace,ada@example.com,,,,{'n' * 101}\n".encode() + filler
    with TestClient(create_app(settings)) as client:
        token = issue_token(client.app.state.services.db).token
        created = data_of(upload(client, content, token=token))["createImport"]
        final = settle(client, token, created["id"])
    assert (final["status"], final["errorCode"]) == ("ERRORED", "CELL_TOO_LONG")
    assert "row 4" in final["errorMessage"] and "100" in final["errorMessage"]
    assert "IMPORTER_MAX_CELL_CHARS" in final["errorMessage"]


def xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_over_the_row_or_column_limit_is_refused(client, token):
    header = ["first_name", "last_name", "email"]
    rows = [header] + [[f"A{i}", f"B{i}", f"a{i}@example.com"] for i in range(6)]
    result = upload(client, xlsx(rows), token=token, filename="clients.xlsx")
    refusal(result, "TOO_MANY_ROWS", "IMPORTER_MAX_ROWS", 5)
    wide = upload(client, xlsx([[f"c{i}" for i in range(9)], ["x"] * 9]), token=token, filename="wide.xlsx")
    refusal(wide, "TOO_MANY_COLUMNS", "IMPORTER_MAX_COLUMNS", 8)


def test_a_query_longer_than_the_limit_is_refused(client, token):
    query = "{ importTypes { type } }" + " " * 2_000
    refusal(gql(client, query, token=token), "QUERY_TOO_LARGE", "IMPORTER_MAX_QUERY_BYTES", 2_000)
    response = client.post("/graphql", json={"query": "{ importTypes { type } }" + "#" * 1_100_000},
                           headers=auth(token))
    assert response.status_code == 413
    refusal(response.json(), "QUERY_TOO_LARGE", "IMPORTER_MAX_QUERY_BYTES", 2_000)


def test_a_query_with_more_tokens_than_the_limit_is_refused(client, token):
    query = "{ " + " ".join(["a"] * 400) + " }"
    refusal(gql(client, query, token=token), "QUERY_TOO_LARGE", "IMPORTER_MAX_QUERY_TOKENS", 300)


def test_a_query_deeper_than_the_limit_is_refused(client, token):
    deep = "{ imports { edges { node { errors { edges { node { message } } } } } } }"
    refusal(gql(client, deep, token=token), "QUERY_TOO_DEEP", "IMPORTER_MAX_QUERY_DEPTH", 5)
    assert data_of(gql(client, "{ imports { edges { node { id } } } }", token=token))


def test_more_aliases_than_the_limit_are_refused(client, token):
    query = "{ " + " ".join(f"a{i}: importTypes {{ type }}" for i in range(4)) + " }"
    refusal(gql(client, query, token=token), "TOO_MANY_ALIASES", "IMPORTER_MAX_ALIASES", 3)


def test_a_query_whose_cost_is_over_the_limit_is_refused_before_it_runs(client, token):
    query = "query($n: Int!) { imports(first: $n) { edges { node { errors(first: 30) { edges { cursor } } } } } }"
    message = refusal(gql(client, query, {"n": 30}, token=token), "QUERY_TOO_COMPLEX",
                      "IMPORTER_MAX_QUERY_COMPLEXITY", 500)
    assert "smaller pages" in message
    assert data_of(gql(client, query, {"n": 2}, token=token))


def test_a_page_larger_than_the_limit_is_refused(client, token):
    refusal(gql(client, "{ imports(first: 31) { edges { cursor } } }", token=token),
            "PAGE_TOO_LARGE", "IMPORTER_MAX_PAGE_SIZE", 30)
    created = data_of(upload(client, client_csv(1), token=token))["createImport"]
    query = "query($id: ID!) { import(id: $id) { errors(first: 31) { edges { cursor } } } }"
    refusal(gql(client, query, {"id": created["id"]}, token=token), "PAGE_TOO_LARGE", "IMPORTER_MAX_PAGE_SIZE", 30)


def test_the_page_size_limit_is_never_above_500_nor_below_the_default_page(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", max_page_size=10_000, requests_per_minute=0)
    with TestClient(create_app(settings)) as client:
        token = issue_token(client.app.state.services.db).token
        refusal(gql(client, "{ imports(first: 501) { edges { cursor } } }", token=token),
                "PAGE_TOO_LARGE", "IMPORTER_MAX_PAGE_SIZE", 500)
    small = Settings(data_dir=tmp_path / "small", max_page_size=5, requests_per_minute=0)
    with TestClient(create_app(small)) as client:
        token = issue_token(client.app.state.services.db).token
        assert data_of(gql(client, "{ imports { edges { cursor } } }", token=token))


def rate_limited_app(tmp_path: Path, **changes: object) -> TestClient:
    return TestClient(create_app(Settings(data_dir=tmp_path / "data", requests_per_minute=3, **changes)))


def test_requests_over_the_rate_limit_get_429_with_retry_after_and_other_tokens_go_on(tmp_path):
    with rate_limited_app(tmp_path) as client:
        db = client.app.state.services.db
        busy, other = issue_token(db).token, issue_token(db, organisation="Other").token
        query = {"query": "{ importTypes { type } }"}
        answers = [client.post("/graphql", json=query, headers=auth(busy)) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refusal(answers[-1].json(), "RATE_LIMITED", "IMPORTER_REQUESTS_PER_MINUTE", 3)
        assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
        assert client.get("/imports/x/error-report.csv", headers=auth(busy)).status_code == 429
        assert client.post("/graphql", json=query, headers=auth(other)).status_code == 200
        assert client.get("/health").status_code == 200


def test_with_a_redis_broker_the_request_count_is_shared_by_every_server(tmp_path):
    require("Redis")
    prefix = unique_prefix()
    changes = dict(broker_url="redis://127.0.0.1:6379/0", queue_prefix=prefix)
    try:
        with rate_limited_app(tmp_path / "one", **changes) as first, rate_limited_app(tmp_path / "two", **changes) as second:
            headers = auth("imp_the-same-token-on-both-servers")
            codes = [server.post("/graphql", json={"query": "{ __typename }"}, headers=headers).status_code
                     for server in (first, second, first, second)]
            assert codes == [200, 200, 200, 429]
    finally:
        clean_redis(prefix)


def open_subscription(client: TestClient, token: str, import_id: str):
    context = client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"])
    ws = context.__enter__()
    ws.send_json({"type": "connection_init", "payload": auth(token)})
    assert ws.receive_json()["type"] == "connection_ack"
    ws.send_json({"id": "1", "type": "subscribe",
                  "payload": {"query": "subscription($id: ID!) { importProgress(id: $id) { status } }",
                              "variables": {"id": import_id}}})
    return context, ws


def test_subscriptions_over_the_limit_per_user_are_refused_and_a_closed_one_frees_its_slot(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", max_subscriptions=2, requests_per_minute=0)
    with TestClient(create_app(settings, run_worker=False)) as client:  # no worker: the import stays VALIDATING
        token = issue_token(client.app.state.services.db).token
        import_id = data_of(upload(client, client_csv(2), token=token))["createImport"]["id"]
        opened = [open_subscription(client, token, import_id) for _ in range(2)]
        for _, ws in opened:
            assert ws.receive_json()["payload"]["data"]["importProgress"]["status"] == "VALIDATING"
        context, ws = open_subscription(client, token, import_id)
        message = ws.receive_json()
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"] == {"code": "TOO_MANY_SUBSCRIPTIONS", "limit": 2,
                                           "setting": "IMPORTER_MAX_SUBSCRIPTIONS"}
        context.__exit__(None, None, None)
        opened[0][0].__exit__(None, None, None)
        slots = client.app.state.services.subscriptions
        for _ in range(200):  # the server notices the closed socket; bounded wait on the count
            if sum(slots.open.values()) < 2:
                break
            client.get("/health")
        context, ws = open_subscription(client, token, import_id)
        assert ws.receive_json()["payload"]["data"]["importProgress"]["status"] == "VALIDATING"
        context.__exit__(None, None, None)
        opened[1][0].__exit__(None, None, None)


def test_an_open_subscription_ends_unauthenticated_once_its_token_is_revoked(tmp_path):
    from domain.accounts.auth import revoke_token

    settings = Settings(data_dir=tmp_path / "data")
    with TestClient(create_app(settings, run_worker=False)) as client:  # the import stays VALIDATING
        db = client.app.state.services.db
        token = issue_token(db).token
        import_id = data_of(upload(client, client_csv(2), token=token))["createImport"]["id"]
        context, ws = open_subscription(client, token, import_id)
        assert ws.receive_json()["payload"]["data"]["importProgress"]["status"] == "VALIDATING"
        assert revoke_token(db, token[:12]) == 1
        message = ws.receive_json()  # the next check (at most a second later) refuses it
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
        context.__exit__(None, None, None)


def test_a_flood_of_made_up_tokens_shares_one_count_past_the_key_limit():
    import asyncio

    from graph.rate import LocalCounter

    counter = LocalCounter(max_keys=3)

    def hits(keys: list[str], window: int = 1) -> list[int]:
        return [asyncio.run(counter.hit(key, window)) for key in keys]

    assert hits([f"token:{i}" for i in range(3)]) == [1, 1, 1]
    assert hits([f"token:{i}" for i in range(3, 6)]) == [1, 2, 3]
    assert hits(["token:0"]) == [2]
    assert hits(["token:9"], window=2) == [1]  # a new minute starts afresh

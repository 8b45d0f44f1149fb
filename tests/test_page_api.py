"""What the import page asks of the API besides the flow: a sample of each column's values,
and the row errors of one field, paged."""

from __future__ import annotations

from tests.helpers import CLIENT_HEADER, data_of, error_code, gql, settle, upload

ROWS = (
    CLIENT_HEADER
    + "Ada,Lovelace,ada@example.com,,1990-13-01,yes,\n"
    + "Bob,,bob@example,,,maybe,\n"
    + "Cy,Young,cy@example,,31/02/1990,,\n"
    + "Di,Prince,di@example,,,,\n"
    + "Ed,Stone,ed@example.com,,,,  spaced note  \n"
)

ERRORS = """query($id: ID!, $field: String, $after: String) { import(id: $id) {
  errors(first: 2, after: $after, field: $field) {
    edges { node { rowNumber field value } } pageInfo { hasNextPage endCursor } } } }"""

SAMPLES = "query($id: ID!, $count: Int!) { import(id: $id) { columnSamples(count: $count) { column values } } }"


def uploaded(client, token, content: str = ROWS) -> str:
    import_id = data_of(upload(client, content.encode(), token=token))["createImport"]["id"]
    settle(client, token, import_id)
    return import_id


def test_column_samples_give_the_first_non_blank_values_of_each_column(client, token):
    import_id = uploaded(client, token)

    samples = data_of(gql(client, SAMPLES, {"id": import_id, "count": 2}, token=token))["import"]["columnSamples"]

    by_column = {item["column"]: item["values"] for item in samples}
    assert [item["column"] for item in samples] == CLIENT_HEADER.strip().split(",")
    assert by_column["first_name"] == ["Ada", "Bob"]
    assert by_column["date_of_birth"] == ["1990-13-01", "31/02/1990"]
    assert by_column["phone"] == []
    assert by_column["notes"] == ["spaced note"]


def test_column_samples_are_there_when_a_required_field_has_no_column(client, token):
    content = "Given,Family\nAda,Lovelace\n"
    import_id = uploaded(client, token, content)

    samples = data_of(gql(client, SAMPLES, {"id": import_id, "count": 3}, token=token))["import"]["columnSamples"]

    assert samples == [{"column": "Given", "values": ["Ada"]}, {"column": "Family", "values": ["Lovelace"]}]


def test_too_many_samples_are_refused_with_the_limit(client, token):
    import_id = uploaded(client, token)

    result = gql(client, SAMPLES, {"id": import_id, "count": 50}, token=token)

    assert error_code(result) == "BAD_INPUT"
    assert "between 1 and 10" in result["errors"][0]["message"]


def test_errors_of_one_field_page_through_only_that_field(client, token):
    import_id = uploaded(client, token)

    pages, after = [], None
    for _ in range(5):
        found = data_of(gql(client, ERRORS, {"id": import_id, "field": "email", "after": after}, token=token))
        errors = found["import"]["errors"]
        pages.append([(e["node"]["rowNumber"], e["node"]["field"], e["node"]["value"]) for e in errors["edges"]])
        if not errors["pageInfo"]["hasNextPage"]:
            break
        after = errors["pageInfo"]["endCursor"]

    assert pages == [
        [(3, "email", "bob@example"), (4, "email", "cy@example")],
        [(5, "email", "di@example")],
    ]


def test_errors_of_a_field_with_no_problems_are_an_empty_page(client, token):
    import_id = uploaded(client, token)

    errors = data_of(gql(client, ERRORS, {"id": import_id, "field": "phone"}, token=token))["import"]["errors"]

    assert errors == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


def test_errors_of_an_unknown_field_are_refused_naming_the_fields(client, token):
    import_id = uploaded(client, token)

    result = gql(client, ERRORS, {"id": import_id, "field": "surname"}, token=token)

    assert error_code(result) == "BAD_INPUT"
    assert "first_name, last_name, full_name, email" in result["errors"][0]["message"]


def test_the_import_page_is_served_at_the_root_and_loads_nothing_from_elsewhere(client):
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert '<script type="module" src="/web/app.js">' in response.text
    assert "https://" not in response.text
    assert client.get("/web/app.js").status_code == 200
    assert "/web-vendor/graphql-ws/client.js" in client.get("/web/api.js").text


def test_the_graphql_ws_client_is_served_from_the_npm_install(client):
    response = client.get("/web-vendor/graphql-ws/client.js")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/javascript")
    assert "createClient" in response.text


def test_only_files_of_the_graphql_ws_build_are_served(client):
    assert client.get("/web-vendor/graphql-ws/..%2F..%2Fpackage.json").status_code == 404
    assert client.get("/web-vendor/graphql-ws/package.json").status_code == 404
    assert client.get("/web-vendor/graphql-ws/nothing.js").status_code == 404
    assert client.get("/web/..%2F__init__.py").status_code == 404


def test_without_the_graphql_ws_client_the_page_says_how_to_install_it(client, monkeypatch, tmp_path):
    import graph.web

    monkeypatch.setattr(graph.web, "GRAPHQL_WS", tmp_path / "absent")

    response = client.get("/")

    assert response.status_code == 503
    assert "The import page is not installed on this server" in response.text
    assert "./install.sh" in response.text and "python -m build" in response.text
    assert "Loading the page" not in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "./install.sh" in client.get("/web-vendor/graphql-ws/client.js").text


def test_without_graphiql_files_graphql_shows_a_page_saying_how_to_install_them(client, monkeypatch, tmp_path):
    import graph.graphiql

    monkeypatch.setitem(graph.graphiql.ASSETS, "graphiql-3.8.3.min.js", tmp_path / "absent.js")

    response = client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 503
    assert "GraphiQL is not installed on this server" in response.text
    assert "./install.sh" in response.text
    assert "Loading..." not in response.text
    assert client.get("/graphql?query={__typename}").json() == {"data": {"__typename": "Query"}}


def test_the_build_packs_every_browser_file_the_app_serves():
    import runpy
    from pathlib import Path

    from graph.graphiql import ASSETS, NODE_MODULES, VENDOR

    build = runpy.run_path(str(Path(__file__).parent.parent / "setup.py"), run_name="setup_lists")
    served = {str(path.relative_to(NODE_MODULES if path.is_relative_to(NODE_MODULES) else VENDOR))
              for path in ASSETS.values()}
    assert set(build["BROWSER_FILES"]["graph/graphiql"]) == served
    assert build["BROWSER_FILES"]["graph/web"] == ["graphql-ws/dist/*.js"]

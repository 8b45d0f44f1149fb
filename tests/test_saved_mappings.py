"""Saved mappings and template CSVs."""

from __future__ import annotations

import csv
import io
import json

from domain.accounts.auth import issue_token
from tests.helpers import IMPORT_FIELDS, data_of, error_code, gql, settle, upload

EXPORT = b"Forename,Family,Mail,Tel\nAda,Lovelace,ada@example.com,+44 1234 5678\n"
MAPPING = [{"column": "Forename", "field": "first_name"}, {"column": "Family", "field": "last_name"},
           {"column": "Mail", "field": "email"}, {"column": "Tel", "field": None}]
LIST = "query { importMappings(type: CLIENT) { id name type mapping { column field } } }"


def save(client, token, import_id: str, name: str) -> dict:
    return gql(client, f"""mutation($id: ID!, $name: String!) {{ saveImportMapping(id: $id, name: $name) {{
        {IMPORT_FIELDS} }} }}""", {"id": import_id, "name": name}, token=token)


def test_a_saved_mapping_is_listed_and_applied_to_a_new_file(client, token):
    first = data_of(upload(client, EXPORT, token=token, mapping=MAPPING))["createImport"]
    settle(client, token, first["id"])
    data_of(save(client, token, first["id"], "Old CRM export"))

    saved = data_of(gql(client, LIST, token=token))["importMappings"]
    assert [m["name"] for m in saved] == ["Old CRM export"]
    assert len(saved[0]["id"]) == 24
    assert {m["column"]: m["field"] for m in saved[0]["mapping"]}["Mail"] == "email"

    query = "mutation($input: CreateImportInput!) { createImport(input: $input) { id mapping { column field } } }"
    operations = json.dumps({"query": query, "variables": {"input": {"type": "CLIENT", "file": None,
                                                                     "mappingId": saved[0]["id"]}}})
    response = client.post("/graphql", data={"operations": operations, "map": json.dumps({"0": ["variables.input.file"]})},
                           files={"0": ("next.csv", EXPORT, "text/csv")},
                           headers={"Authorization": f"Bearer {token}", "GraphQL-Preflight": "1"}).json()
    applied = {m["column"]: m["field"] for m in data_of(response)["createImport"]["mapping"]}
    assert applied == {"Forename": "first_name", "Family": "last_name", "Mail": "email", "Tel": None}
    assert settle(client, token, data_of(response)["createImport"]["id"])["status"] == "VALIDATED"


def test_saved_mappings_belong_to_one_organisation_and_need_an_admin(client, token, other_token, db):
    created = data_of(upload(client, EXPORT, token=token, mapping=MAPPING))["createImport"]
    settle(client, token, created["id"])
    member = issue_token(db, organisation="Spa One", email="member@spa-one.test", role="member").token
    assert error_code(save(client, member, created["id"], "Mine")) == "FORBIDDEN"
    assert error_code(save(client, other_token, created["id"], "Theirs")) == "NOT_FOUND"
    data_of(save(client, token, created["id"], "Ours"))
    assert data_of(gql(client, LIST, token=other_token))["importMappings"] == []


def test_each_type_has_a_template_csv_with_its_columns_and_an_example(client, token):
    types = data_of(gql(client, "{ importTypes { type templateUrl fields { name example } } }", token=token))
    for item in types["importTypes"]:
        response = client.get(item["templateUrl"])
        assert response.status_code == 200
        header, example = list(csv.reader(io.StringIO(response.text)))
        assert header == [f["name"] for f in item["fields"]]
        assert example == [f["example"] for f in item["fields"]]
    assert client.get("/import-types/nothing/template.csv").status_code == 404


def test_a_filled_in_template_validates_without_errors(client, token):
    template = client.get("/import-types/client/template.csv").content
    created = data_of(upload(client, template, token=token))["createImport"]
    final = settle(client, token, created["id"])
    assert (final["status"], final["totalRows"], final["failedValidationRows"]) == ("VALIDATED", 1, 0)


def test_a_mapping_written_by_hand_is_checked_against_the_type(client, token):
    query = """mutation($m: [MappingInput!]!) { createImportMapping(type: CLIENT, name: "CRM", mapping: $m) { id } }"""
    bad = gql(client, query, {"m": [{"column": "A", "field": "shoe_size"}, {"column": "B", "field": "email"},
                                    {"column": "C", "field": "email"}]}, token=token)
    assert error_code(bad) == "BAD_INPUT"
    assert "no field 'shoe_size'" in bad["errors"][0]["message"]
    assert "'email' is mapped from more than one column" in bad["errors"][0]["message"]
    good = data_of(gql(client, query, {"m": [{"column": "Mail", "field": "email"}]}, token=token))
    assert len(good["createImportMapping"]["id"]) == 24

"""The whole flow through the app: upload, validate, errors, start, watch, roll back."""

from __future__ import annotations

import csv
import io

from sqlmodel import func, select

from domain.models import Client
from tests.helpers import (
    CLIENT_HEADER, IMPORT_FIELDS, auth, client_csv, data_of, error_code, gql, rollback, settle, start, upload, watch,
)

BAD_ROWS = (
    CLIENT_HEADER
    + "Ada,Lovelace,ada@example.com,,05/11/1990,Yes,\"likes tea, \"\"strong\"\"\r\nand biscuits\"\n"
    + "Bob,,bob@example.com,,,no,\n"
    + "Cy,Young,not-an-email,,,n,\n"
    + "Di,Prince,di@example.com,,31/02/1990,maybe,\n"
    + "Ed,Stone,ADA@example.com,,,,\n"
    + "=HYPERLINK(\"http://x\"),Formula,fx@example.com,,1990-13-01,,\n"
    + "Fay,Wray,fay@example.com,,1988-02-29,TRUE,\n"
)


def count_clients(db) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(Client)).one()


def test_an_uploaded_file_is_validated_and_its_row_errors_are_listed(client, token):
    created = data_of(upload(client, BAD_ROWS.encode(), token=token))["createImport"]
    assert created["status"] == "VALIDATING"
    assert created["headers"] == CLIENT_HEADER.strip().split(",")
    assert {e["column"]: e["field"] for e in created["mapping"]}["email"] == "email"

    final = settle(client, token, created["id"])

    assert final["status"] == "VALIDATED"
    assert final["totalRows"] == 7
    assert final["failedValidationRows"] == 5
    assert final["progress"] == 100
    assert final["validatedAt"] is not None
    errors = data_of(gql(client, """query($id: ID!) { import(id: $id) { errors(first: 50) {
        edges { node { rowNumber column field message value } } pageInfo { hasNextPage } } } }""",
        {"id": created["id"]}, token=token))["import"]["errors"]
    found = {(e["node"]["rowNumber"], e["node"]["field"]): e["node"] for e in errors["edges"]}
    assert found[(3, "last_name")]["message"] == "Last name is required"
    assert found[(4, "email")]["value"] == "not-an-email"
    assert "not a real date" in found[(5, "date_of_birth")]["message"]
    assert "not yes or no" in found[(5, "marketing_opt_in")]["message"]
    assert found[(6, "email")]["message"] == "The same email is already on row 2 of this file"
    assert found[(7, "date_of_birth")]["column"] == "date_of_birth"
    assert errors["pageInfo"]["hasNextPage"] is False


def test_errors_page_through_every_problem(client, token):
    created = data_of(upload(client, BAD_ROWS.encode(), token=token))["createImport"]
    settle(client, token, created["id"])
    seen, after = [], None
    query = """query($id: ID!, $after: String) { import(id: $id) { errors(first: 2, after: $after) {
        edges { cursor node { rowNumber field } } pageInfo { hasNextPage endCursor } } } }"""
    for _ in range(20):
        page = data_of(gql(client, query, {"id": created["id"], "after": after}, token=token))["import"]["errors"]
        seen += [(e["node"]["rowNumber"], e["node"]["field"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 6
    assert [row for row, _ in seen] == sorted(row for row, _ in seen)


def test_the_error_report_has_the_original_columns_and_the_reasons_and_no_live_formulas(client, token):
    created = data_of(upload(client, BAD_ROWS.encode(), token=token))["createImport"]
    final = settle(client, token, created["id"])
    response = client.get(final["errorReportUrl"], headers=auth(token))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [*CLIENT_HEADER.strip().split(","), "row_number", "errors"]
    assert len(rows) == 1 + 5
    formula_row = next(r for r in rows if r[1] == "Formula")
    assert formula_row[0] == "'=HYPERLINK(\"http://x\")"
    assert "date_of_birth: '1990-13-01' is not a real date" in formula_row[-1] or "1990-13-01" in formula_row[-1]


def test_a_file_is_imported_watched_live_and_rolled_back(client, token, db):
    created = data_of(upload(client, client_csv(10), token=token))["createImport"]
    assert settle(client, token, created["id"])["status"] == "VALIDATED"

    started = data_of(start(client, token, created["id"]))["startImport"]
    assert started["status"] in ("IMPORTING", "IMPORTED")
    states = watch(client, token, created["id"])

    assert states[-1]["status"] == "IMPORTED"
    assert states[-1]["importedRows"] == 10
    assert states[-1]["progress"] == 100
    assert states[-1]["importedAt"] is not None
    progress = [s["progress"] for s in states]
    assert progress == sorted(progress)
    assert count_clients(db) == 10

    data_of(rollback(client, token, created["id"]))
    final = settle(client, token, created["id"])
    assert final["status"] == "ROLLED_BACK"
    assert final["rolledBackAt"] is not None
    assert final["rolledBackRows"] == 10
    assert count_clients(db) == 0

    again = data_of(upload(client, client_csv(10), token=token))["createImport"]
    settle(client, token, again["id"])
    data_of(start(client, token, again["id"]))
    assert settle(client, token, again["id"])["importedRows"] == 10
    assert count_clients(db) == 10


def test_the_subscription_sees_progress_until_imported(client, token):
    created = data_of(upload(client, client_csv(40), token=token))["createImport"]
    settle(client, token, created["id"])
    data_of(start(client, token, created["id"]))
    states = watch(client, token, created["id"])
    assert states[-1]["status"] == "IMPORTED"
    assert states[-1]["importedRows"] == 40
    assert all(s["status"] in ("IMPORTING", "IMPORTED") for s in states)


ERRORS = """query($id: ID!) { import(id: $id) { summary errorCounts { code field count }
  errors(first: 50) { edges { node { rowNumber message code existingRecordId } } } } }"""


def test_the_review_shows_rows_whose_email_an_earlier_import_already_wrote(client, token, db):
    first = data_of(upload(client, client_csv(3), token=token))["createImport"]
    settle(client, token, first["id"])
    data_of(start(client, token, first["id"]))
    settle(client, token, first["id"])

    content = client_csv(5).decode() + "Bad,Row,nope,,,,\n"
    second = data_of(upload(client, content.encode(), token=token))["createImport"]
    validated = settle(client, token, second["id"])
    # Known before starting: 3 emails exist already, 1 row is bad; 2 will be imported.
    assert (validated["totalRows"], validated["failedValidationRows"]) == (6, 4)
    review = data_of(gql(client, ERRORS, {"id": second["id"]}, token=token))["import"]
    assert review["errorCounts"] == [{"code": "ALREADY_EXISTS", "field": "email", "count": 3},
                                     {"code": "INVALID_EMAIL", "field": "email", "count": 1}]
    exists = review["errors"]["edges"][0]["node"]
    assert (exists["rowNumber"], exists["code"]) == (2, "ALREADY_EXISTS")
    assert exists["message"] == (f"A client with email person0@example.com already exists (record "
                                 f"{exists['existingRecordId']}); import it in UPDATE or UPSERT mode to change it")
    assert exists["existingRecordId"] == client_id(db, "person0@example.com")
    assert review["summary"] == "2 of 6 rows are valid and will be imported; 4 have problems and will be skipped."

    data_of(start(client, token, second["id"]))
    final = settle(client, token, second["id"])
    assert (final["status"], final["importedRows"], final["failedImportRows"]) == ("IMPORTED", 2, 0)
    assert count_clients(db) == 5


def test_validate_mode_reports_a_file_already_imported_and_errors_filter_by_code(client, token):
    first = data_of(upload(client, client_csv(3), token=token))["createImport"]
    settle(client, token, first["id"])
    data_of(start(client, token, first["id"]))
    settle(client, token, first["id"])

    content = client_csv(3).decode() + "Bad,Row,nope,,,,\n"
    again = data_of(upload(client, content.encode(), token=token, mode="VALIDATE"))["createImport"]
    assert settle(client, token, again["id"])["failedValidationRows"] == 4
    only = data_of(gql(client, """query($id: ID!) { import(id: $id) {
        errors(code: INVALID_EMAIL) { edges { node { rowNumber code value } } } } }""",
                       {"id": again["id"]}, token=token))["import"]["errors"]["edges"]
    assert [edge["node"] for edge in only] == [{"rowNumber": 5, "code": "INVALID_EMAIL", "value": "nope"}]


def test_a_row_whose_email_is_taken_between_validation_and_start_fails_at_import(client, token, db):
    first = data_of(upload(client, client_csv(3), token=token))["createImport"]
    second = data_of(upload(client, client_csv(3), token=token))["createImport"]
    settle(client, token, first["id"])
    assert settle(client, token, second["id"])["failedValidationRows"] == 0  # nothing existed yet
    data_of(start(client, token, first["id"]))
    settle(client, token, first["id"])

    data_of(start(client, token, second["id"]))
    final = settle(client, token, second["id"])
    assert (final["status"], final["importedRows"], final["failedImportRows"]) == ("IMPORTED", 0, 3)
    review = data_of(gql(client, ERRORS, {"id": second["id"]}, token=token))["import"]
    assert review["errorCounts"] == [{"code": "ALREADY_EXISTS", "field": "email", "count": 3}]
    assert review["summary"] == "Nothing was imported: all 3 valid rows failed at import (see the errors)."
    assert count_clients(db) == 3


def test_a_validate_mode_import_is_never_started(client, token, db):
    created = data_of(upload(client, client_csv(3), token=token, mode="VALIDATE"))["createImport"]
    assert settle(client, token, created["id"])["status"] == "VALIDATED"
    result = start(client, token, created["id"])
    assert error_code(result) == "BAD_INPUT"
    assert "VALIDATE" in result["errors"][0]["message"]
    assert count_clients(db) == 0


def test_fixing_the_mapping_revalidates(client, token):
    content = b"fname,surname,mail address\nAda,Lovelace,ada@example.com\n"
    mapping = [{"column": "fname", "field": "first_name"}, {"column": "surname", "field": "last_name"},
               {"column": "mail address", "field": None}]
    created = data_of(upload(client, content, token=token, mapping=mapping))["createImport"]
    errored = settle(client, token, created["id"])
    assert errored["status"] == "ERRORED"
    assert errored["missingRequiredFields"] == ["email"]
    assert "email" in errored["errorMessage"]
    refused = start(client, token, created["id"])
    assert error_code(refused) == "BAD_INPUT"
    assert "Map a column to email" in refused["errors"][0]["message"]

    fixed = [*mapping[:2], {"column": "mail address", "field": "email"}]
    updated = data_of(gql(client, f"""mutation($id: ID!, $m: [MappingInput!]!) {{
        updateImportMapping(id: $id, mapping: $m) {{ {IMPORT_FIELDS} }} }}""",
        {"id": created["id"], "m": fixed}, token=token))["updateImportMapping"]
    assert updated["status"] == "VALIDATING"
    final = settle(client, token, created["id"])
    assert final["status"] == "VALIDATED"
    assert (final["totalRows"], final["failedValidationRows"], final["missingRequiredFields"]) == (1, 0, [])


def test_imports_are_listed_newest_first_with_filters(client, token, other_token):
    ids = [data_of(upload(client, client_csv(1, start=i), token=token, mode=m))["createImport"]["id"]
           for i, m in enumerate(["STORE", "VALIDATE", "STORE"])]
    data_of(upload(client, client_csv(1), token=other_token))
    for import_id in ids:
        settle(client, token, import_id)
    query = """query($first: Int!, $after: String, $filter: ImportFilterInput) {
        imports(first: $first, after: $after, filter: $filter) {
        edges { node { id mode } } pageInfo { hasNextPage endCursor } } }"""
    page = data_of(gql(client, query, {"first": 2}, token=token))["imports"]
    assert [e["node"]["id"] for e in page["edges"]] == ids[::-1][:2]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = data_of(gql(client, query, {"first": 2, "after": page["pageInfo"]["endCursor"]}, token=token))["imports"]
    assert [e["node"]["id"] for e in rest["edges"]] == [ids[0]]
    assert rest["pageInfo"]["hasNextPage"] is False
    validate_only = data_of(gql(client, query, {"first": 10, "filter": {"mode": "VALIDATE"}}, token=token))["imports"]
    assert [e["node"]["id"] for e in validate_only["edges"]] == [ids[1]]
    validated = data_of(gql(client, query, {"first": 10, "filter": {"status": "VALIDATED", "type": "CLIENT"}}, token=token))
    assert len(validated["imports"]["edges"]) == 3
    none_yet = data_of(gql(client, query, {"first": 10, "filter": {"createdAfter": "2999-01-01T00:00:00Z"}}, token=token))
    assert none_yet["imports"]["edges"] == []


def client_id(db, email: str) -> int:
    with db.read() as session:
        return session.exec(select(Client.id).where(Client.email == email)).one()


def test_a_decimal_separator_other_than_point_or_comma_is_refused(client, token):
    created = data_of(upload(client, client_csv(2), token=token))["createImport"]
    settle(client, token, created["id"])
    answer = gql(client, 'mutation($id: ID!) { updateImportMapping(id: $id, decimalSeparator: ";") { id } }',
                 {"id": created["id"]}, token=token)
    assert error_code(answer) == "BAD_INPUT"
    assert answer["errors"][0]["message"] == "decimalSeparator must be '.' or ',', not ';'."


def test_the_summary_of_one_bad_row_says_it_in_the_singular(client, token):
    created = data_of(upload(client, (CLIENT_HEADER + "Bad,Row,nope,,,,\n").encode(), token=token))["createImport"]
    settle(client, token, created["id"])
    review = data_of(gql(client, ERRORS, {"id": created["id"]}, token=token))["import"]
    assert review["summary"] == "0 of 1 row is valid and will be imported; 1 has problems and will be skipped."

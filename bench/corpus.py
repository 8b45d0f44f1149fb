"""Real exports, read as they were meant: every file in tests/samples/exports/ with its
expectations (`<file>.json` beside it) goes through the GraphQL API as a person would send it,
and what was stored is compared with what the file meant.

    .venv/bin/python -m bench.corpus            # this checkout
    PYTHONPATH=../old .venv/bin/python -m bench.corpus --samples tests/samples/exports   # another one

Prints, per file, what went wrong, then the totals: files passing, rows wrongly refused,
values stored wrongly (a swapped day and month, `Zo‘` for `Zoë`, a "no" stored as yes).
Only the public API and the records table are used, so an older checkout can be measured
with the same files. tests/test_export_corpus.py asserts every file passes.

An expectations file holds:
  about      what the file is and where its layout comes from
  type       the import type (CLIENT...), and optionally `mode` (STORE) and `input` (more
             createImport input, e.g. {"dateOrder": "MONTH_FIRST"})
  mapping    {column: field} as a person would choose it (columns left out: ignored)
  automatic  true when the service must propose exactly that mapping by itself
  existing   a file of this folder imported first (its records exist before this one)
  records    {row number: {field: value}}: the records the valid rows must become
  refused    {row number: code}: the rows that must be refused, with their problem code
  notices    [{code, column, value}]: notices the import must show (what was decided for the person)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).parent.parent / "tests" / "samples" / "exports"
TABLES = {"CLIENT": "clients", "PREMIER_CORE": "clients", "RETAIL_PRODUCT": "retail_products",
          "VOUCHER": "vouchers", "APPOINTMENT_TYPE": "appointment_types"}
CREATE = """mutation($input: CreateImportInput!) { createImport(input: $input) {
  id status errorMessage mapping { column field } } }"""
STATE = "query($id: ID!) { import(id: $id) { status errorMessage } }"
ERRORS_WITH_CODES = "query($id: ID!) { import(id: $id) { errors(first: 500) { edges { node { rowNumber code message } } } } }"
ERRORS = "query($id: ID!) { import(id: $id) { errors(first: 500) { edges { node { rowNumber message } } } } }"
REMAP = "mutation($id: ID!, $mapping: [MappingInput!]!) { updateImportMapping(id: $id, mapping: $mapping) { id } }"
NOTICES = "query($id: ID!) { import(id: $id) { notices { code column value message } } }"
START = "mutation($id: ID!) { startImport(id: $id) { id } }"


@dataclass
class Outcome:
    """What went wrong with one file."""

    name: str
    problems: list[str] = field(default_factory=list)
    expected_rows: int = 0
    wrongly_refused: int = 0
    wrongly_accepted: int = 0
    values_checked: int = 0
    values_wrong: int = 0

    @property
    def passed(self) -> bool:
        return not self.problems


Wait = Callable[[Any, str, str], None]


def run_file(client: Any, token: str, path: Path, wait: Wait, *, notices: bool = True) -> Outcome:
    """Import one corpus file as its expectations say; compare what was stored (and the
    notices shown, unless `notices` is False)."""
    spec = json.loads(path.with_name(path.name + ".json").read_text())
    if not notices:
        spec.pop("notices", None)
    outcome = Outcome(path.name, expected_rows=len(spec.get("records", {})))
    if spec.get("existing"):
        first, _ = _validate(client, token, path.with_name(spec["existing"]), {"type": spec["type"]}, wait)
        _gql(client, token, START, {"id": first})
        wait(client, token, first)
    import_id, problems = _validate(client, token, path, spec, wait)
    outcome.problems += problems
    if import_id is None:
        outcome.wrongly_refused = outcome.expected_rows
        return outcome
    refused_at_validation = _compare_refusals(client, token, import_id, spec, outcome)
    _compare_notices(client, token, import_id, spec, outcome)
    if spec.get("mode", "STORE") != "VALIDATE":
        _gql(client, token, START, {"id": import_id})
        wait(client, token, import_id)
        _count_import_failures(client, token, import_id, refused_at_validation, outcome)
        _compare_records(client, import_id, spec, outcome)
    return outcome


def _validate(client: Any, token: str, path: Path, spec: dict, wait: Wait) -> tuple[str | None, list[str]]:
    """Upload, map as a person would, validate; (import id, problems)."""
    problems: list[str] = []
    inputs = {"type": spec["type"], "mode": spec.get("mode", "STORE"), "file": None, **spec.get("input", {})}
    chosen = _mapping_input(path, spec)
    if chosen is not None and not spec.get("automatic"):
        inputs["mapping"] = chosen
    created = _upload(client, token, path, inputs)
    if created.get("errors"):
        return None, [f"upload refused: {created['errors'][0]['message']}"]
    record = created["data"]["createImport"]
    if chosen is not None and spec.get("automatic"):
        proposed = {entry["column"]: entry["field"] for entry in record["mapping"]}
        wanted = {entry["column"]: entry["field"] for entry in chosen}
        wrong = {column: (proposed.get(column), wanted[column]) for column in wanted if proposed.get(column) != wanted[column]}
        if wrong:
            problems.append("mapped automatically otherwise: " + ", ".join(
                f"{column!r} -> {got} (a person: {want})" for column, (got, want) in wrong.items()))
            wait(client, token, record["id"])
            _gql(client, token, REMAP, {"id": record["id"], "mapping": chosen})
    wait(client, token, record["id"])
    state = _gql(client, token, STATE, {"id": record["id"]})["data"]["import"]
    if state["status"] != "VALIDATED":
        return None, [*problems, f"{state['status']}: {state['errorMessage']}"]
    return record["id"], problems


def _mapping_input(path: Path, spec: dict) -> list[dict] | None:
    mapping = spec.get("mapping")
    if mapping is None:
        return None
    return [{"column": column, "field": mapping.get(column)} for column in _header_of(path, spec)]


def _header_of(path: Path, spec: dict) -> list[str]:
    """The columns a person sees (from the expectations, which list every column of the file)."""
    return list(spec["columns"]) if "columns" in spec else list(spec["mapping"])


def _problems(client: Any, token: str, import_id: str) -> tuple[dict[int, set[str]], dict[int, str], bool]:
    """{row: its problem codes}, {row: its first message}, and whether codes are known."""
    answer = _gql(client, token, ERRORS_WITH_CODES, {"id": import_id})
    with_codes = not answer.get("errors")
    if not with_codes:
        answer = _gql(client, token, ERRORS, {"id": import_id})
    found: dict[int, set[str]] = {}
    messages: dict[int, str] = {}
    for edge in answer["data"]["import"]["errors"]["edges"]:
        node = edge["node"]
        found.setdefault(node["rowNumber"], set()).add(node.get("code", "?"))
        messages.setdefault(node["rowNumber"], node["message"])
    return found, messages, with_codes


def _compare_refusals(client: Any, token: str, import_id: str, spec: dict, outcome: Outcome) -> set[int]:
    """The review after validation against the rows that must be refused; the rows it refused."""
    found, messages, with_codes = _problems(client, token, import_id)
    refused = {int(row): code for row, code in spec.get("refused", {}).items()}
    for row, code in refused.items():
        if row not in found:
            outcome.wrongly_accepted += 1
            outcome.problems.append(f"row {row} accepted; it should be refused with {code}")
        elif with_codes and code not in found[row]:
            outcome.problems.append(f"row {row} refused with {sorted(found[row])}, not {code}: {messages[row]}")
    for row in sorted(set(found) - set(refused)):
        outcome.wrongly_refused += 1
        outcome.problems.append(f"row {row} refused: {messages[row]}")
    return set(found)


def _compare_notices(client: Any, token: str, import_id: str, spec: dict, outcome: Outcome) -> None:
    if not spec.get("notices"):
        return
    answer = _gql(client, token, NOTICES, {"id": import_id})
    shown = [] if answer.get("errors") else answer["data"]["import"]["notices"]
    for wanted in spec["notices"]:
        if not any(all(notice.get(key) == value for key, value in wanted.items()) for notice in shown):
            outcome.problems.append(f"no notice {wanted}")


def _count_import_failures(client: Any, token: str, import_id: str, reviewed: set[int], outcome: Outcome) -> None:
    """Rows the review called valid that the import then refused: the review did not tell the truth."""
    found, messages, _ = _problems(client, token, import_id)
    for row in sorted(set(found) - reviewed):
        outcome.problems.append(f"row {row} passed the review, then failed at import: {messages[row]}")


def _compare_records(client: Any, import_id: str, spec: dict, outcome: Outcome) -> None:
    if spec.get("mode", "STORE") == "VALIDATE":
        return
    stored = _stored(client, TABLES[spec["type"]], import_id)
    for row, expected in spec.get("records", {}).items():
        record = stored.get(int(row))
        if record is None:
            continue  # counted as wrongly refused
        for name, value in expected.items():
            outcome.values_checked += 1
            got = _plain(record.get(name))
            if not _same(got, value):
                outcome.values_wrong += 1
                outcome.problems.append(f"row {row} {name}: stored {got!r}, meant {value!r}")


def _stored(client: Any, table: str, import_id: str) -> dict[int, dict]:
    from sqlalchemy import text

    db = client.app.state.services.db
    with db.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM {table} WHERE import_id = :id"),
                            {"id": import_id.replace("-", "") if db.is_sqlite else import_id}).mappings().all()
    return {row["import_row"]: dict(row) for row in rows}


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (float, Decimal)):  # SQLite gives back 12.5 for NUMERIC 12.50
        return Decimal(str(value))
    return value if value is None or isinstance(value, (bool, int)) else str(value)


def _same(stored: Any, meant: Any) -> bool:
    if isinstance(meant, bool):  # SQLite gives booleans back as 0 and 1
        return stored in (0, 1) and bool(stored) is meant
    if meant is None or stored is None:
        return stored == meant
    if isinstance(stored, (int, Decimal)) and not isinstance(meant, bool):  # SQLite: 1234 for NUMERIC 1234.00
        return Decimal(stored) == Decimal(str(meant))
    return str(stored) == str(meant)


def _upload(client: Any, token: str, path: Path, inputs: dict) -> dict:
    operations = json.dumps({"query": CREATE, "variables": {"input": inputs}})
    response = client.post("/graphql", data={"operations": operations, "map": json.dumps({"0": ["variables.input.file"]})},
                           files={"0": (path.name, path.read_bytes(), "application/octet-stream")},
                           headers={"Authorization": f"Bearer {token}", "GraphQL-Preflight": "1"})
    return response.json()


def _gql(client: Any, token: str, query: str, variables: dict) -> dict:
    return client.post("/graphql", json={"query": query, "variables": variables},
                       headers={"Authorization": f"Bearer {token}"}).json()


def poll_until_settled(client: Any, token: str, import_id: str, *, timeout: float = 60) -> None:
    """For the script: poll until the import waits on a person or has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = _gql(client, token, STATE, {"id": import_id})["data"]["import"]["status"]
        if status not in ("VALIDATING", "IMPORTING", "ROLLING_BACK"):
            return
        time.sleep(0.05)
    raise TimeoutError(f"import {import_id} did not settle in {timeout} s")


def corpus(samples: Path = SAMPLES) -> list[Path]:
    return sorted(path for path in samples.iterdir() if path.suffix in (".csv", ".xlsx", ".txt")
                  and path.with_name(path.name + ".json").exists())


def main() -> None:
    from starlette.testclient import TestClient

    from domain.accounts.auth import issue_token
    from domain.settings import Settings
    from graph.app import create_app

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="the folder of files and expectations")
    parser.add_argument("--values-only", action="store_true",
                        help="judge mappings, refusals and stored values, not notices (for a checkout without notices)")
    args = parser.parse_args()
    outcomes = []
    for path in corpus(args.samples):
        with tempfile.TemporaryDirectory() as data, \
                TestClient(create_app(Settings(data_dir=Path(data), requests_per_minute=0))) as client:
            token = issue_token(client.app.state.services.db).token
            outcomes.append(run_file(client, token, path, poll_until_settled, notices=not args.values_only))
    for outcome in outcomes:
        print(f"{'pass' if outcome.passed else 'FAIL'}  {outcome.name}")
        for problem in outcome.problems[:6]:
            print(f"        {problem}")
        if len(outcome.problems) > 6:
            print(f"        ... and {len(outcome.problems) - 6} more")
    rows = sum(o.expected_rows for o in outcomes)
    print(f"\nfiles passing: {sum(o.passed for o in outcomes)} of {len(outcomes)}")
    print(f"rows wrongly refused: {sum(o.wrongly_refused for o in outcomes)} of {rows} good rows")
    print(f"rows wrongly accepted: {sum(o.wrongly_accepted for o in outcomes)}")
    print(f"values stored wrongly: {sum(o.values_wrong for o in outcomes)} of {sum(o.values_checked for o in outcomes)} checked")


if __name__ == "__main__":
    main()

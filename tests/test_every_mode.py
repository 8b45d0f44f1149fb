"""Every type's sample file in every mode: VALIDATE never writes; STORE creates; UPDATE and
UPSERT of the same file change those records; each rollback puts the table back exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from domain.rules.types import IMPORT_TYPES
from tests.helpers import client_csv, data_of, error_code, gql, rollback, settle, start, upload

SAMPLES = Path(__file__).parent / "samples"
PREREQUISITES = {"package": ["appointment_type", "retail_product"]}
PREMIER_CORE_MAPPING = [
    {"column": "Client ID", "field": "external_ref"}, {"column": "First Name", "field": "first_name"},
    {"column": "Surname", "field": "last_name"}, {"column": "Email Address", "field": "email"},
    {"column": "Mobile", "field": "phone"}, {"column": "DOB", "field": "date_of_birth"},
    {"column": "Email Marketing", "field": "marketing_opt_in"}, {"column": "Client Notes", "field": "notes"},
]


def sample(type_name: str) -> bytes:
    return client_csv(6) if type_name == "client" else (SAMPLES / f"{type_name}.csv").read_bytes()


def snapshot(db, type_name: str) -> list[dict]:
    model = IMPORT_TYPES[type_name].model
    with db.read() as session:
        return [item.model_dump() for item in session.exec(select(model).order_by(model.id)).all()]


class Importer:
    def __init__(self, client, token: str, type_name: str) -> None:
        self.client, self.token, self.type_name = client, token, type_name
        self.extra: dict = {}
        if type_name == "premier_core":
            self.extra["premier_core_mapping_id"] = data_of(gql(client, """mutation($m: [MappingInput!]!) {
                createImportMapping(type: PREMIER_CORE, name: "export", mapping: $m) { id } }""",
                {"m": PREMIER_CORE_MAPPING}, token=token))["createImportMapping"]["id"]

    def validated(self, mode: str, type_name: str | None = None) -> dict:
        type_name = type_name or self.type_name
        extra = self.extra if type_name == self.type_name else {}
        created = data_of(upload(self.client, sample(type_name), token=self.token, type_=type_name.upper(),
                                 mode=mode, filename=f"{type_name}.csv", **extra))["createImport"]
        final = settle(self.client, self.token, created["id"])
        assert final["status"] == "VALIDATED", final
        return final

    def imported(self, mode: str, type_name: str | None = None) -> dict:
        final = self.validated(mode, type_name)
        data_of(start(self.client, self.token, final["id"]))
        final = settle(self.client, self.token, final["id"])
        assert final["status"] == "IMPORTED", final
        return final

    def rolled_back(self, import_id: str) -> dict:
        data_of(rollback(self.client, self.token, import_id))
        final = settle(self.client, self.token, import_id)
        assert final["status"] == "ROLLED_BACK", final
        return final


@pytest.mark.parametrize("type_name", sorted(IMPORT_TYPES))
def test_a_sample_file_goes_through_every_mode_and_each_rollback_restores_the_table(client, token, db, type_name):
    importer = Importer(client, token, type_name)
    for needed in PREREQUISITES.get(type_name, []):
        importer.imported("STORE", needed)
    empty = snapshot(db, type_name)

    checked = importer.validated("VALIDATE")
    valid = checked["totalRows"] - checked["failedValidationRows"]
    assert valid > 0
    assert error_code(start(client, token, checked["id"])) == "BAD_INPUT"
    assert snapshot(db, type_name) == empty

    stored = importer.imported("STORE")
    assert (stored["totalRows"], stored["failedValidationRows"]) == (checked["totalRows"], checked["failedValidationRows"])
    assert stored["importedRows"] + stored["failedImportRows"] == valid
    assert stored["importedRows"] > 0
    after_store = snapshot(db, type_name)
    assert len(after_store) == len(empty) + stored["importedRows"]

    for mode in ("UPDATE", "UPSERT"):
        changed = importer.imported(mode)
        assert changed["importedRows"] == stored["importedRows"], mode
        assert len(snapshot(db, type_name)) == len(after_store), mode
        undone = importer.rolled_back(changed["id"])
        assert (undone["rolledBackRows"], undone["rollbackConflictRows"]) == (stored["importedRows"], 0), mode
        assert snapshot(db, type_name) == after_store, mode

    undone = importer.rolled_back(stored["id"])
    assert (undone["rolledBackRows"], undone["rollbackConflictRows"]) == (stored["importedRows"], 0)
    assert snapshot(db, type_name) == empty

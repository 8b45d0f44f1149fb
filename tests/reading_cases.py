"""Shared steps of the encoding and header-row tests: the corpus, the import service as a
caller of the domain uses it, and what an import stored."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from sqlmodel import select
from starlette.testclient import TestClient

from domain.accounts.auth import Principal, authenticate
from domain.models import Client, Import, ImportMode
from domain.options import ReadOptions
from domain.services import ImportService, Upload
from tests.helpers import data_of, gql, settle, start

EXPORTS = Path(__file__).parent / "samples" / "exports"


def export(name: str) -> bytes:
    return (EXPORTS / name).read_bytes()


def service(client: TestClient) -> ImportService:
    return client.app.state.services.imports


def principal(client: TestClient, token: str) -> Principal:
    return authenticate(client.app.state.services.db, f"Bearer {token}")


def create(client: TestClient, token: str, name: str, *, options: ReadOptions | None = None,
           mapping: list[tuple[str, str | None]] | None = None) -> Import:
    """createImport through the domain service, as the GraphQL mutation calls it."""
    return service(client).create_import(
        principal(client, token), type_name="client", mode=ImportMode.STORE,
        upload=Upload(filename=name, stream=io.BytesIO(export(name))), mapping=mapping, options=options)


def stored(client: TestClient, import_id: str | uuid.UUID) -> Import:
    with client.app.state.services.db.read() as session:
        return session.get(Import, uuid.UUID(str(import_id)))


def notices_of(client: TestClient, import_id: str | uuid.UUID) -> dict[str, dict]:
    """The import's stored notices by code."""
    return {notice["code"]: notice for notice in stored(client, import_id).notices or []}


def imported_clients(client: TestClient, token: str, import_id: str) -> dict[str, Client]:
    """Start the import, wait until it is imported, and return its clients by email."""
    data_of(start(client, token, import_id))
    final = settle(client, token, import_id)
    assert final["status"] == "IMPORTED", final
    with client.app.state.services.db.read() as session:
        rows = session.exec(select(Client).where(Client.import_id == uuid.UUID(import_id))).all()
    return {row.email: row for row in rows}


def row_errors(client: TestClient, token: str, import_id: str) -> list[tuple[int, str | None, str | None]]:
    """(rowNumber, field, value) of every row error, as the GraphQL API gives them."""
    data = data_of(gql(client, """query($id: ID!) { import(id: $id) { errors(first: 100) { edges { node {
        rowNumber field value } } } } }""", {"id": import_id}, token=token))
    return [(e["node"]["rowNumber"], e["node"]["field"], e["node"]["value"]) for e in data["import"]["errors"]["edges"]]

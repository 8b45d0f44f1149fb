"""Input types and the Upload scalar."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from domain.errors import BadInput, NotFound
from domain.queries import ImportFilter
from graph.types import ImportKind, ImportMode, ImportStatus


def _parse_upload(value: object) -> UploadFile:
    if not isinstance(value, UploadFile):
        raise ValueError(
            "Upload expects a file sent as a multipart request (GraphQL multipart request spec), not a JSON value"
        )
    return value


UploadScalar = strawberry.scalar(
    name="Upload",
    description="A file sent in a multipart request, as the GraphQL multipart request spec describes.",
    serialize=lambda value: None,
    parse_value=_parse_upload,
)


@strawberry.input
class MappingInput:
    column: str = strawberry.field(description="A column name exactly as in the file's header.")
    field: str | None = strawberry.field(description="A field name from importTypes; null ignores the column.")


@strawberry.input
class CreateImportInput:
    type: ImportKind
    file: Upload
    mode: ImportMode = ImportMode.STORE  # type: ignore[assignment]
    mapping: list[MappingInput] | None = strawberry.field(
        default=None, description="Leave out to have the columns mapped automatically."
    )
    mapping_id: strawberry.ID | None = strawberry.field(
        default=None, description="Apply a saved mapping (from importMappings) instead of `mapping`."
    )
    sheet: str | None = strawberry.field(default=None, description="XLSX only: the sheet to read (default: the first).")
    premier_core_mapping_id: str | None = None


@strawberry.input
class ImportFilterInput:
    type: ImportKind | None = None
    status: ImportStatus | None = None
    mode: ImportMode | None = None
    created_by: strawberry.ID | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None

    def to_domain(self) -> ImportFilter:
        return ImportFilter(
            type=self.type.value if self.type else None,
            status=self.status.value if self.status else None,
            mode=self.mode.value if self.mode else None,
            created_by=parse_id(self.created_by, "user") if self.created_by else None,
            created_after=self.created_after,
            created_before=self.created_before,
        )


def parse_id(value: str, kind: str = "import") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BadInput(f"{value!r} is not a valid {kind} id.") from None


def import_id(value: str) -> uuid.UUID:
    """An import id; one that is not even a UUID is simply not found."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("import", value) from None


def mapping_entries(mapping: list[MappingInput]) -> list[tuple[str, str | None]]:
    return [(entry.column, entry.field) for entry in mapping]

"""Input types and the Upload scalar."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from domain.pipeline.auto_start import AutoStart
from domain.pipeline.auto_start import CommitPolicy as DomainCommitPolicy
from domain.errors import BadInput, NotFound
from domain.queries import ImportFilter
from domain.options import DateOrder as DomainDateOrder
from domain.options import ReadOptions
from graph.types import CommitPolicy, DateOrder, ImportKind, ImportMode, ImportStatus

DATE_ORDER_HELP = ("The order of ambiguous date columns (all parts 12 or less); a column whose dates prove "
                   "an order is read in that order. Default: your organisation's (organisationSettings).")
ENCODING_HELP = "How the file's text is encoded (utf-8, windows-1252, mac_roman, latin-1, utf-16...); default: detected."
HEADER_ROW_HELP = "The header's row number in the file (1 = the first line); default: found (title lines skipped)."
DECIMAL_HELP = "'.' or ','; default: ',' in a ';'-separated file, else '.'."
IDEMPOTENCY_HELP = ("A key of your choosing (up to 200 characters; a new UUID per request) that makes retrying "
                    "safe. Sent again with the same key and the same {same}, the request is not done twice: it "
                    "returns the import the first one {did}, as it is now. With the same key and {different}, it "
                    "fails with IDEMPOTENCY_CONFLICT. Keys are remembered for 24 hours per organisation, and only "
                    "for requests that succeeded.")
CREATE_IDEMPOTENCY_HELP = IDEMPOTENCY_HELP.format(same="file and arguments", did="created",
                                                  different="another file or other arguments")
START_IDEMPOTENCY_HELP = IDEMPOTENCY_HELP.format(same="id", did="started", different="another id")


def _parse_upload(value: object) -> UploadFile:
    if not isinstance(value, UploadFile):
        raise ValueError(
            "Upload expects a file sent as a multipart request (GraphQL multipart request spec), not a JSON value"
        )
    return value


def uploaded_file(value: Upload) -> UploadFile:
    """The file an Upload argument holds (the schema parses Upload to Starlette's UploadFile)."""
    return _parse_upload(value)


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


@strawberry.input(description=(
    "Start the import by itself when validation ends, with no startImport: if every required field is mapped "
    "with at least `minConfidence` (a mapping you give counts as 1.0; a full name stands in for first and last "
    "name) and the rows fit `policy`. Otherwise it waits at VALIDATED with an AUTO_START_SKIPPED notice saying "
    "why; a VALIDATE-mode import never starts. A remap (updateImportMapping) keeps the request."))
class AutoStartInput:
    min_confidence: float = strawberry.field(description="0 to 1: the least mapping confidence of a required field.")
    policy: CommitPolicy = strawberry.field(default=DomainCommitPolicy.SKIP_INVALID,
                                            description="Which validation outcomes may start; default SKIP_INVALID.")

    def to_domain(self) -> AutoStart:
        return AutoStart(min_confidence=self.min_confidence, policy=DomainCommitPolicy(self.policy.value))


@strawberry.input
class CreateImportInput:
    type: ImportKind
    file: Upload
    mode: ImportMode = ImportMode.STORE
    mapping: list[MappingInput] | None = strawberry.field(
        default=None, description="Leave out to have the columns mapped automatically."
    )
    mapping_id: strawberry.ID | None = strawberry.field(
        default=None, description="Apply a saved mapping (from importMappings) instead of `mapping`."
    )
    sheet: str | None = strawberry.field(default=None, description="XLSX only: the sheet to read (default: the first).")
    premier_core_mapping_id: str | None = None
    date_order: DateOrder | None = strawberry.field(default=None, description=DATE_ORDER_HELP)
    encoding: str | None = strawberry.field(default=None, description=ENCODING_HELP)
    header_row: int | None = strawberry.field(default=None, description=HEADER_ROW_HELP)
    decimal_separator: str | None = strawberry.field(default=None, description=DECIMAL_HELP)
    idempotency_key: str | None = strawberry.field(default=None, description=CREATE_IDEMPOTENCY_HELP)
    auto_start: AutoStartInput | None = strawberry.field(
        default=None, description="Start by itself once validated, if sure enough; default: wait for startImport.")

    def read_options(self) -> ReadOptions:
        options = read_options(self.date_order, self.encoding, self.header_row, self.decimal_separator)
        return options.replace(auto_start=self.auto_start.to_domain() if self.auto_start else None)


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


def read_options(date_order: DateOrder | None, encoding: str | None, header_row: int | None,
                 decimal_separator: str | None) -> ReadOptions:
    """The read options a caller chose (the service checks them); None leaves a decision to the service."""
    return ReadOptions(date_order=DomainDateOrder(date_order.value) if date_order is not None else None,
                       encoding=encoding.strip() if encoding is not None else None, header_row=header_row,
                       decimal_separator=decimal_separator)


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

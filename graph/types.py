"""Output types, built from domain records; enums."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated


import strawberry

from domain import models, queries
from domain.pipeline.lifecycle import summary
from domain.rules.mapping import missing_required
from domain.models import as_utc
from domain.files.samples import column_samples
from domain.pipeline.scheduling import position_in_queue
from domain.errors import ImportErrorCode as DomainImportErrorCode
from domain.notices import Control as DomainControl
from domain.pipeline.auto_start import CommitPolicy as DomainCommitPolicy
from domain.notices import Notice as DomainNotice
from domain.notices import NoticeCode as DomainNoticeCode
from domain.options import DateOrder as DomainDateOrder
from domain.accounts.organisations import OrganisationSettings as DomainOrganisationSettings
from domain.options import ReadOptions
from domain.rules.problems import RowProblemCode as DomainRowProblemCode
from domain.status import ImportStatus as DomainImportStatus
from domain.rules.types import IMPORT_TYPES, FieldSpec, ImportTypeSpec
from graph.context import Info
from graph.limits import page_size
from graph.threads import call

# strawberry.enum publishes an enum class in place (and returns it): the domain's enums are
# published under these names, and mypy checks them as the domain's. Those built here at run
# time (members from the registry, or each with its description) are, to mypy, enums whose
# members it cannot know.
ImportStatus = DomainImportStatus
strawberry.enum(ImportStatus, name="ImportStatus", description="Where an import is in its life.")
ImportMode = models.ImportMode
strawberry.enum(ImportMode, name="ImportMode", description="What an import does with valid rows.")
if TYPE_CHECKING:
    class ImportKind(enum.Enum): ...
    class ImportErrorCode(enum.Enum): ...
    class RowProblemCode(enum.Enum): ...
    class NoticeControl(enum.Enum): ...
else:
    ImportKind = strawberry.enum(
        # From the registry: a new type module appears in the API without editing this file.
        enum.Enum("ImportKind", {name.upper(): name for name in IMPORT_TYPES}),
        name="ImportType",
        description="The kind of records a file holds.",
    )
Role = models.Role
strawberry.enum(Role, name="Role")

ERROR_CODE_MEANINGS = {
    DomainImportErrorCode.MISSING_REQUIRED_FIELDS: "A required field has no column: map one with updateImportMapping.",
    DomainImportErrorCode.BAD_FILE: "The file cannot be read (a malformed CSV, a NUL byte, a broken workbook).",
    DomainImportErrorCode.CELL_TOO_LONG: "A cell has more characters than IMPORTER_MAX_CELL_CHARS.",
    DomainImportErrorCode.TOO_MANY_COLUMNS: "A row has more cells than IMPORTER_MAX_COLUMNS.",
    DomainImportErrorCode.TOO_MANY_ROWS: "The file has more data rows than IMPORTER_MAX_ROWS.",
    DomainImportErrorCode.FILE_TOO_LARGE: "The workbook unpacks to more bytes than IMPORTER_MAX_UNPACKED_BYTES.",
    DomainImportErrorCode.INTERNAL_ERROR: "Validation kept failing for a reason of ours; the message has a reference "
                                          "to quote to the operator.",
}
if not TYPE_CHECKING:
    ImportErrorCode = strawberry.enum(
        enum.Enum("ImportErrorCode", {
            code.value: strawberry.enum_value(code.value, description=ERROR_CODE_MEANINGS[code])
            for code in DomainImportErrorCode}),
        description="Why an import is ERRORED. The limit codes and BAD_FILE mean what they mean when an upload is "
                    "refused.",
    )


PROBLEM_MEANINGS = {
    DomainRowProblemCode.REQUIRED: "A required field is blank.",
    DomainRowProblemCode.TOO_LONG: "The value is longer than the field allows.",
    DomainRowProblemCode.INVALID_EMAIL: "Not an email address.",
    DomainRowProblemCode.INVALID_DATE: "Not a date, or not a real one (31 February).",
    DomainRowProblemCode.AMBIGUOUS_DATE: "A date that is real only in the other day/month order than its column's: "
                                         "check the column's dateOrder notice.",
    DomainRowProblemCode.INVALID_PHONE: "Not a phone number.",
    DomainRowProblemCode.INVALID_BOOLEAN: "Not yes or no (nor a consent word such as subscribed).",
    DomainRowProblemCode.INVALID_NUMBER: "Not a number or an amount, or more decimals than allowed.",
    DomainRowProblemCode.OUT_OF_RANGE: "A number below the least or above the most the field allows.",
    DomainRowProblemCode.NOT_A_CHOICE: "Not one of the values the field accepts (see allowedValues).",
    DomainRowProblemCode.INVALID_CODE: "A code, SKU or list of codes of the wrong shape.",
    DomainRowProblemCode.INVALID_BARCODE: "Not an EAN-13, UPC-A or EAN-8 barcode with a right check digit.",
    DomainRowProblemCode.INVALID_VALUE: "Another problem with one value (and problems found before codes were kept).",
    DomainRowProblemCode.RULE: "A rule across fields is broken (an expiry date before the issue date).",
    DomainRowProblemCode.NO_MATCH_KEY: "An update row without a key to find its record.",
    DomainRowProblemCode.ROW_SHAPE: "More filled cells than the header has columns.",
    DomainRowProblemCode.DUPLICATE_IN_FILE: "The same unique key as an earlier row of the file.",
    DomainRowProblemCode.ALREADY_EXISTS: "STORE: your organisation already has a record with this key.",
    DomainRowProblemCode.NOT_FOUND: "UPDATE: no record of your organisation has this key.",
    DomainRowProblemCode.MISSING_REFERENCE: "A record the row refers to (a code, a SKU) does not exist.",
    DomainRowProblemCode.WRITE_FAILED: "The record could not be written at import.",
    DomainRowProblemCode.CHANGED_SINCE_IMPORT: "Rollback: the record changed after the import, so it was kept.",
}
if not TYPE_CHECKING:
    RowProblemCode = strawberry.enum(
        enum.Enum("RowProblemCode", {
            code.value: strawberry.enum_value(code.value, description=PROBLEM_MEANINGS[code])
            for code in DomainRowProblemCode}),
        description="What kind of problem a row has: one code per problem, besides its message.",
    )
NoticeCode = DomainNoticeCode
strawberry.enum(NoticeCode, name="NoticeCode",
                description="What the service decided on your behalf while reading the file.")
if not TYPE_CHECKING:
    NoticeControl = strawberry.enum(
        enum.Enum("NoticeControl", {control.name: control.value for control in DomainControl}),
        description="The createImport / updateImportMapping input that changes a notice's decision.",
    )
CommitPolicy = DomainCommitPolicy
strawberry.enum(CommitPolicy, name="CommitPolicy", description=(
    "Which validation outcomes an import may start by itself with (autoStart). SKIP_INVALID: import the valid "
    "rows and skip the invalid ones, however many; a file with no valid row is not started. It is the only "
    "policy for now; stricter ones are to come."))
DateOrder = DomainDateOrder
strawberry.enum(DateOrder, name="DateOrder", description="The order of day, month and year in dates like 05/11/1990.")


@strawberry.type
class Notice:
    """Something the service decided for you while reading the file (an encoding, a header
    row, a date order...): check it, and change it with `control` before starting."""

    code: NoticeCode
    message: str
    column: str | None = strawberry.field(description="The column it is about, if one.")
    value: str | None = strawberry.field(description="The decision, as `control` takes it (MONTH_FIRST, mac_roman, 3).")
    control: NoticeControl | None = strawberry.field(description="The input that changes this decision.")
    sample: str | None = strawberry.field(description="What the decision was made from, when that helps.")

    @classmethod
    def from_domain(cls, notice: DomainNotice) -> Notice:
        return cls(code=notice.code, message=notice.message, column=notice.column, value=notice.value,
                   control=NoticeControl[notice.control.name] if notice.control else None, sample=notice.sample)


@strawberry.type
class OrganisationSettings:
    """Your organisation's settings for the imports to come."""

    name: str
    date_order: DateOrder = strawberry.field(
        description="The order of ambiguous date columns (all parts 12 or less) when an import does not choose one.")

    @classmethod
    def from_domain(cls, settings: DomainOrganisationSettings) -> OrganisationSettings:
        return cls(name=settings.name, date_order=settings.date_order)


@strawberry.type
class ErrorCount:
    """How many problems of one kind one field has; `field` null for problems of a whole row."""

    code: RowProblemCode
    field: str | None
    count: int


@strawberry.type
class User:
    id: strawberry.ID
    email: str
    role: Role


@strawberry.type
class MappingEntry:
    """Which field a column of the file fills; `field` null means the column is ignored."""

    column: str
    field: str | None
    confidence: float = strawberry.field(description="1 for an exact or chosen match, lower for a guess.")


@strawberry.type
class RowError:
    """One problem with one row: where it is and what to do about it."""

    row_number: int = strawberry.field(description="The row as a spreadsheet shows it (the header is `headerRow`).")
    column: str | None
    field: str | None
    message: str
    value: str | None
    code: RowProblemCode
    existing_record_id: int | None = strawberry.field(
        description="ALREADY_EXISTS: the id of your organisation's record that already has this key.")


@strawberry.type
class ColumnSample:
    """Values found in one column of the file (blank cells left out)."""

    column: str
    values: list[str]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class RowErrorEdge:
    cursor: str
    node: RowError


@strawberry.type
class RowErrorConnection:
    edges: list[RowErrorEdge]
    page_info: PageInfo


@strawberry.type(name="AutoStart", description="How an import asked to start by itself once validated (autoStart).")
class AutoStartRequest:
    min_confidence: float = strawberry.field(description="The least mapping confidence of a required field.")
    policy: CommitPolicy


@strawberry.type(name="Import")
class ImportObject:
    """An upload of one file, its validation, its import and its rollback."""

    id: strawberry.ID
    type: ImportKind
    mode: ImportMode
    status: ImportStatus
    filename: str
    sheet: str | None = strawberry.field(description="The XLSX sheet read, when one was chosen.")
    headers: list[str]
    mapping: list[MappingEntry]
    missing_required_fields: list[str] = strawberry.field(
        description="Required fields no column is mapped to; the import cannot start until each has one."
    )
    total_rows: int
    imported_rows: int
    failed_validation_rows: int
    failed_import_rows: int
    rolled_back_rows: int
    rollback_conflict_rows: int = strawberry.field(
        description="Rows whose record changed after the import: the rollback left those records as they are."
    )
    progress: int = strawberry.field(description="0 to 100: how much of the current phase's work is done.")
    error_message: str | None = strawberry.field(description="Why the import is ERRORED.")
    error_code: ImportErrorCode | None = strawberry.field(
        description="Why the import is ERRORED, as a code; null when it is not (or for one that failed before "
                    "codes were kept, whose message matched no code)."
    )
    premier_core_mapping_id: str | None
    created_at: datetime
    updated_at: datetime
    validated_at: datetime | None
    imported_at: datetime | None
    rolled_back_at: datetime | None
    encoding: str = strawberry.field(description="How the file's text was read (a Python codec name, or xlsx).")
    header_row: int = strawberry.field(description="The header's row number in the file; data rows follow it.")
    date_order: DateOrder | None = strawberry.field(
        description="The date order chosen for ambiguous date columns; null: your organisation's default.")
    decimal_separator: str | None = strawberry.field(
        description="The decimal separator chosen ('.' or ','); null: ',' in a ';'-separated file, else '.'.")
    notices: list[Notice] = strawberry.field(
        description="What the service decided for you while reading the file; check them before starting.")
    summary: str = strawberry.field(description="Where the import is, in words a person reads.")
    auto_start: AutoStartRequest | None = strawberry.field(
        description="Whether it starts by itself once validated (createImport's autoStart); null: it waits for "
                    "startImport. When it did not, an AUTO_START_SKIPPED notice says why.")
    created_by_id: strawberry.Private[uuid.UUID]
    queued_at: strawberry.Private[datetime | None]

    @strawberry.field(description="While a started import waits for its turn (IMPORTING, its organisation already "
                                   "runs as many imports as allowed, progress 0): 1 if it starts next, 2 if after one "
                                   "other, and so on. Null when it is running or not waiting.")
    async def queue_position(self, info: Info) -> int | None:
        if self.queued_at is None:
            return None
        principal = await info.context.principal()
        return await call(position_in_queue, info.context.services.db, principal, uuid.UUID(self.id))

    @strawberry.field(description="The user who uploaded the file.")
    async def created_by(self, info: Info) -> User | None:
        user = await info.context.user(self.created_by_id)
        return None if user is None else User(id=strawberry.ID(str(user.id)), email=user.email, role=models.Role(user.role))

    @strawberry.field(description="Every problem of every row that failed validation or import, in file order.")
    async def errors(
        self, info: Info, first: int = 25, after: str | None = None,
        field: Annotated[str | None, strawberry.argument(
            description="Only the problems of this field (a field name from importTypes).")] = None,
        code: Annotated[RowProblemCode | None, strawberry.argument(
            description="Only the problems of this kind.")] = None,
    ) -> RowErrorConnection:
        principal = await info.context.principal()
        page_size(first, info.context.services.settings)
        page = await call(
            queries.row_errors, info.context.services.db, principal, uuid.UUID(self.id), first=first, after=after,
            field=field, code=DomainRowProblemCode(code.value) if code is not None else None,
        )
        return RowErrorConnection(
            edges=[RowErrorEdge(cursor=cursor, node=_row_error(item)) for cursor, item in page.items],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(description="The problems of the failed rows counted by code and field, most frequent first.")
    async def error_counts(self, info: Info) -> list[ErrorCount]:
        principal = await info.context.principal()
        counts = await call(queries.error_counts, info.context.services.db, principal, uuid.UUID(self.id))
        return [ErrorCount(code=RowProblemCode[item.code.value], field=item.field, count=item.count)
                for item in counts]

    @strawberry.field(description="A few values of each column, from the first rows of the file.")
    async def column_samples(self, info: Info, count: int = 3) -> list[ColumnSample]:
        principal = await info.context.principal()
        samples = await call(
            column_samples, info.context.services.db, principal, uuid.UUID(self.id),
            settings=info.context.services.settings, count=count,
        )
        return [ColumnSample(column=item.column, values=item.values) for item in samples]

    @strawberry.field(description="Where to download the failed rows as CSV (send the same Authorization header).")
    def error_report_url(self) -> str:
        return f"/imports/{self.id}/error-report.csv"

    @classmethod
    def from_record(cls, record: models.Import) -> ImportObject:
        spec = IMPORT_TYPES[record.type]
        options = ReadOptions.from_json(record.options)
        return cls(
            id=strawberry.ID(str(record.id)),
            type=ImportKind(record.type),
            mode=models.ImportMode(record.mode),
            status=DomainImportStatus(record.status),
            filename=record.filename,
            sheet=record.sheet,
            headers=list(record.headers),
            mapping=[MappingEntry(**entry) for entry in record.mapping],
            missing_required_fields=missing_required(record.mapping, spec),
            total_rows=record.total_rows,
            imported_rows=record.imported_rows,
            failed_validation_rows=record.failed_validation_rows,
            failed_import_rows=record.failed_import_rows,
            rolled_back_rows=record.rolled_back_rows,
            rollback_conflict_rows=record.rollback_conflict_rows,
            progress=record.progress,
            error_message=record.error_message,
            error_code=None if record.error_code is None else ImportErrorCode[record.error_code],
            premier_core_mapping_id=record.premier_core_mapping_id,
            created_at=as_utc(record.created_at),
            updated_at=as_utc(record.updated_at),
            validated_at=_utc(record.validated_at),
            imported_at=_utc(record.imported_at),
            rolled_back_at=_utc(record.rolled_back_at),
            encoding=record.encoding,
            header_row=record.header_row,
            date_order=options.date_order,
            decimal_separator=options.decimal_separator,
            notices=[Notice.from_domain(DomainNotice.from_json(item)) for item in record.notices or []],
            summary=summary(record),
            auto_start=(AutoStartRequest(min_confidence=options.auto_start.min_confidence,
                                         policy=options.auto_start.policy) if options.auto_start else None),
            created_by_id=record.created_by_id,
            queued_at=record.queued_at,
        )


@strawberry.type
class ImportEdge:
    cursor: str
    node: ImportObject


@strawberry.type
class ImportConnection:
    edges: list[ImportEdge]
    page_info: PageInfo


@strawberry.type
class FieldInfo:
    """A field of an import type, for drawing a mapping screen."""

    name: str
    label: str
    kind: str
    required: bool
    max_length: int
    aliases: list[str]
    example: str
    description: str
    allowed_values: list[str] = strawberry.field(
        description="The values a choice field accepts (in any case); empty for other fields.")
    required_unless: list[str] = strawberry.field(
        description="A required field is not needed when one of these fields has a column (a full name fills "
                    "the first and last name).")

    @classmethod
    def from_spec(cls, spec: FieldSpec) -> FieldInfo:
        return cls(
            name=spec.name, label=spec.label, kind=spec.kind.value, required=spec.required,
            max_length=spec.max_length, aliases=list(spec.aliases), example=spec.example,
            description=spec.description, allowed_values=list(spec.allowed),
            required_unless=list(spec.required_unless),
        )


@strawberry.type
class SavedMapping:
    """A mapping saved by your organisation, to apply to new files of its type (`mappingId`)."""

    id: strawberry.ID = strawberry.field(description="A 24-hex object id.")
    type: ImportKind
    name: str
    mapping: list[MappingEntry]
    updated_at: datetime

    @classmethod
    def from_record(cls, record: models.SavedMapping) -> SavedMapping:
        return cls(
            id=strawberry.ID(record.id), type=ImportKind(record.type), name=record.name,
            mapping=[MappingEntry(column=e["column"], field=e["field"], confidence=1.0 if e["field"] else 0.0)
                     for e in record.entries],
            updated_at=as_utc(record.updated_at),
        )


@strawberry.type
class ImportTypeInfo:
    type: ImportKind
    label: str
    fields: list[FieldInfo]
    match_keys: list[str] = strawberry.field(description="Fields that find an existing record, first present wins.")
    unique_field: str

    @strawberry.field(description="A CSV with the type's columns and an example row, to fill in.")
    def template_url(self) -> str:
        return f"/import-types/{self.type.value}/template.csv"

    @classmethod
    def from_spec(cls, spec: ImportTypeSpec) -> ImportTypeInfo:
        return cls(
            type=ImportKind(spec.name), label=spec.label,
            fields=[FieldInfo.from_spec(item) for item in spec.fields],
            match_keys=list(spec.match_keys), unique_field=spec.unique_field,
        )


def _row_error(item: queries.RowError) -> RowError:
    return RowError(row_number=item.row_number, column=item.column, field=item.field, message=item.message,
                    value=item.value, code=RowProblemCode[item.code.value], existing_record_id=item.record_id)


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)



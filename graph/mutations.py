"""Mutation resolvers: each returns the import it changed."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.rules.saved_mappings import create_mapping, save_mapping
from domain.options import DateOrder as DomainDateOrder
from domain.options import ReadOptions
from domain.accounts.organisations import update_organisation_settings
from domain.services import Upload
from graph.context import Info
from graph.inputs import (DATE_ORDER_HELP, DECIMAL_HELP, ENCODING_HELP, HEADER_ROW_HELP, START_IDEMPOTENCY_HELP,
                          CreateImportInput, MappingInput, import_id, mapping_entries, read_options, uploaded_file)
from graph.threads import call
from graph.webhooks import Webhook, create_webhook, delete_webhook
from graph.types import DateOrder, ImportKind, ImportObject, OrganisationSettings, SavedMapping


@strawberry.type
class Mutation:
    create_webhook: Webhook = strawberry.mutation(
        resolver=create_webhook, description="Have a URL hear about your organisation's imports (admins): a signed "
        "POST per event, retried when it fails (README, Webhooks). Private, loopback and link-local addresses "
        "are refused unless the operator allows them.")
    delete_webhook: strawberry.ID = strawberry.mutation(
        resolver=delete_webhook, description="Stop a webhook and forget its deliveries (admins); its id.")

    @strawberry.mutation(description="Upload a file; it is mapped automatically (or by `mapping`) and validated in the background.")
    async def create_import(self, info: Info, input: CreateImportInput) -> ImportObject:  # noqa: A002
        principal = await info.context.principal()
        service = info.context.services.imports
        file = uploaded_file(input.file)
        record = await call(
            service.create_import,
            principal,
            type_name=input.type.value,
            mode=input.mode,
            upload=Upload(filename=file.filename or "upload.csv", stream=file.file),
            mapping=mapping_entries(input.mapping) if input.mapping is not None else None,
            mapping_id=str(input.mapping_id) if input.mapping_id is not None else None,
            sheet=input.sheet,
            premier_core_mapping_id=input.premier_core_mapping_id,
            options=input.read_options(),
            idempotency_key=input.idempotency_key,
        )
        return ImportObject.from_record(record)

    @strawberry.mutation(description="Choose which column fills which field, and/or change how the file is read "
                         "(the decisions its notices show: dateOrder, encoding, headerRow, decimalSeparator), and "
                         "validate again. Left-out arguments keep their current value; with a new encoding or "
                         "headerRow and no mapping, the columns are mapped again automatically if they changed.")
    async def update_import_mapping(
        self, info: Info, id: strawberry.ID, mapping: list[MappingInput] | None = None,  # noqa: A002
        date_order: Annotated[DateOrder | None, strawberry.argument(description=DATE_ORDER_HELP)] = None,
        encoding: Annotated[str | None, strawberry.argument(description=ENCODING_HELP)] = None,
        header_row: Annotated[int | None, strawberry.argument(description=HEADER_ROW_HELP)] = None,
        decimal_separator: Annotated[str | None, strawberry.argument(description=DECIMAL_HELP)] = None,
    ) -> ImportObject:
        principal = await info.context.principal()
        service = info.context.services.imports
        options = read_options(date_order, encoding, header_row, decimal_separator)
        record = await call(service.update_mapping, principal, import_id(id),
                            mapping_entries(mapping) if mapping is not None else None,
                            options=options if options != ReadOptions() else None)
        return ImportObject.from_record(record)

    @strawberry.mutation(description="Save the import's current mapping under a name, for files to come (admins).")
    async def save_import_mapping(self, info: Info, id: strawberry.ID, name: str) -> ImportObject:  # noqa: A002
        principal = await info.context.principal()
        record = await call(save_mapping, info.context.services.db, principal, import_id(id), name)
        return ImportObject.from_record(record)

    @strawberry.mutation(description="Save a mapping written by hand, e.g. of another system's export "
                         "(admins); apply it with createImport's mappingId or premierCoreMappingId.")
    async def create_import_mapping(
        self, info: Info, type: ImportKind, name: str, mapping: list[MappingInput]  # noqa: A002
    ) -> SavedMapping:
        principal = await info.context.principal()
        saved = await call(create_mapping, info.context.services.db, principal, type.value, name,
                           mapping_entries(mapping))
        return SavedMapping.from_record(saved)

    @strawberry.mutation(description="Import the valid rows of a VALIDATED import, in the background.")
    async def start_import(
        self, info: Info, id: strawberry.ID,  # noqa: A002
        idempotency_key: Annotated[str | None, strawberry.argument(description=START_IDEMPOTENCY_HELP)] = None,
    ) -> ImportObject:
        principal = await info.context.principal()
        record = await call(info.context.services.imports.start_import, principal, import_id(id),
                            idempotency_key=idempotency_key)
        return ImportObject.from_record(record)

    @strawberry.mutation(description="Undo an import: remove every record it created. Also stops one under way.")
    async def rollback_import(self, info: Info, id: strawberry.ID) -> ImportObject:  # noqa: A002
        principal = await info.context.principal()
        record = await call(info.context.services.imports.rollback_import, principal, import_id(id))
        return ImportObject.from_record(record)

    @strawberry.mutation(description="Change your organisation's settings (admins): `dateOrder` is the order "
                         "ambiguous date columns follow when an import does not choose one.")
    async def update_organisation_settings(self, info: Info, date_order: DateOrder) -> OrganisationSettings:
        principal = await info.context.principal()
        updated = await call(update_organisation_settings, info.context.services.db, principal,
                             date_order=DomainDateOrder(date_order.value))
        return OrganisationSettings.from_domain(updated)

"""The SQLModel tables. Every row belongs to one organisation."""

import enum
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, LargeBinary, Numeric, Table, Text, UniqueConstraint, inspect
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored datetime is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def table_of(model: type[SQLModel]) -> Table:
    """The table of a `table=True` model: its `__table__`, which SQLModel's types do not declare."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


class ImportMode(str, enum.Enum):
    STORE = "store"
    UPDATE = "update"
    UPSERT = "upsert"
    VALIDATE = "validate"


class RowStatus(str, enum.Enum):
    """What became of one row of a file."""

    VALID = "valid"  # passed validation, waiting to be imported
    INVALID = "invalid"  # failed validation: the user's to fix
    IMPORTED = "imported"  # its record was written
    FAILED = "failed"  # valid, but its record could not be written (e.g. email taken)
    ROLLED_BACK = "rolled_back"  # a rollback removed its record, or restored the record's before-image
    ROLLBACK_CONFLICT = "rollback_conflict"  # its record changed since the import: left as it is


class Role(str, enum.Enum):
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


class Organisation(SQLModel, table=True):
    __tablename__ = "organisations"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    date_order: str | None = Field(default=None, max_length=20)  # a DateOrder for ambiguous dates; None: day first
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id", index=True)
    email: str = Field(max_length=320)
    role: str = Field(default=Role.ADMIN.value, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ApiToken(SQLModel, table=True):
    """A bearer token, stored as its SHA-256 hash: the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Import(SQLModel, table=True):
    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_org_created", "organisation_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    created_by_id: uuid.UUID = Field(foreign_key="users.id")
    type: str = Field(max_length=40)
    mode: str = Field(max_length=20)
    status: str = Field(max_length=20, index=True)
    filename: str = Field(max_length=500)
    stored_path: str = Field(max_length=1000)
    encoding: str = Field(max_length=20)
    delimiter: str = Field(max_length=2)
    skip_first_line: bool = False
    sheet: str | None = Field(default=None, max_length=200)
    header_row: int = 1  # the header's row number in the file, as a spreadsheet numbers it
    options: dict[str, Any] | None = Field(default=None, sa_type=JSON)  # ReadOptions a person chose
    notices: list[dict[str, Any]] | None = Field(default=None, sa_type=JSON)  # Notices: what was decided for them
    headers: list[str] = Field(default_factory=list, sa_type=JSON)
    mapping: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    premier_core_mapping_id: str | None = Field(default=None, max_length=24)
    total_rows: int = 0
    imported_rows: int = 0
    failed_validation_rows: int = 0
    failed_import_rows: int = 0
    rolled_back_rows: int = 0
    rollback_conflict_rows: int = 0
    progress: int = 0
    validation_run: int = 0  # bumped by each remap, so a stale run stops writing
    error_message: str | None = Field(default=None, sa_type=Text)
    error_code: str | None = Field(default=None, max_length=40)  # an ImportErrorCode, with error_message
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    validated_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    imported_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    rolled_back_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # Set while a started import waits for one of its organisation's slots: when it was started.
    queued_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class IdempotencyKey(SQLModel, table=True):
    """A key a client sent with createImport or startImport, and what that request produced:
    a repeat with the same key and the same input (`fingerprint`) gets the same import back."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("organisation_id", "operation", "key"),
                      Index("ix_idempotency_keys_org_created", "organisation_id", "created_at"))

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    operation: str = Field(max_length=40)  # "createImport" or "startImport"
    key: str = Field(max_length=200)
    fingerprint: str = Field(max_length=64)  # SHA-256 of the request's arguments (and file)
    import_id: uuid.UUID = Field(foreign_key="imports.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ImportRow(SQLModel, table=True):
    """One record of an uploaded file, its outcome and its errors."""

    __tablename__ = "import_rows"
    __table_args__ = (
        UniqueConstraint("import_id", "row_number"),
        Index("ix_import_rows_status", "import_id", "status", "row_number"),
        Index("ix_import_rows_key_row", "import_id", "match_key", "row_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    import_id: uuid.UUID = Field(foreign_key="imports.id")
    row_number: int
    status: str = Field(max_length=20)
    cells: list[str] = Field(default_factory=list, sa_type=JSON)
    errors: list[dict[str, Any]] | None = Field(default=None, sa_type=JSON)
    match_key: str | None = Field(default=None, max_length=320)
    record_id: int | None = None  # the record an update changed
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)  # that record as it was, for rollback
    # A valid STORE row's record columns as validation decided them (domain/pipeline/staging.py).
    staged: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class Client(SQLModel, table=True):
    """A client of the business: the records a `client` import writes."""

    __tablename__ = "clients"
    __table_args__ = (
        UniqueConstraint("organisation_id", "email_key"),
        Index("ix_clients_import", "import_id", "import_row"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    import_id: uuid.UUID | None = Field(default=None, foreign_key="imports.id")
    import_row: int | None = None
    first_name: str = Field(max_length=200)
    last_name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    email_key: str = Field(max_length=320)
    phone: str | None = Field(default=None, max_length=50)
    date_of_birth: date | None = None
    marketing_opt_in: bool = False
    notes: str | None = Field(default=None, sa_type=Text)
    external_ref: str | None = Field(default=None, max_length=200, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class SavedMapping(SQLModel, table=True):
    """A mapping of column names to fields that an organisation reuses for files of one type."""

    __tablename__ = "saved_mappings"
    __table_args__ = (UniqueConstraint("organisation_id", "type", "name"),)

    id: str = Field(primary_key=True, max_length=24)  # a 24-hex object id, as in the reference API
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id", index=True)
    type: str = Field(max_length=40)
    name: str = Field(max_length=200)
    entries: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    created_by_id: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


# The records of the other import types. Each has the columns every import target has
# (organisation_id, import_id, import_row, created_at, updated_at), a normalised key column
# (trimmed, case-folded) unique per organisation, and money as Numeric(12, 2) with a currency.


def _money() -> Any:
    return Field(sa_type=Numeric(12, 2))


def _optional_money() -> Any:
    return Field(default=None, sa_type=Numeric(12, 2))


class AppointmentType(SQLModel, table=True):
    """A treatment or service a client books one-to-one (a 60-minute facial)."""

    __tablename__ = "appointment_types"
    __table_args__ = (UniqueConstraint("organisation_id", "code_key"),
                      Index("ix_appointment_types_import", "import_id", "import_row"))

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    import_id: uuid.UUID | None = Field(default=None, foreign_key="imports.id")
    import_row: int | None = None
    code: str = Field(max_length=50)
    code_key: str = Field(max_length=50)
    name: str = Field(max_length=200)
    category: str | None = Field(default=None, max_length=200)
    duration_minutes: int
    buffer_minutes: int | None = None
    price: Decimal = _money()
    currency: str = Field(max_length=3)
    tax_rate: Decimal | None = Field(default=None, sa_type=Numeric(5, 2))
    online_bookable: bool = False
    description: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class SessionType(SQLModel, table=True):
    """A class many clients book into (a 45-minute spin class for 20)."""

    __tablename__ = "session_types"
    __table_args__ = (UniqueConstraint("organisation_id", "code_key"),
                      Index("ix_session_types_import", "import_id", "import_row"))

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    import_id: uuid.UUID | None = Field(default=None, foreign_key="imports.id")
    import_row: int | None = None
    code: str = Field(max_length=50)
    code_key: str = Field(max_length=50)
    name: str = Field(max_length=200)
    category: str | None = Field(default=None, max_length=200)
    level: str | None = Field(default=None, max_length=20)
    duration_minutes: int
    capacity: int
    price: Decimal = _money()
    currency: str = Field(max_length=3)
    description: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class AreaBookingType(SQLModel, table=True):
    """A bookable area (a tennis court, a sauna suite), booked in slots."""

    __tablename__ = "area_booking_types"
    __table_args__ = (UniqueConstraint("organisation_id", "code_key"),
                      Index("ix_area_booking_types_import", "import_id", "import_row"))

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    import_id: uuid.UUID | None = Field(default=None, foreign_key="imports.id")
    import_row: int | None = None
    code: str = Field(max_length=50)
    code_key: str = Field(max_length=50)
    name: str = Field(max_length=200)
    location: str | None = Field(default=None, max_length=200)
    slot_minutes: int
    capacity: int
    price: Decimal = _money()
    currency: str = Field(max_length=3)
    description: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class RetailProduct(SQLModel, table=True):
    """A product sold over the counter."""

    __tablename__ = "retail_products"
    __table_args__ = (UniqueConstraint("organisation_id", "sku_key"),
                      Index("ix_retail_products_import", "import_id", "import_row"))

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    import_id: uuid.UUID | None = Field(default=None, foreign_key="imports.id")
    import_row: int | None = None
    sku: str = Field(max_length=50)
    sku_key: str = Field(max_length=50)
    name: str = Field(max_length=200)
    barcode: str | None = Field(default=None, max_length=13)
    brand: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=200)
    price: Decimal = _money()
    cost: Decimal | None = _optional_money()
    currency: str = Field(max_length=3)
    tax_rate: Decimal | None = Field(default=None, sa_type=Numeric(5, 2))
    stock: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class InventoryProduct(SQLModel, table=True):
    """Stock kept for the business's own use (massage oil, towels), not sold."""

    __tablename__ = "inventory_products"
    __table_args__ = (UniqueConstraint("organisation_id", "sku_key"),
                      Index("ix_inventory_products_import", "import_id", "import_row"))

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    import_id: uuid.UUID | None = Field(default=None, foreign_key="imports.id")
    import_row: int | None = None
    sku: str = Field(max_length=50)
    sku_key: str = Field(max_length=50)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=20)
    supplier: str | None = Field(default=None, max_length=200)
    cost: Decimal | None = _optional_money()
    currency: str = Field(max_length=3)
    stock: int | None = None
    reorder_level: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Voucher(SQLModel, table=True):
    """A gift voucher: an amount, or a service it pays for."""

    __tablename__ = "vouchers"
    __table_args__ = (UniqueConstraint("organisation_id", "code_key"),
                      Index("ix_vouchers_import", "import_id", "import_row"))

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    import_id: uuid.UUID | None = Field(default=None, foreign_key="imports.id")
    import_row: int | None = None
    code: str = Field(max_length=50)
    code_key: str = Field(max_length=50)
    value: Decimal | None = _optional_money()
    currency: str | None = Field(default=None, max_length=3)
    service: str | None = Field(default=None, max_length=200)
    issued_on: date
    expires_on: date | None = None
    recipient_name: str | None = Field(default=None, max_length=200)
    recipient_email: str | None = Field(default=None, max_length=320)
    notes: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Package(SQLModel, table=True):
    """A bundle of appointment types and retail products sold at one price.

    `items` lists what it holds: {"type": "appointment_type" | "retail_product", "id", "code"}.
    """

    __tablename__ = "packages"
    __table_args__ = (UniqueConstraint("organisation_id", "code_key"),
                      Index("ix_packages_import", "import_id", "import_row"))

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    import_id: uuid.UUID | None = Field(default=None, foreign_key="imports.id")
    import_row: int | None = None
    code: str = Field(max_length=50)
    code_key: str = Field(max_length=50)
    name: str = Field(max_length=200)
    items: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    price: Decimal = _money()
    currency: str = Field(max_length=3)
    valid_days: int | None = None
    description: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Webhook(SQLModel, table=True):
    """A URL of an organisation's that hears about its imports (README, Webhooks)."""

    __tablename__ = "webhooks"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id", index=True)
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, sa_type=JSON)  # WebhookEvent values
    secret: str = Field(max_length=200)  # signs each delivery; never shown again
    created_by_id: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class WebhookDelivery(SQLModel, table=True):
    """One attempt to deliver one event to one webhook: the answer's status code, or why none came."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_webhook_created", "webhook_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    webhook_id: uuid.UUID = Field(foreign_key="webhooks.id", ondelete="CASCADE")
    import_id: uuid.UUID  # no foreign key: the log outlives nothing it refers to, and is never joined
    event: str = Field(max_length=40)
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    attempt: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class UploadChunk(SQLModel, table=True):
    """A piece of an uploaded file kept in the database (IMPORTER_UPLOAD_STORAGE=database):
    the file is its import's chunks in the order of `seq`, each up to 1 MiB."""

    __tablename__ = "upload_chunks"

    import_id: uuid.UUID = Field(foreign_key="imports.id", ondelete="CASCADE", primary_key=True)
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    data: bytes = Field(sa_type=LargeBinary)


class ValidationRange(SQLModel, table=True):
    """A part of a big CSV file that one message validates (domain/pipeline/ranges.py), so
    several workers share the file: its data rows `first_row`..`last_row` (the last range
    ends at the file's last row, as the first pass read it), read from byte `offset` with
    numbering after `row_before`; `done` once all its rows are
    stored, with the leading apostrophes it took off (column index -> cells) for the notice."""

    __tablename__ = "validation_ranges"

    import_id: uuid.UUID = Field(foreign_key="imports.id", ondelete="CASCADE", primary_key=True)
    run: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})  # the import's validation_run
    first_row: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_row: int | None = None
    offset: int = Field(default=0, sa_type=BigInteger)
    row_before: int = 0
    done: bool = False
    apostrophes: dict[str, int] | None = Field(default=None, sa_type=JSON)

"""The SQLModel tables. Every row belongs to one organisation."""

import enum
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored datetime is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    validated_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    imported_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    rolled_back_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ImportRow(SQLModel, table=True):
    """One record of an uploaded file, its outcome and its errors."""

    __tablename__ = "import_rows"
    __table_args__ = (
        UniqueConstraint("import_id", "row_number"),
        Index("ix_import_rows_status", "import_id", "status", "row_number"),
        Index("ix_import_rows_key", "import_id", "match_key"),
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

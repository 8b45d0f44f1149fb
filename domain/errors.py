"""The domain's errors. Each says what went wrong and what to do next."""

from __future__ import annotations

import enum
from datetime import datetime


class DomainError(Exception):
    """Root of every error a user can cause. `code` is machine-readable."""

    code = "BAD_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(DomainError):
    """No token, or a token that is unknown, revoked or expired."""

    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    """The caller's role may not do this."""

    code = "FORBIDDEN"


class NotFound(DomainError):
    """No such object in the caller's organisation."""

    code = "NOT_FOUND"

    def __init__(self, kind: str, object_id: object) -> None:
        super().__init__(f"No {kind} with id {object_id} in your organisation.")
        self.kind = kind
        self.object_id = object_id


class InvalidTransition(DomainError):
    """The import's status does not allow the requested move."""

    code = "INVALID_TRANSITION"

    def __init__(self, message: str, *, from_status: str, to_status: str) -> None:
        super().__init__(message)
        self.from_status = from_status
        self.to_status = to_status


class BadFile(DomainError):
    """The uploaded file cannot be read as a spreadsheet of this import's type."""

    code = "BAD_FILE"


class BadInput(DomainError):
    """An argument is malformed or inconsistent."""

    code = "BAD_INPUT"


class IdempotencyConflict(DomainError):
    """An idempotency key sent again with a request that differs from the first one it came with."""

    code = "IDEMPOTENCY_CONFLICT"

    def __init__(self, operation: str, key: str, expires_at: datetime) -> None:
        super().__init__(
            f"The idempotencyKey {key!r} was already used for a different {operation} request "
            f"(another file or other arguments). Send a new key for a new request; this one is "
            f"remembered until {expires_at.isoformat(timespec='seconds')}."
        )
        self.operation = operation
        self.key = key
        self.expires_at = expires_at


class LimitExceeded(DomainError):
    """A configured limit was gone over; `limit` is its value, `setting` the variable that sets it."""

    def __init__(self, message: str, *, code: str, setting: str, limit: int) -> None:
        super().__init__(message)
        self.code = code
        self.setting = setting
        self.limit = limit


class ImportErrorCode(str, enum.Enum):
    """Why validation in the background left an import ERRORED (`Import.error_code`). BAD_FILE
    and the limit codes mean what they mean when an upload is refused."""

    MISSING_REQUIRED_FIELDS = "MISSING_REQUIRED_FIELDS"
    BAD_FILE = "BAD_FILE"
    CELL_TOO_LONG = "CELL_TOO_LONG"
    TOO_MANY_COLUMNS = "TOO_MANY_COLUMNS"
    TOO_MANY_ROWS = "TOO_MANY_ROWS"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    INTERNAL_ERROR = "INTERNAL_ERROR"

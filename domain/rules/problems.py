"""Row problems: each problem with a row carries one machine-readable code (a closed list,
published as a GraphQL enum), besides the message a person reads."""

from __future__ import annotations

import enum


class RowProblemCode(str, enum.Enum):
    REQUIRED = "REQUIRED"  # a required field is blank
    TOO_LONG = "TOO_LONG"  # longer than the field allows
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_DATE = "INVALID_DATE"  # not a date, or not a real one
    AMBIGUOUS_DATE = "AMBIGUOUS_DATE"  # valid only in the other day/month order than its column's
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_BOOLEAN = "INVALID_BOOLEAN"  # not yes/no (or a consent word)
    INVALID_NUMBER = "INVALID_NUMBER"  # not a number or amount, or too many decimals
    OUT_OF_RANGE = "OUT_OF_RANGE"  # a number below the least or above the most allowed
    NOT_A_CHOICE = "NOT_A_CHOICE"  # not one of the allowed values
    INVALID_CODE = "INVALID_CODE"  # a code, SKU or reference list of the wrong shape
    INVALID_BARCODE = "INVALID_BARCODE"
    INVALID_VALUE = "INVALID_VALUE"  # another problem with one value (and problems stored before codes)
    RULE = "RULE"  # a rule across fields (e.g. a price below its cost)
    NO_MATCH_KEY = "NO_MATCH_KEY"  # an update row without a key to find its record
    ROW_SHAPE = "ROW_SHAPE"  # more filled cells than the header has columns
    DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE"  # the same unique key as an earlier row of the file
    ALREADY_EXISTS = "ALREADY_EXISTS"  # STORE: a record with this key exists in the organisation
    NOT_FOUND = "NOT_FOUND"  # UPDATE: no record has this key
    MISSING_REFERENCE = "MISSING_REFERENCE"  # a referenced record (a code, a SKU) does not exist
    WRITE_FAILED = "WRITE_FAILED"  # the record could not be written at import
    CHANGED_SINCE_IMPORT = "CHANGED_SINCE_IMPORT"  # rollback: its record changed after the import, so it was kept


class ValueProblem(ValueError):
    """A parser's refusal with its code: raise it where the kind's default code is not right
    (validation gives plain ValueErrors the default code of the field's kind)."""

    def __init__(self, message: str, code: RowProblemCode) -> None:
        super().__init__(message)
        self.code = code

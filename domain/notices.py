"""Notices: what the service decided on the user's behalf while reading a file (an encoding,
a header row, a date order...), shown on the import so a person can confirm or change it.
Each notice names the input that changes the decision (`control`)."""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from typing import Any


class NoticeCode(str, enum.Enum):
    ENCODING = "ENCODING"  # the encoding detected, and how sure
    ENCODING_UNSURE = "ENCODING_UNSURE"  # ... when the detector was not sure (a sample is shown)
    HEADER_ROW = "HEADER_ROW"  # the header is not the file's first line
    LINES_SKIPPED = "LINES_SKIPPED"  # title, blank or note lines above the header were skipped
    DATE_ORDER = "DATE_ORDER"  # the date order used for a column, and why
    DATE_ORDER_CONFLICT = "DATE_ORDER_CONFLICT"  # a column's dates prove both orders: the rows that disagree
    APOSTROPHE_REMOVED = "APOSTROPHE_REMOVED"  # a text-forcing leading apostrophe was taken off cells
    DECIMAL_SEPARATOR = "DECIMAL_SEPARATOR"  # numbers were read with a decimal comma
    COLUMN_NOT_MAPPED = "COLUMN_NOT_MAPPED"  # a column that looks like a field was left unmapped on purpose
    AUTO_START_SKIPPED = "AUTO_START_SKIPPED"  # an import asked to start by itself waits: why (a field, no valid row)


class Control(str, enum.Enum):
    """The createImport / updateImportMapping input that changes a notice's decision."""

    DATE_ORDER = "dateOrder"
    ENCODING = "encoding"
    HEADER_ROW = "headerRow"
    DECIMAL_SEPARATOR = "decimalSeparator"
    MAPPING = "mapping"


# Notices about the rows' values, made when validation ends (replaced each time).
VALUE_NOTICES = frozenset({NoticeCode.APOSTROPHE_REMOVED, NoticeCode.DECIMAL_SEPARATOR})


@dataclass(frozen=True)
class Notice:
    code: NoticeCode
    message: str  # a sentence a person reads, saying what was decided and how to change it
    column: str | None = None  # the column it is about, if one
    value: str | None = None  # the decision, as the control takes it ("MONTH_FIRST", "mac_roman", "3")
    control: Control | None = None
    sample: str | None = None  # what the decision was made from, when that helps (a line of text)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["code"] = self.code.value
        data["control"] = self.control.value if self.control else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Notice:
        control = data.get("control")
        return cls(code=NoticeCode(data["code"]), message=data["message"], column=data.get("column"),
                   value=data.get("value"), control=Control(control) if control else None,
                   sample=data.get("sample"))


def merge_notices(existing: list[dict[str, Any]] | None, new: Iterable[Notice],
                  codes: Collection[NoticeCode]) -> list[dict[str, Any]]:
    """Stored notices (`existing`, as JSON) with those of `codes` replaced by `new`: what to store
    when a step decides again what `codes` are about (other notices are kept, in their order)."""
    wanted = {NoticeCode(code).value for code in codes}
    kept = [notice for notice in existing or [] if notice.get("code") not in wanted]
    return kept + [notice.to_json() for notice in new]

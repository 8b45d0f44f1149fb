"""How a person asked for a file to be read, where the service would otherwise decide:
the date order of ambiguous date columns, the encoding, the header row, the decimal
separator. None means "decide from the file" (and say so in a notice). They are stored on
the import (its `options` JSON) with what else the person asked at upload: whether to start
it by itself once validated (`auto_start`, domain/pipeline/auto_start.py)."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any

from domain.pipeline.auto_start import AutoStart


class DateOrder(str, enum.Enum):
    """The order of day, month and year in dates like 05/11/1990 (or 90/11/05)."""

    DAY_FIRST = "day_first"  # 05/11/1990 is 5 November 1990 (UK, Europe)
    MONTH_FIRST = "month_first"  # 05/11/1990 is 11 May 1990 (US)
    YEAR_FIRST = "year_first"  # 90/11/05 is 5 November 1990

    @property
    def words(self) -> str:
        return {"day_first": "day first", "month_first": "month first", "year_first": "year first"}[self.value]


DEFAULT_DATE_ORDER = DateOrder.DAY_FIRST  # an organisation's default until it chooses another


@dataclass(frozen=True)
class ReadOptions:
    date_order: DateOrder | None = None  # for ambiguous date columns; None: the organisation's default
    encoding: str | None = None  # a Python codec name; None: detected
    header_row: int | None = None  # the header's row number in the file (1 = first line); None: found
    decimal_separator: str | None = None  # "." or ","; None: "," in a ";"-delimited file, else "."
    auto_start: AutoStart | None = None  # start by itself once validated, if sure enough; None: wait for startImport

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["date_order"] = self.date_order.value if self.date_order else None
        data["auto_start"] = self.auto_start.to_json() if self.auto_start else None
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ReadOptions:
        data = dict(data or {})
        order = data.pop("date_order", None)
        auto_start = data.pop("auto_start", None)
        return cls(date_order=DateOrder(order) if order else None,
                   auto_start=AutoStart.from_json(auto_start) if auto_start else None, **data)

    def replace(self, **changes: Any) -> ReadOptions:
        """A copy with `changes`; a change to None keeps the current value (use `clear` to drop one)."""
        current: dict[str, Any] = {"date_order": self.date_order, "encoding": self.encoding, "header_row": self.header_row,
                   "decimal_separator": self.decimal_separator, "auto_start": self.auto_start}
        current.update({key: value for key, value in changes.items() if value is not None})
        return ReadOptions(**current)

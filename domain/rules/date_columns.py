"""Each date column's day/month order, decided from its cells, and the notices that say why.

A column whose dates prove an order (13/05/1990 is day first, 05/13/1990 month first) is read
that way for every row; when rows prove both, the order more rows prove wins and the others
are listed (a tie goes to the fallback). A column where no date proves it (05/11/1990 only)
follows the order a person chose for the import (`dateOrder`), else the organisation's default.
Memory is bounded: counts and the first rows of each kind, never the column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.rules.dates import Cell, Evidence, cell_evidence, describe, plain_readings, read_cell
from domain.notices import Control, Notice, NoticeCode
from domain.options import DateOrder
from domain.rules.problems import ValueProblem

DATE_NOTICES = frozenset({NoticeCode.DATE_ORDER, NoticeCode.DATE_ORDER_CONFLICT})
ROWS_LISTED = 10  # the rows that disagree, named in a conflict notice (then "and N more")
REMEMBERED = 50_000  # distinct cell texts whose reading a column remembers
# A cell's text read: (a "no date" marker, a two-digit year, what it proves).
_Reading = tuple[bool, bool, Evidence]
_NOTHING: _Reading = (False, False, Evidence.NONE)  # a date that proves nothing and is not counted
_PROVES = {Evidence.DAY_FIRST: DateOrder.DAY_FIRST, Evidence.MONTH_FIRST: DateOrder.MONTH_FIRST}
_PART_OVER_12 = {DateOrder.DAY_FIRST: "first", DateOrder.MONTH_FIRST: "second"}


@dataclass(frozen=True)
class DateDecision:
    """The order a column is read in, and the notices that tell a person why."""

    column: str
    order: DateOrder
    message: str | None  # None when nothing was decided (no date, or only dates not in doubt)
    sample: str | None = None
    conflict: str | None = None  # a DATE_ORDER_CONFLICT message when rows prove the other order
    disagreeing_rows: tuple[int, ...] = ()  # the first of them (at most ROWS_LISTED)
    disagreeing_count: int = 0
    conflict_sample: str | None = None
    proven: bool = False  # the rows proved the order: dateOrder cannot change it

    def notices(self) -> list[Notice]:
        if self.message is None:
            return []
        control = None if self.proven else Control.DATE_ORDER
        made = [Notice(NoticeCode.DATE_ORDER, self.message, column=self.column, value=self.order.name,
                       control=control, sample=self.sample)]
        if self.conflict is not None:
            made.append(Notice(NoticeCode.DATE_ORDER_CONFLICT, self.conflict, column=self.column,
                               value=self.order.name, control=control, sample=self.conflict_sample))
        return made


@dataclass
class ColumnDates:
    """What one date column's cells prove, gathered row by row (`add`), then `decide`."""

    column: str
    today: date = field(default_factory=date.today)
    proofs: dict[DateOrder, int] = field(default_factory=lambda: dict.fromkeys(_PROVES.values(), 0))
    proof_rows: dict[DateOrder, list[tuple[int, str]]] = field(
        default_factory=lambda: {order: [] for order in _PROVES.values()})
    ambiguous: int = 0
    first_ambiguous: tuple[int, str] | None = None
    short_years: int = 0
    no_dates: int = 0
    first_no_date: str | None = None

    readings: dict[str, _Reading | None] = field(default_factory=dict, repr=False, compare=False)

    def add(self, row_number: int, text: str) -> None:
        """Count what the trimmed cell of row `row_number` proves (blank and non-dates prove nothing)."""
        self.add_all([(row_number, text)])

    def add_all(self, cells: Iterable[tuple[int, str]]) -> None:
        """`add` each (row number, trimmed cell)."""
        readings = self.readings
        for row_number, text in cells:
            if text:
                reading = readings[text] if text in readings else self._read(text)
                if reading is not None and reading != _NOTHING:
                    self._count(row_number, text, reading)

    def _count(self, row_number: int, text: str, reading: _Reading) -> None:
        no_date, short_year, kind = reading
        if no_date:
            self.no_dates += 1
            self.first_no_date = self.first_no_date or text
            return
        self.short_years += short_year
        if kind is Evidence.AMBIGUOUS:
            self.ambiguous += 1
            self.first_ambiguous = self.first_ambiguous or (row_number, text)
        elif kind in _PROVES:
            order = _PROVES[kind]
            self.proofs[order] += 1
            if len(self.proof_rows[order]) < ROWS_LISTED:
                self.proof_rows[order].append((row_number, text))

    def _read(self, text: str) -> _Reading | None:
        """What a cell's text says (None: not a date), read once per distinct text (up to REMEMBERED)."""
        if text in self.readings:
            return self.readings[text]
        reading = _reading(text, self.today)
        if len(self.readings) < REMEMBERED:
            self.readings[text] = reading
        return reading

    def decide(self, *, chosen: DateOrder | None, default: DateOrder) -> DateDecision:
        """The column's order: proven by its rows, else `chosen` (the import's dateOrder), else `default`."""
        day_first, month_first = self.proofs[DateOrder.DAY_FIRST], self.proofs[DateOrder.MONTH_FIRST]
        fallback = chosen or default
        why = "as dateOrder asks" if chosen else "this organisation's default"
        if day_first == month_first:
            order = fallback
            head = (self._unproven(order, why) if day_first == 0 else
                    f"Column '{self.column}' has as many rows proving day first as month first "
                    f"({day_first} each), so it is read {order.words}, {why}.")
        else:
            order = DateOrder.DAY_FIRST if day_first > month_first else DateOrder.MONTH_FIRST
            head = self._proven(order)
        if head is None:
            return DateDecision(self.column, order, None)
        message = " ".join(part for part in (head, self._example(order), self._extras()) if part)
        proof = self.proof_rows.get(order)
        sample = f"row {proof[0][0]}: {proof[0][1]}" if proof else None
        return self._with_conflict(DateDecision(self.column, order, message, sample,
                                                proven=day_first != month_first), why)

    def _proven(self, order: DateOrder) -> str:
        row, text = self.proof_rows[order][0]
        other = _other(order)
        because = f"row {row} has {text}: the {_PART_OVER_12[order]} part is over 12"
        if self.proofs[other] == 0:
            return f"Column '{self.column}' is read {order.words}: {because}, so this column is {order.words}."
        return (f"Column '{self.column}' is read {order.words}: {_rows(self.proofs[order])} prove it ({because}), "
                f"against {self.proofs[other]} that {_verb(self.proofs[other])} {other.words}.")

    def _unproven(self, order: DateOrder, why: str) -> str | None:
        if self.ambiguous == 0:
            if not (self.short_years or self.no_dates):
                return None
            return f"Column '{self.column}' has no date whose day and month could be swapped."
        suggestion = ("DAY_FIRST or MONTH_FIRST if it is day or month first" if order is DateOrder.YEAR_FIRST else
                      f"{_other(order).name} if it is {_other(order).words}")
        return (f"No date in column '{self.column}' proves its order (each day and month is 12 or less), "
                f"so it is read {order.words}, {why}; set dateOrder to {suggestion}.")

    def _example(self, order: DateOrder) -> str | None:
        if self.first_ambiguous is None:
            return None
        row, text = self.first_ambiguous
        cell = read_cell(text, today=self.today)
        reading = cell.readings.get(order) if cell is not None else None
        return f"So {text} (row {row}) is read as {describe(*reading)}." if reading else None

    def _extras(self) -> str:
        parts = []
        if self.short_years:
            parts.append(f"Two-digit years ({_rows(self.short_years)}) are read as {self.today.year - 99} "
                         f"to {self.today.year}.")
        if self.no_dates:
            parts.append(f"{_rows(self.no_dates, 'cell').capitalize()} written like {self.first_no_date} "
                         + ("means no date and is left empty." if self.no_dates == 1 else
                            "mean no date and are left empty."))
        return " ".join(parts)

    def _with_conflict(self, decision: DateDecision, why: str) -> DateDecision:
        """The decision, with the rows proving the other order when there are (they become errors)."""
        order = decision.order
        if order is DateOrder.YEAR_FIRST or self.proofs[_other(order)] == 0:
            return decision
        other, count = _other(order), self.proofs[_other(order)]
        first_row, first_text = self.proof_rows[other][0]
        listed = tuple(row for row, _ in self.proof_rows[other])
        tie = self.proofs[order] == count
        against = (f"as many that prove {order.words} (read {order.words}, {why})" if tie
                   else f"{self.proofs[order]} that {_verb(self.proofs[order])} {order.words}")
        which = "that row is an error; correct it" if count == 1 else "those rows are errors; correct them"
        remedy = f", or set dateOrder to {other.name} if the column is {other.words}" if tie else " in the file"
        shown = (f"row {first_row}: {first_text}" if count == 1 else
                 f"{_listing(listed, count)}; row {first_row} has {first_text}")
        conflict = (f"{_rows(count).capitalize()} of column '{self.column}' {_verb(count)} {other.words} ({shown}), "
                    f"against {against}: {which}{remedy}.")
        return DateDecision(decision.column, order, decision.message, decision.sample, conflict, listed, count,
                            conflict_sample=f"row {first_row}: {first_text}", proven=decision.proven)


def _reading(text: str, today: date) -> _Reading | None:
    readings = plain_readings(text)
    if readings is not None:
        return False, False, cell_evidence(Cell(readings))
    try:
        cell = read_cell(text, today=today)
    except ValueProblem:
        return None
    if cell is None:
        return True, False, Evidence.NONE
    return False, cell.short_year, cell_evidence(cell)


def decide_date_order(column: str, cells: Iterable[tuple[int, str]], *, chosen: DateOrder | None,
                      default: DateOrder, today: date | None = None) -> DateDecision:
    """The order of the date column `column` from its (row number, trimmed cell) pairs: proven by
    its rows, else `chosen` (the import's dateOrder, may be None), else `default` (the organisation's)."""
    dates = ColumnDates(column, today or date.today())
    for row_number, text in cells:
        dates.add(row_number, text)
    return dates.decide(chosen=chosen, default=default)


def orders_from_notices(notices: Iterable[dict[str, Any]] | None,
                        mapping: Iterable[dict[str, Any]]) -> dict[str, DateOrder]:
    """The order each date field's column was read in at validation (field name -> order), from
    an import's stored notices and mapping: what importing its rows must read them in again.
    A date column with no DATE_ORDER notice holds no date whose order is in doubt."""
    fields = {entry["column"]: entry["field"] for entry in mapping if entry.get("field")}
    return {fields[notice["column"]]: DateOrder[notice["value"]] for notice in notices or []
            if notice.get("code") == NoticeCode.DATE_ORDER.value and notice.get("column") in fields
            and notice.get("value") in DateOrder.__members__}


def _other(order: DateOrder) -> DateOrder:
    return DateOrder.MONTH_FIRST if order is DateOrder.DAY_FIRST else DateOrder.DAY_FIRST


def _listing(rows: tuple[int, ...], count: int) -> str:
    """row 12; rows 12 and 40; rows 12, 40, 41 and 7 more."""
    if count == 1:
        return f"row {rows[0]}"
    named = [str(row) for row in rows] + ([f"{count - len(rows)} more"] if count > len(rows) else [])
    return f"rows {', '.join(named[:-1])} and {named[-1]}"


def _verb(count: int) -> str:
    return "proves" if count == 1 else "prove"


def _rows(count: int, noun: str = "row") -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"

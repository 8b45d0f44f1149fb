"""Dates as exports write them, read in a column's day/month order.

Accepted: ISO dates and date-times (`1990-11-05`, `1990-11-05T14:30:00+02:00`,
`1990-11-05 00:00:00.000`: the time, and any zone, is dropped and the date kept as written),
year first (`1990/11/05`, `1990.11.05`), day or month first with `/`, `.` or `-`
(`05/11/1990`, `5.11.1990`, `05-11-1990`, a time may follow), month names in English
(`5 Nov 1990`, `5-Nov-90`, `Nov 5, 1990`, `Monday, November 5, 1990`) and two-digit years.

Two-digit years are the latest year ending in those digits that is not after this year (in
2026, `26` is 2026 and `27` is 1927). Two-digit years are mostly birthdays in client files, and
a birthday is never in the future; a fixed pivot such as Excel's (00-29 are 2000-2029) would put
someone born in 1928 in 2028. Dates meant to be in the future (an expiry) need four digits.

Cells that exports write for "no date" are blank: every digit zero (Outlook's `0/0/00`,
`00/00/0000`, MySQL's `0000-00-00`, SAP's `00.00.0000`, with or without a time), only
separators (`/  /`), and the minimum date of .NET and Go (`0001-01-01`, `1/1/0001`).
Spreadsheet serial numbers (`33182`) are not dates in a text file and stay refused.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from domain.options import DEFAULT_DATE_ORDER, DateOrder
from domain.rules.problems import RowProblemCode, ValueProblem

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
_MONTHS = {name.casefold(): number for number, full in enumerate(MONTH_NAMES, 1)
           for name in (full, full[:3], "sept" if number == 9 else full[:3])}
_WEEKDAYS = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+"
_TIME = (r"(?:(?:T|\s+)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
         r"\s*(?P<half>[AaPp]\.?[Mm]\.?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?)?")
_NUMERIC = re.compile(r"(?P<a>\d{1,4})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})" + _TIME)
_DAY_NAME = re.compile(r"(?:" + _WEEKDAYS + r")?(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]+(?:of\s+)?"
                       r"(?P<name>[A-Za-z]{3,9})\.?,?[\s-]+(?P<y>\d{4}|\d{2})" + _TIME, re.IGNORECASE)
_NAME_DAY = re.compile(r"(?:" + _WEEKDAYS + r")?(?P<name>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?"
                       r"\s+(?P<y>\d{4}|\d{2})" + _TIME, re.IGNORECASE)
_ZERO_DATE = re.compile(r"0{1,4}(?P<zsep>[/.-])0{1,2}(?P=zsep)0{1,4}" + _TIME)
_SEPARATORS_ONLY = re.compile(r"[/.\-\s]+")
_MIN_DATE = re.compile(r"(?:0001-0?1-0?1|0?1(?P<msep>[/.-])0?1(?P=msep)0001)" + _TIME)
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
# The commonest cells: a four-digit year, ASCII digits, no time (see plain_readings).
_PLAIN_YEAR_FIRST = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")  # 1990-11-05, 1990/11/5
_PLAIN_YEAR_LAST = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4})")  # 05/11/1990, 5.11.1990
_FIRST_PLAIN_YEAR = 1000  # earlier years are read_cell's: 0000 and 0001 are "no date" markers


class Evidence(str, enum.Enum):
    """What one cell says about its column's day/month order."""

    DAY_FIRST = "day_first"  # a real date day first only: 13/05/1990
    MONTH_FIRST = "month_first"  # a real date month first only: 05/13/1990
    AMBIGUOUS = "ambiguous"  # a real, different date in each order: 05/11/1990
    NONE = "none"  # nothing: blank, year first, a month name, the same date either way, not a date


@dataclass(frozen=True)
class Cell:
    """A cell read as far as it can be without its column's order."""

    # order -> (year, month, day); one entry when the form leaves no doubt (then under any order)
    readings: dict[DateOrder, tuple[int, int, int]]
    short_year: bool = False  # the year was written with two digits

    @property
    def fixed(self) -> bool:
        return len(self.readings) == 1


def read_date(text: str, order: DateOrder = DEFAULT_DATE_ORDER, *, today: date | None = None) -> date | None:
    """The date a trimmed cell holds in a column read in `order`; None for a "no date" marker.

    Raises ValueProblem: INVALID_DATE for a non-date or a date real in no order,
    AMBIGUOUS_DATE for one real only in another order than `order` (the message says which).
    """
    cell = read_cell(text, today=today)
    if cell is None:
        return None
    if order in cell.readings or cell.fixed:
        year, month, day = cell.readings.get(order) or next(iter(cell.readings.values()))
        real = _real(year, month, day)
        if real is not None:
            return real
        return _refuse_in_order(text, cell, order, (year, month, day))
    return _year_last_in_year_first_column(text, cell)


def read_cell(text: str, *, today: date | None = None) -> Cell | None:
    """The readings of a trimmed cell; None when it means "no date"; ValueProblem when it is no date."""
    if _is_no_date(text):
        return None
    match = _NUMERIC.fullmatch(text)
    if match and _time_is_real(match):
        return _numeric(text, match["a"], match["b"], match["c"], today)
    match = _DAY_NAME.fullmatch(text) or _NAME_DAY.fullmatch(text)
    if match and match["name"].casefold() in _MONTHS and _time_is_real(match):
        short = len(match["y"]) == 2
        year = _century(int(match["y"]), today) if short else int(match["y"])
        return Cell({DateOrder.DAY_FIRST: (year, _MONTHS[match["name"].casefold()], int(match["d"]))}, short)
    raise ValueProblem(_not_a_date(text), RowProblemCode.INVALID_DATE)


def plain_readings(text: str) -> dict[DateOrder, tuple[int, int, int]] | None:
    """The readings read_cell gives a cell of the commonest forms (1990-11-05, 05/11/1990: a
    year of four ASCII digits from 1000, no time), found without trying every form; None
    for any other cell, which only read_cell reads."""
    match = _PLAIN_YEAR_FIRST.fullmatch(text)
    if match is not None:
        year = int(match[1])
        return {DateOrder.YEAR_FIRST: (year, int(match[3]), int(match[4]))} if year >= _FIRST_PLAIN_YEAR else None
    match = _PLAIN_YEAR_LAST.fullmatch(text)
    if match is None or int(match[4]) < _FIRST_PLAIN_YEAR:
        return None
    first, second, year = int(match[1]), int(match[3]), int(match[4])
    return {DateOrder.DAY_FIRST: (year, second, first), DateOrder.MONTH_FIRST: (year, first, second)}


def evidence(text: str) -> Evidence:
    """What a trimmed cell proves about its column's order (see Evidence)."""
    try:
        cell = read_cell(text)
    except ValueProblem:
        return Evidence.NONE
    return Evidence.NONE if cell is None else cell_evidence(cell)


def cell_evidence(cell: Cell) -> Evidence:
    """What a read cell proves: a date real day first only, month first only, or both and different."""
    day_first = cell.readings.get(DateOrder.DAY_FIRST)
    month_first = cell.readings.get(DateOrder.MONTH_FIRST)
    if cell.fixed or day_first is None or month_first is None or day_first == month_first:
        return Evidence.NONE
    real_day_first, real_month_first = _real(*day_first) is not None, _real(*month_first) is not None
    if real_day_first and real_month_first:
        return Evidence.AMBIGUOUS
    if real_day_first:
        return Evidence.DAY_FIRST
    return Evidence.MONTH_FIRST if real_month_first else Evidence.NONE


def describe(year: int, month: int, day: int) -> str:
    """5 November 1990."""
    return f"{day} {MONTH_NAMES[month - 1]} {year}"


def _numeric(text: str, a: str, b: str, c: str, today: date | None) -> Cell:
    """Three numbers: year first (four digits first, or a first part over 31), else year last;
    all two digits with a last part of 31 or less may also be year first (yy/mm/dd)."""
    if len(a) == 4 and len(c) <= 2:
        _has_year(text, a)
        return Cell({DateOrder.YEAR_FIRST: (int(a), int(b), int(c))})
    if len(a) > 2 or len(c) not in (2, 4):
        raise ValueProblem(_not_a_date(text), RowProblemCode.INVALID_DATE)
    first, second, last = int(a), int(b), int(c)
    if len(c) == 4:
        _has_year(text, c)
        return Cell({DateOrder.DAY_FIRST: (last, second, first), DateOrder.MONTH_FIRST: (last, first, second)})
    if len(a) == 2 and first > 31:
        return Cell({DateOrder.YEAR_FIRST: (_century(first, today), second, last)}, short_year=True)
    year = _century(last, today)
    readings = {DateOrder.DAY_FIRST: (year, second, first), DateOrder.MONTH_FIRST: (year, first, second)}
    if last <= 31 and len(a) == 2:
        readings[DateOrder.YEAR_FIRST] = (_century(first, today), second, last)
    return Cell(readings, short_year=True)


def _has_year(text: str, year: str) -> None:
    if int(year) == 0:
        raise ValueProblem(f"'{text}' has no year (0000); write the year, or leave the cell empty",
                           RowProblemCode.INVALID_DATE)


def _century(two_digits: int, today: date | None) -> int:
    """The latest year ending in `two_digits` that is not after this year."""
    this_year = (today or date.today()).year
    year = this_year - this_year % 100 + two_digits
    return year if year <= this_year else year - 100


def _real(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _refuse_in_order(text: str, cell: Cell, order: DateOrder, parts: tuple[int, int, int]) -> date:
    year, month, day = parts
    # Year first is suggested only for a year-first column's cells: 29/02/27 is not 27 February 1929.
    for other, (y, m, d) in cell.readings.items():
        if other not in (order, DateOrder.YEAR_FIRST) and _real(y, m, d) is not None:
            wrong = f"month {month}" if month > 12 else f"day {day} of month {month}"
            raise ValueProblem(
                f"'{text}' is not a real date {order.words} ({wrong}); {other.words} it would be "
                f"{describe(y, m, d)} - set dateOrder to {other.name} if the column is {other.words}",
                RowProblemCode.AMBIGUOUS_DATE)
    raise ValueProblem(f"'{text}' is not a real date (day {day} of month {month} of {year})",
                       RowProblemCode.INVALID_DATE)


def _year_last_in_year_first_column(text: str, cell: Cell) -> date:
    """A year-last cell in a column read year first: fine when only one order makes it real."""
    readings = (_real(*parts) for order, parts in cell.readings.items() if order is not DateOrder.YEAR_FIRST)
    real = {reading for reading in readings if reading is not None}
    if len(real) == 1:
        return real.pop()
    year, month, day = cell.readings[DateOrder.DAY_FIRST]
    if not real:
        raise ValueProblem(f"'{text}' is not a real date (day {day} of month {month} of {year})",
                           RowProblemCode.INVALID_DATE)
    raise ValueProblem(f"'{text}' has its year last but its column is read year first; it is "
                       f"{describe(year, month, day)} day first and {describe(year, day, month)} month first - "
                       "set dateOrder to DAY_FIRST or MONTH_FIRST", RowProblemCode.AMBIGUOUS_DATE)


def _is_no_date(text: str) -> bool:
    return bool(_ZERO_DATE.fullmatch(text) or _SEPARATORS_ONLY.fullmatch(text) or _MIN_DATE.fullmatch(text))


def _time_is_real(match: re.Match[str]) -> bool:
    if match["hour"] is None:
        return True
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
    most_hours = 12 if match["half"] else 23
    return hour <= most_hours and minute <= 59 and second <= 60


def _not_a_date(text: str) -> str:
    if _SERIAL.fullmatch(text):
        return (f"'{text}' is not a date but a spreadsheet's day number; format the column as a date "
                "in the spreadsheet before saving the file")
    return f"'{text}' is not a date; write it as 1990-11-05 or 05/11/1990"

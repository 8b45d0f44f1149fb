"""The common case of each field kind, checked a column of cells at a time.

A column check takes a batch's cells of one field, trimmed (`trimmed`), and gives each its
value, or SLOW: "not decided here". SLOW never means invalid; the row of such a cell goes
through RowValidator.validate, whose parsers decide and word the problem. So every value a
column check gives must be the one the field's own check (validation.field_check) gives:

- text cells by their length; email, phone and date cells are matched to a plain shape the
  parser is known to accept as it is (an email of the common shape, a phone of digits and
  separators, an ISO or day/month-first date with a four-digit year); all else is SLOW;
- yes/no, choice and number cells take few values: the field's own check decides each
  distinct text once per validation (remembered);
- codes, barcodes and references: the field's own check, cell by cell.

Plain Python, a comprehension per column: polars and pyarrow did these checks in about half
the CPU time (0.35-0.48 s against 0.8-0.95 s per 100k client rows), but the whole validation
was no faster with them (the values go back into Python objects, row by row, to be stored),
they would need Python's own rules re-checked around them (what strip() trims, what \\d
matches), and importing either costs 55-70 MB of a process's 200.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from domain.rules.dates import plain_readings
from domain.rules.fields import common_email
from domain.options import DateOrder
from domain.rules.types.base import FieldKind, FieldSpec
from domain.rules.validation import FieldProblem

SLOW: Any = object()  # a cell the column check does not decide
REMEMBERED = 10_000  # distinct texts remembered per column (yes/no, choices, numbers)
REMEMBERED_DATES = 50_000  # ... of a date column: every day of 130 years (~6 MB)
_MISSING = object()

_PLAIN_PHONE = re.compile(r"\+?[0-9 ()./-]{5,}")
_FIVE_DIGITS = re.compile(r"(?:[^0-9]*[0-9]){5}")

Decide = Callable[[str], Any]  # a trimmed, non-blank cell in, its value or SLOW out
ColumnCheck = Callable[[Sequence[str]], list[Any]]


def trimmed(cells: Sequence[str]) -> tuple[list[str], list[int]]:
    """The cells as validation reads them (validation.cell_text): trimmed, less one leading
    apostrophe; and the positions of those whose apostrophe was taken off a value."""
    texts = [cell.strip() for cell in cells]
    quoted = [position for position, text in enumerate(texts) if text[:1] == "'"]
    for position in quoted:
        texts[position] = texts[position][1:].lstrip()
    return texts, [position for position in quoted if texts[position]]


def column_check(spec: FieldSpec, check: Callable[[str], Any], *, order: DateOrder) -> ColumnCheck:
    """The column check of the field `spec`, whose cell check (validation.field_check) is
    `check`; `order` is the day/month order of a date field's column."""
    blank = _decided(check, "")
    longest = spec.max_length
    if spec.kind is FieldKind.TEXT:
        return lambda texts: [(text if len(text) <= longest else SLOW) if text else blank for text in texts]
    decide = _decider(spec, check, order)
    return lambda texts: [(decide(text) if len(text) <= longest else SLOW) if text else blank for text in texts]


def _decider(spec: FieldSpec, check: Callable[[str], Any], order: DateOrder) -> Decide:
    if spec.kind is FieldKind.EMAIL:
        return _email
    if spec.kind is FieldKind.PHONE:
        return _phone
    if spec.kind is FieldKind.DATE:
        return _remembered(_date_reader(order), REMEMBERED_DATES)
    if spec.kind in (FieldKind.BOOLEAN, FieldKind.CHOICE, FieldKind.INTEGER, FieldKind.DECIMAL, FieldKind.MONEY):
        return _remembered(lambda text: _decided(check, text))
    return lambda text: _decided(check, text)


def _decided(check: Callable[[str], Any], text: str) -> Any:
    """The field's own check of `text`, or SLOW where it refuses (its message is the slow path's)."""
    try:
        return check(text)
    except FieldProblem:
        return SLOW


def _remembered(decide: Decide, most: int = REMEMBERED) -> Decide:
    """`decide` asked once per distinct text (up to `most` texts): for cells of few values."""
    memo: dict[str, Any] = {}

    def remembered(text: str) -> Any:
        value = memo.get(text, _MISSING)
        if value is _MISSING:
            value = decide(text)
            if len(memo) < most:
                memo[text] = value
        return value

    return remembered


def _email(text: str) -> Any:
    return text if common_email(text) else SLOW


def _phone(text: str) -> Any:
    """Digits and plain separators: fields.parse_phone keeps such a number as written."""
    return text if _PLAIN_PHONE.fullmatch(text) and _FIVE_DIGITS.match(text) else SLOW


def _date_reader(order: DateOrder) -> Decide:
    """A date of the commonest forms (dates.plain_readings) real in the column's `order`:
    the date dates.read_date gives it."""

    def read(text: str) -> Any:
        readings = plain_readings(text)
        if readings is None:
            return SLOW
        parts = readings.get(order) or (next(iter(readings.values())) if len(readings) == 1 else None)
        if parts is None:
            return SLOW
        try:
            return date(*parts)
        except ValueError:
            return SLOW

    return read

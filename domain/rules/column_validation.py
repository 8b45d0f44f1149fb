"""Validating a batch of rows column by column, with the row-by-row validator behind it.

Each mapped column of the batch is checked at once (domain/rules/fast_checks.py). A row whose every
cell the column checks took is finished as RowValidator finishes one (the match key an update
needs, the type's row rules, its key); any other row goes wholly through RowValidator.validate,
so its problems, their messages and codes are exactly those of the row-by-row path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import Any

from domain.rules.fast_checks import SLOW, ColumnCheck, column_check, trimmed
from domain.options import DEFAULT_DATE_ORDER
from domain.rules.validation import RowOutcome, RowValidator


class ColumnValidator:
    """Validates batches of rows of one file (see the module); `rows` is the row-by-row
    validator, whose apostrophe counts it keeps too."""

    def __init__(self, rows: RowValidator) -> None:
        self.rows = rows
        spec = rows.spec
        self.width = len(rows.headers)
        self.names = [name for name, _, _ in rows.checks]
        self.indexes = [index for _, index, _ in rows.checks]
        self.checks: list[ColumnCheck] = [
            column_check(spec.field(name), check, order=rows.date_orders.get(name, DEFAULT_DATE_ORDER))
            for name, _, check in rows.checks]
        # A field with no column that a blank does not satisfy fails every row: all row by row.
        self.usable = None not in self.indexes

    def validate(self, rows: Sequence[Sequence[str]]) -> Iterator[RowOutcome]:
        """The outcome of each row (its cells as read), in order, each made when it is asked
        for (so the batch's outcomes are not all kept at once)."""
        if not self.usable:
            return map(self.rows.validate, rows)
        slow, columns = self._check_columns(rows)
        by_row = zip(*columns, strict=True) if columns else repeat((), len(rows))
        return (self.rows.validate(cells) if position in slow else self._fast(cells, decided)
                for position, (cells, decided) in enumerate(zip(rows, by_row, strict=True)))

    def _check_columns(self, rows: Sequence[Sequence[str]]) -> tuple[set[int], list[list[Any]]]:
        """The positions of the rows to validate row by row, and each column's values (SLOW
        where not decided). Counts the apostrophes of the other rows (validate counts its own)."""
        slow = self._misshapen(rows)
        columns: list[list[Any]] = []
        marks: list[tuple[int, list[int]]] = []
        for index, check in zip(self.indexes, self.checks, strict=True):
            assert index is not None  # self.usable
            texts, marked = trimmed(_column(rows, index))
            values = check(texts)
            if SLOW in values:
                slow.update(position for position, value in enumerate(values) if value is SLOW)
            columns.append(values)
            marks.append((index, marked))
        for index, marked in marks:
            taken = sum(1 for position in marked if position not in slow)
            if taken:
                self.rows.apostrophes[index] += taken
        return slow, columns

    def _misshapen(self, rows: Sequence[Sequence[str]]) -> set[int]:
        """The positions of rows with a value beyond the header's columns."""
        width = self.width
        return {position for position, cells in enumerate(rows)
                if len(cells) > width and any(cell.strip() for cell in cells[width:])}

    def _fast(self, cells: Sequence[str], decided: tuple[Any, ...]) -> RowOutcome:
        values = dict(self.rows.template)
        values.update(zip(self.names, decided, strict=True))
        return self.rows.complete(values, cells)


def _column(rows: Sequence[Sequence[str]], index: int) -> list[str]:
    """The cells of column `index`; a short row's missing cell is blank."""
    try:
        return [cells[index] for cells in rows]
    except IndexError:
        return [cells[index] if index < len(cells) else "" for cells in rows]

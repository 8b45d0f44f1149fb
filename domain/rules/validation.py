"""Row validation: the cells of one row in, an outcome out (values, or field errors)."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.rules.dates import read_date
from domain.rules.fields import parser_for
from domain.options import DEFAULT_DATE_ORDER, DateOrder
from domain.notices import Notice, NoticeCode
from domain.rules.problems import RowProblemCode, ValueProblem
from domain.rules.types.base import FieldKind, FieldSpec, ImportTypeSpec


@dataclass
class RowOutcome:
    """`values` when the row is valid, else `errors` (one dict per problem)."""

    values: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    key: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors


FORMULA_STARTS = ("=", "+", "-", "@")  # what queries.neutralise quotes in reports and templates


def cell_text(cells: Sequence[str], index: int | None) -> str:
    """A cell trimmed, less one leading apostrophe: the quote spreadsheet exports put before a
    value to keep it text (`'7210448301100`), and the one the error report and templates put
    before a formula-like start (so a report fixed and uploaded again validates)."""
    text = "" if index is None or index >= len(cells) else cells[index].strip()
    return text[1:].lstrip() if text[:1] == "'" else text


# The code of a value a field's parser refuses with a plain ValueError, by the field's kind.
KIND_PROBLEMS = {
    FieldKind.TEXT: RowProblemCode.INVALID_VALUE,
    FieldKind.EMAIL: RowProblemCode.INVALID_EMAIL,
    FieldKind.DATE: RowProblemCode.INVALID_DATE,
    FieldKind.BOOLEAN: RowProblemCode.INVALID_BOOLEAN,
    FieldKind.PHONE: RowProblemCode.INVALID_PHONE,
    FieldKind.INTEGER: RowProblemCode.INVALID_NUMBER,
    FieldKind.DECIMAL: RowProblemCode.INVALID_NUMBER,
    FieldKind.MONEY: RowProblemCode.INVALID_NUMBER,
    FieldKind.CHOICE: RowProblemCode.NOT_A_CHOICE,
    FieldKind.BARCODE: RowProblemCode.INVALID_BARCODE,
    FieldKind.CODE: RowProblemCode.INVALID_CODE,
    FieldKind.REFERENCES: RowProblemCode.INVALID_CODE,
}


class FieldProblem(ValueError):
    """One field's cell cannot be taken: the message a person reads, and its code."""

    def __init__(self, message: str, code: RowProblemCode = RowProblemCode.INVALID_VALUE) -> None:
        super().__init__(message)
        self.code = code


def field_check(spec: FieldSpec, *, partial: bool, parse: Callable[[str], Any] | None = None,
                required: bool | None = None, decimal_separator: str = ".") -> Callable[[str], Any]:
    """A trimmed cell of the field in, its value out, or FieldProblem.

    `partial` (for updates): a blank cell is None, whether the field is required or not. `parse`
    replaces the parser of the field's kind; a parser's None (a date cell of 0/0/00) is blank.
    Plain functions rather than a pydantic model per row: this runs once per cell of
    every row, twice per import, and a model per row cost more than the parsing itself.
    """
    blank = None if partial or spec.kind is not FieldKind.BOOLEAN else False
    required = (spec.required if required is None else required) and not partial
    parse = parse or parser_for(spec, decimal_separator=decimal_separator)

    def check(text: str) -> Any:
        if not text:
            if required:
                raise FieldProblem(f"{spec.label} is required", RowProblemCode.REQUIRED)
            return blank
        if len(text) > spec.max_length:
            raise FieldProblem(f"{spec.label} is {len(text)} characters long; the most is {spec.max_length}",
                               RowProblemCode.TOO_LONG)
        try:
            value = parse(text)
        except ValueProblem as problem:
            raise FieldProblem(str(problem), problem.code) from None
        except ValueError as error:
            raise FieldProblem(str(error), KIND_PROBLEMS[spec.kind]) from None
        if value is None and required:
            raise FieldProblem(f"{spec.label} is required; '{text}' means no value", RowProblemCode.REQUIRED)
        return blank if value is None else value

    return check


class RowValidator:
    """Validates rows of one file against one type, through one mapping.

    `mapping` maps a column index to a field name (unmapped columns are ignored). With
    `partial` (UPDATE and UPSERT imports) blank cells are allowed, as they leave a value as
    it is, but a row must hold one of the type's match keys. `date_orders` gives the order
    each date field's column is read in (field name -> order; a field left out is day first).
    """

    def __init__(
        self, spec: ImportTypeSpec, headers: Sequence[str], mapping: dict[int, str], *, partial: bool = False,
        date_orders: Mapping[str, DateOrder] | None = None, decimal_separator: str = ".",
    ) -> None:
        self.spec = spec
        self.partial = partial
        self.headers = list(headers)
        self.mapping = dict(mapping)
        self.columns = {name: index for index, name in self.mapping.items()}
        self.date_orders = orders = dict(date_orders or {})
        needed = set(spec.required_given(set(self.columns)))  # a full name stands in for its parts
        checks = [(item.name, self.columns.get(item.name),
                   field_check(item, partial=partial, parse=_date_parser(item, orders),
                               required=item.name in needed, decimal_separator=decimal_separator))
                  for item in spec.fields]
        # An unmapped field's value is the same on every row: decided once, here.
        self.template: dict[str, Any] = {name: _blank_value(check) if index is None else None
                                         for name, index, check in checks}
        self.checks = [(name, index, check) for name, index, check in checks
                       if index is not None or self.template[name] is _NOT_BLANK]
        self.apostrophes: Counter[int] = Counter()  # column index -> cells a leading apostrophe was taken off

    def validate(self, cells: Sequence[str]) -> RowOutcome:
        """A row's values, or its problems. Cells beyond the header's columns may only be
        blank (trailing separators); a short row's missing cells are blank."""
        width = len(cells)
        if width > len(self.headers) and any(cell.strip() for cell in cells[len(self.headers):]):
            return RowOutcome(errors=[self._shape_error(cells)])
        values = dict(self.template)
        errors: list[dict[str, Any]] = []
        for name, index, check in self.checks:  # cell_text inlined: this runs for every cell of the file
            text = cells[index].strip() if index is not None and index < width else ""
            if text[:1] == "'" and index is not None:
                text = text[1:].lstrip()
                if text:
                    self.apostrophes[index] += 1
            try:
                values[name] = check(text)
            except FieldProblem as problem:
                errors.append(self._field_error(name, str(problem), text, problem.code))
        if errors:
            return RowOutcome(errors=errors)
        return self.complete(values, cells)

    def validate_taken(self, cells: Sequence[str], taken: dict[str, Any]) -> RowOutcome:
        """What validate(cells) gives, for a row a partial validator of the same file took as
        `taken` (UPSERT: could it create a record?). Only the fields `taken` has as None are
        checked again: a cell partial validation read as a value is read here as the same one
        (the same parsers), and a blank one (or 0/0/00) may be required, or a yes/no's no.
        Apostrophes are not counted: the partial validator counted them."""
        values = dict(self.template)
        errors: list[dict[str, Any]] = []
        for name, index, check in self.checks:
            value = taken[name]
            if value is None:
                text = cell_text(cells, index)
                try:
                    value = check(text)
                except FieldProblem as problem:
                    errors.append(self._field_error(name, str(problem), text, problem.code))
                    continue
            values[name] = value
        if errors:
            return RowOutcome(errors=errors)
        return self.complete(values, cells)

    def complete(self, values: dict[str, Any], cells: Sequence[str]) -> RowOutcome:
        """The outcome of a row whose every cell was taken (`values`, of each field): the match
        key an update needs, the type's row rules, the row's unique key."""
        if self.partial and all(values.get(name) in (None, "") for name in self.spec.match_keys):
            return RowOutcome(errors=[self._no_match_key()])
        if self.spec.check is not None:
            known = {k: v for k, v in values.items() if v is not None} if self.partial else values
            problems = self.spec.check(known)
            if problems:
                return RowOutcome(errors=[self._field_error(name, message, cell_text(cells, self.columns.get(name)),
                                                            RowProblemCode.RULE)
                                          for name, message in problems])
        unique = values.get(self.spec.unique_field)
        key = self.spec.unique_key(unique) if unique is not None else None
        return RowOutcome(values=values, key=key)

    def _no_match_key(self) -> dict[str, Any]:
        labels = " or ".join(self.spec.field(name).label.lower() for name in self.spec.match_keys)
        return {"column": None, "field": None, "value": None, "code": RowProblemCode.NO_MATCH_KEY.value,
                "message": f"This row needs a {labels} to find the record to update"}

    def _shape_error(self, cells: Sequence[str]) -> dict[str, Any]:
        filled = max(i for i, cell in enumerate(cells) if cell.strip()) + 1
        return {
            "column": None,
            "field": None,
            "value": None,
            "code": RowProblemCode.ROW_SHAPE.value,
            "message": f"This row has values in {filled} cells but the header has only {len(self.headers)} columns",
        }

    def _field_error(self, name: str, message: str, text: str, code: RowProblemCode) -> dict[str, Any]:
        index = self.columns.get(name)
        return {"column": self.headers[index] if index is not None else None, "field": name,
                "value": text or None, "message": message, "code": code.value}


_NOT_BLANK = object()  # an unmapped field that a blank cell does not satisfy: checked on each row


def _blank_value(check: Callable[[str], Any]) -> Any:
    try:
        return check("")
    except FieldProblem:
        return _NOT_BLANK


def _date_parser(spec: FieldSpec, orders: Mapping[str, DateOrder]) -> Callable[[str], Any] | None:
    """A date field's parser in its column's order; None (the kind's parser) for other fields."""
    if spec.kind is not FieldKind.DATE:
        return None
    return functools.partial(read_date, order=orders.get(spec.name, DEFAULT_DATE_ORDER))


def apostrophe_notices(headers: list[str], apostrophes: Mapping[int, int]) -> list[Notice]:
    """One notice per column whose cells lost a leading apostrophe (spreadsheets' mark for
    text): `apostrophes` is column index -> cells, as RowValidator.apostrophes counts them."""
    return [Notice(NoticeCode.APOSTROPHE_REMOVED, column=headers[index],
                   message=f"The leading apostrophe of {count:,} cell(s) of {headers[index]!r} was taken "
                           "off ('7210448301100 is stored as 7210448301100): spreadsheets and exports put it "
                           "there to keep a value as text.")
            for index, count in sorted(apostrophes.items())]

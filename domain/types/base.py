"""How an import type is declared: its fields, keys and the table its records go to."""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import SQLModel

# The currencies an amount may be in (ISO 4217); a blank currency is DEFAULT_CURRENCY.
CURRENCIES = ("GBP", "EUR", "USD", "AUD", "CAD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK",
              "AED", "ZAR", "SGD", "HKD")
DEFAULT_CURRENCY = "GBP"


class FieldKind(str, enum.Enum):
    TEXT = "text"
    EMAIL = "email"
    DATE = "date"
    BOOLEAN = "boolean"
    PHONE = "phone"
    INTEGER = "integer"  # a whole number, within minimum/maximum
    DECIMAL = "decimal"  # an exact number with at most 2 decimal places (a tax rate in %)
    MONEY = "money"  # an exact amount with at most 2 decimal places; a leading £ $ or € is allowed
    CHOICE = "choice"  # one of `allowed`, in any case; a near miss is suggested
    BARCODE = "barcode"  # EAN-13, UPC-A or EAN-8 with a valid check digit
    CODE = "code"  # a code or SKU: letters, digits and - _ . /; compared without regard to case
    REFERENCES = "references"  # codes or SKUs separated by ';'


@dataclass(frozen=True)
class FieldSpec:
    """One field of an import type, as a mapping screen shows it and validation checks it."""

    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    max_length: int = 200
    aliases: tuple[str, ...] = ()
    example: str = ""
    description: str = ""
    allowed: tuple[str, ...] = ()  # CHOICE: the values accepted (in any case), stored as written here
    minimum: int | None = None  # INTEGER, DECIMAL and MONEY: the least value accepted
    maximum: int | None = None  # INTEGER, DECIMAL and MONEY: the greatest value accepted


@dataclass(frozen=True)
class ImportTypeSpec:
    """An import type: one declarative definition per kind of record.

    `unique_field` must be unique within a file and within an organisation: its
    `unique_key` (trimmed, case-folded) is stored in the model's `unique_column`. `record`
    turns a validated row into the columns of `model`, which also has `organisation_id`,
    `import_id` and `import_row` columns.
    """

    name: str
    label: str
    model: type[SQLModel]
    fields: tuple[FieldSpec, ...]
    unique_field: str
    unique_column: str
    match_keys: tuple[str, ...]
    record: Callable[[Mapping[str, Any]], dict[str, Any]] = field(default=dict)
    # Row-level rules run after each field parsed: (field, message) per problem. In UPDATE
    # and UPSERT a blank cell leaves a value as it is, so its field is absent from the dict.
    check: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = None
    # References to existing records, checked when a chunk is written:
    # resolve(session, organisation_id, values_list) gives, per row, (message, None) for a
    # row error or (None, values) with the references resolved.
    resolve: Callable[[Any, Any, list[dict[str, Any]]], list[tuple[str | None, dict[str, Any] | None]]] | None = None

    def field(self, name: str) -> FieldSpec:
        return self._by_name[name]

    @functools.cached_property
    def _by_name(self) -> dict[str, FieldSpec]:
        return {spec.name: spec for spec in self.fields}

    @functools.cached_property
    def boolean_fields(self) -> frozenset[str]:
        return frozenset(spec.name for spec in self.fields if spec.kind is FieldKind.BOOLEAN)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields if spec.required)

    def unique_key(self, value: Any) -> str:
        return str(value).strip().casefold()

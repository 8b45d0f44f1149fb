"""How an import type is declared: its fields, keys and the table its records go to."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Collection, Mapping
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


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_E_MAIL = re.compile(r"\be[\s_-]?mail")
_WORD = re.compile(r"[0-9a-z]+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def header_words(header: str) -> tuple[str, ...]:
    """A header's words, lower case: 'AcceptsSMSMarketing' and 'accepts_sms_marketing' are
    (accepts, sms, marketing); 'E-mail' is one word, email."""
    return tuple(_WORD.findall(_E_MAIL.sub("email", _CAMEL.sub(" ", header).casefold())))


@dataclass(frozen=True)
class Refusal:
    """Columns a field is never proposed for, however close their name: a header holding one
    of `words` (a word or words in a row, also written as one: 'opt out', 'optout'), or
    equal to one of `headers` (compared as letters and digits only). `reason` completes
    "'<column>' ...", e.g. "is consent to texts, not to email"; `explained` says whether a
    column left unmapped for it gets a notice (not for the obvious: an opt-in's IP address)."""

    reason: str
    words: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    explained: bool = True

    def applies_to(self, header: str) -> bool:
        if _NOT_ALNUM.sub("", header.casefold()) in {_NOT_ALNUM.sub("", h) for h in self.headers}:
            return True
        found = header_words(header)
        # Runs of the header's words, split and joined: 'WhatsApp' is (whats, app) and whatsapp.
        runs = {run for i in range(len(found)) for j in range(i + 1, len(found) + 1)
                for run in (found[i:j], "".join(found[i:j]))}
        return any(tuple(phrase.split()) in runs or "".join(phrase.split()) in runs for phrase in self.words)


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
    consent: bool = False  # BOOLEAN: consent to be contacted; also takes the words exports write (subscribed...)
    required_unless: tuple[str, ...] = ()  # a required field is not required when one of these fields is mapped
    fills: tuple[str, ...] = ()  # fields this one fills when they are blank (full_name: first and last name)
    refuses: tuple[Refusal, ...] = ()  # columns never proposed for this field, and why

    def refusal(self, header: str) -> Refusal | None:
        """The reason this field is never proposed for `header`, or None."""
        return next((refusal for refusal in self.refuses if refusal.applies_to(header)), None)


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

    def required_given(self, mapped: Collection[str]) -> tuple[str, ...]:
        """The fields a mapping must map, given the fields it maps: each required field,
        unless a field of its `required_unless` is mapped (first_name, unless full_name is)."""
        return tuple(spec.name for spec in self.fields
                     if spec.required and not any(other in mapped for other in spec.required_unless))

    def unique_key(self, value: Any) -> str:
        return str(value).strip().casefold()

"""Fields and record helpers the catalogue types share: codes, names, money."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.rules.types.base import CURRENCIES, DEFAULT_CURRENCY, FieldKind, FieldSpec


def keyed(field: str, *, money: bool = True) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """A record maker: the row's values, `<field>_key` (trimmed, case-folded), and, for a new
    record with a blank currency, the default currency."""

    def record(values: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(values)
        if out.get(field) is not None:
            out[f"{field}_key"] = str(out[field]).strip().casefold()
        if money and "currency" in out and out["currency"] is None:
            out["currency"] = DEFAULT_CURRENCY
        return out

    return record


def code(label: str = "Code", *, example: str, aliases: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(
        "code", label, FieldKind.CODE, required=True, max_length=50,
        aliases=("code", "service code", "id", "ref", "reference", *aliases), example=example,
        description="Unique per organisation and within the file, compared without regard to case and "
                    "surrounding spaces; the match key for update and upsert.",
    )


def name(example: str) -> FieldSpec:
    return FieldSpec("name", "Name", required=True, aliases=("title", "service", "service name"), example=example)


def category(example: str) -> FieldSpec:
    return FieldSpec("category", "Category", aliases=("group", "department", "type"), example=example)


def money(name: str, label: str, *, required: bool = False, example: str = "45.00",
          aliases: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(
        name, label, FieldKind.MONEY, required=required, max_length=20, minimum=0, maximum=9_999_999_999,
        aliases=aliases, example=example,
        description="An exact amount with at most 2 decimal places, e.g. 45, 45.50 or £1,200.00 (a sign £ $ or € "
                    "before or after it); never negative. With a decimal comma (a ';'-separated file, or decimal "
                    "separator ','): 45,50 or 1.200,00 €.",
    )


def currency() -> FieldSpec:
    return FieldSpec(
        "currency", "Currency", FieldKind.CHOICE, max_length=3, allowed=CURRENCIES,
        aliases=("curr", "ccy", "currency code"), example="GBP",
        description=f"An ISO 4217 code of the allowed list; blank is {DEFAULT_CURRENCY}.",
    )


def minutes(name: str, label: str, *, required: bool = True, minimum: int = 5, maximum: int = 1440,
            example: str = "60", aliases: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(
        name, label, FieldKind.INTEGER, required=required, max_length=10, minimum=minimum, maximum=maximum,
        aliases=aliases, example=example, description=f"Whole minutes, {minimum} to {maximum}.",
    )


def tax_rate() -> FieldSpec:
    return FieldSpec(
        "tax_rate", "Tax rate", FieldKind.DECIMAL, max_length=10, minimum=0, maximum=100,
        aliases=("vat", "vat rate", "tax", "tax %", "vat %"), example="20",
        description="A percentage, 0 to 100, e.g. 20, 17.5 or 20%; 17,5 with a decimal comma.",
    )


def description() -> FieldSpec:
    return FieldSpec("description", "Description", max_length=5000, aliases=("details", "notes", "about"),
                     example="")

"""The `voucher` import type: gift vouchers, for an amount or for a service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.models import Voucher
from domain.rules.types.base import DEFAULT_CURRENCY, FieldKind, FieldSpec, ImportTypeSpec
from domain.rules.types.common import code, currency, money


def _record(values: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if out.get("code") is not None:
        out["code_key"] = out["code"].strip().casefold()
    if out.get("value") is not None and out.get("currency") is None:
        out["currency"] = DEFAULT_CURRENCY
    return out


def _check(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Expiry after issue; a value or a service, not both. In an update a blank cell is
    absent from `values` and keeps the stored value, so a rule needing it is skipped."""
    problems = []
    issued, expires = values.get("issued_on"), values.get("expires_on")
    if issued is not None and expires is not None and expires <= issued:
        message = f"The expiry date {expires.isoformat()} is not after the issue date {issued.isoformat()}"
        problems.append(("expires_on", message))
    if "value" in values and "service" in values:
        if values["value"] is None and values["service"] is None:
            problems.append(("value", "A voucher needs a value or the service it pays for"))
        elif values["value"] is not None and values["service"] is not None:
            problems.append(("service", "A voucher has a value or a service it pays for, not both"))
    if values.get("currency") is not None and "value" in values and values["value"] is None:
        problems.append(("currency", "A currency goes with a value, and this voucher has none"))
    return problems


VOUCHER = ImportTypeSpec(
    name="voucher",
    label="Vouchers",
    model=Voucher,
    unique_field="code",
    unique_column="code_key",
    match_keys=("code",),
    record=_record,
    check=_check,
    fields=(
        code("Voucher code", example="GIFT-2024-0001", aliases=("voucher code", "voucher", "voucher number",
                                                                  "certificate", "gift card")),
        money("value", "Value", example="50.00", aliases=("amount", "balance", "face value")),
        currency(),
        FieldSpec("service", "Service", aliases=("treatment", "for service", "redeemable for", "package"),
                  example="Signature facial",
                  description="The treatment or class the voucher pays for, instead of a value."),
        FieldSpec("issued_on", "Issue date", FieldKind.DATE, required=True,
                  aliases=("issued", "issue date", "purchase date", "sold on", "date issued"), example="2024-12-01",
                  description="2024-12-01, 01/12/2024 or 12/01/2024: day or month first as the column's dates "
                              "show, else dateOrder."),
        FieldSpec("expires_on", "Expiry date", FieldKind.DATE,
                  aliases=("expires", "expiry", "expiry date", "valid until", "expiration date"), example="2025-12-01",
                  description="After the issue date; blank never expires. Write four-digit years: a two-digit "
                              "year is never read as one in the future."),
        FieldSpec("recipient_name", "Recipient name", aliases=("recipient", "to", "for"), example="Grace Hopper"),
        FieldSpec("recipient_email", "Recipient email", FieldKind.EMAIL, max_length=320,
                  aliases=("recipient email", "email", "to email"), example="grace@example.com"),
        FieldSpec("notes", "Notes", max_length=5000, aliases=("note", "message", "comments"), example=""),
    ),
)

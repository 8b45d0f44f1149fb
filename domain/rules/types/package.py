"""The `package` import type: a bundle of existing appointment types and retail products."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, select

from domain.models import AppointmentType, Package, RetailProduct
from domain.rules.types.base import FieldKind, FieldSpec, ImportTypeSpec
from domain.rules.types.common import code, currency, description, keyed, money, name


def _resolve(session: Session, organisation_id: uuid.UUID,
             rows: list[dict[str, Any]]) -> list[tuple[str | None, dict[str, Any] | None]]:
    """Each row's items as the appointment types (by code) and retail products (by SKU) they
    name, or a message naming those that do not exist."""
    keys = {item.strip().casefold() for values in rows for item in (values.get("items") or ())}
    found: dict[str, dict[str, Any]] = {}
    if keys:
        for product in session.exec(select(RetailProduct).where(
                RetailProduct.organisation_id == organisation_id, col(RetailProduct.sku_key).in_(keys))):
            found[product.sku_key] = {"type": "retail_product", "id": product.id, "code": product.sku}
        for service in session.exec(select(AppointmentType).where(
                AppointmentType.organisation_id == organisation_id, col(AppointmentType.code_key).in_(keys))):
            found[service.code_key] = {"type": "appointment_type", "id": service.id, "code": service.code}
    answers: list[tuple[str | None, dict[str, Any] | None]] = []
    for values in rows:
        items = values.get("items")
        if items is None:
            answers.append((None, values))
            continue
        missing = [item for item in items if item.strip().casefold() not in found]
        if missing:
            names = ", ".join(missing)
            message = f"No appointment type or retail product with code {names} exists; import it before the package"
            answers.append((message, None))
        else:
            answers.append((None, {**values, "items": [found[item.strip().casefold()] for item in items]}))
    return answers


PACKAGE = ImportTypeSpec(
    name="package",
    label="Packages",
    model=Package,
    unique_field="code",
    unique_column="code_key",
    match_keys=("code",),
    record=keyed("code"),
    resolve=_resolve,
    fields=(
        code(example="PAMPER1", aliases=("package code", "bundle code")),
        name("Pamper day"),
        FieldSpec("items", "Items", FieldKind.REFERENCES, required=True, max_length=2000,
                  aliases=("contents", "includes", "services", "products", "bundle"), example="FACIAL60; SKU-123",
                  description="Codes of existing appointment types and SKUs of existing retail products, "
                              "separated by ';'. A code that does not exist is an error on the row."),
        money("price", "Price", required=True, example="120.00", aliases=("package price", "fee", "cost")),
        currency(),
        FieldSpec("valid_days", "Valid for (days)", FieldKind.INTEGER, max_length=10, minimum=1, maximum=3650,
                  aliases=("validity", "valid for", "expires after", "days valid"), example="365",
                  description="Days from purchase the package can be used, 1 to 3650."),
        description(),
    ),
)

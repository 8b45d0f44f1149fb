"""The registry of import types. Adding a type is one module and one line here."""

from domain.errors import BadInput
from domain.types.base import FieldKind, FieldSpec, ImportTypeSpec
from domain.types.client import CLIENT

IMPORT_TYPES: dict[str, ImportTypeSpec] = {spec.name: spec for spec in (CLIENT,)}

# Every type of the reference Import object; those not in IMPORT_TYPES are not yet built.
ALL_TYPE_NAMES = (
    "client", "premier_core", "appointment_type", "session_type", "area_booking_type",
    "retail_product", "package", "inventory_product", "voucher",
)


def get_type(name: str) -> ImportTypeSpec:
    try:
        return IMPORT_TYPES[name]
    except KeyError:
        available = ", ".join(sorted(IMPORT_TYPES))
        raise BadInput(f"Import type {name!r} is not available yet; available: {available}.") from None


__all__ = ["ALL_TYPE_NAMES", "IMPORT_TYPES", "FieldKind", "FieldSpec", "ImportTypeSpec", "get_type"]

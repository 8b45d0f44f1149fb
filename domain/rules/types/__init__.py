"""The registry of import types. Adding a type is one module and one line here."""

from domain.errors import BadInput
from domain.rules.types.appointment_type import APPOINTMENT_TYPE
from domain.rules.types.area_booking_type import AREA_BOOKING_TYPE
from domain.rules.types.base import FieldKind, FieldSpec, ImportTypeSpec
from domain.rules.types.client import CLIENT
from domain.rules.types.inventory_product import INVENTORY_PRODUCT
from domain.rules.types.package import PACKAGE
from domain.rules.types.premier_core import PREMIER_CORE
from domain.rules.types.retail_product import RETAIL_PRODUCT
from domain.rules.types.session_type import SESSION_TYPE
from domain.rules.types.voucher import VOUCHER

IMPORT_TYPES: dict[str, ImportTypeSpec] = {
    spec.name: spec
    for spec in (CLIENT, PREMIER_CORE, APPOINTMENT_TYPE, SESSION_TYPE, AREA_BOOKING_TYPE, RETAIL_PRODUCT,
                 PACKAGE, INVENTORY_PRODUCT, VOUCHER)
}

def get_type(name: str) -> ImportTypeSpec:
    try:
        return IMPORT_TYPES[name]
    except KeyError:
        available = ", ".join(sorted(IMPORT_TYPES))
        raise BadInput(f"There is no import type {name!r}; the types: {available}.") from None


__all__ = ["IMPORT_TYPES", "FieldKind", "FieldSpec", "ImportTypeSpec", "get_type"]

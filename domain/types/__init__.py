"""The registry of import types. Adding a type is one module and one line here."""

from domain.errors import BadInput
from domain.types.appointment_type import APPOINTMENT_TYPE
from domain.types.area_booking_type import AREA_BOOKING_TYPE
from domain.types.base import FieldKind, FieldSpec, ImportTypeSpec
from domain.types.client import CLIENT
from domain.types.inventory_product import INVENTORY_PRODUCT
from domain.types.package import PACKAGE
from domain.types.premier_core import PREMIER_CORE
from domain.types.retail_product import RETAIL_PRODUCT
from domain.types.session_type import SESSION_TYPE
from domain.types.voucher import VOUCHER

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

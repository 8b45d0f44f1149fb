"""The `inventory_product` import type: stock kept for the business's own use."""

from domain.models import InventoryProduct
from domain.rules.types.base import FieldKind, FieldSpec, ImportTypeSpec
from domain.rules.types.common import currency, keyed, money
from domain.rules.types.retail_product import SKU_DESCRIPTION

UNITS = ("each", "pack", "box", "pair", "ml", "l", "g", "kg", "minutes")

INVENTORY_PRODUCT = ImportTypeSpec(
    name="inventory_product",
    label="Inventory products",
    model=InventoryProduct,
    unique_field="sku",
    unique_column="sku_key",
    match_keys=("sku",),
    record=keyed("sku"),
    fields=(
        FieldSpec("sku", "SKU", FieldKind.CODE, required=True, max_length=50,
                  aliases=("sku code", "product code", "item code", "stock code", "code", "variant sku"),
                  example="INV-OIL-5L",
                  description=SKU_DESCRIPTION),
        FieldSpec("name", "Name", required=True, aliases=("product", "product name", "item", "title", "item name"),
                  example="Massage oil 5l"),
        FieldSpec("unit", "Unit", FieldKind.CHOICE, required=True, max_length=20, allowed=UNITS,
                  aliases=("uom", "unit of measure", "units", "measure"), example="l",
                  description="How stock is counted: " + ", ".join(UNITS) + "."),
        FieldSpec("supplier", "Supplier", aliases=("vendor", "supplied by", "wholesaler", "default vendor name"),
                  example="Spa Supplies Ltd"),
        money("cost", "Cost", example="38.00",
              aliases=("cost price", "unit cost", "buy price", "price", "cost per item", "default unit cost")),
        currency(),
        FieldSpec("stock", "Stock", FieldKind.INTEGER, max_length=10, minimum=0, maximum=1_000_000,
                  aliases=("qty", "quantity", "stock level", "on hand", "in stock", "variant inventory qty"),
                  example="6",
                  description="Units in stock, a whole number from 0."),
        FieldSpec("reorder_level", "Reorder level", FieldKind.INTEGER, max_length=10, minimum=0, maximum=1_000_000,
                  aliases=("reorder", "reorder point", "min stock", "minimum stock"), example="2",
                  description="Reorder when stock falls to this."),
    ),
)

"""The `retail_product` import type: products sold over the counter.

Aliases also name the columns of Shopify's product CSV (`Title`, `Vendor`, `Variant SKU`,
`Variant Price`, `Variant Barcode`, `Variant Inventory Qty`, `Cost per item`) and Square's
item library export (`Item Name`, `SKU`, `GTIN`, `Price`, `Default Unit Cost`)."""

from domain.models import RetailProduct
from domain.rules.types.base import FieldKind, FieldSpec, ImportTypeSpec
from domain.rules.types.common import category, currency, keyed, money, tax_rate

SKU_DESCRIPTION = ("Unique per organisation and within the file, compared without regard to case and "
                   "surrounding spaces; the match key for update and upsert.")

RETAIL_PRODUCT = ImportTypeSpec(
    name="retail_product",
    label="Retail products",
    model=RetailProduct,
    unique_field="sku",
    unique_column="sku_key",
    match_keys=("sku",),
    record=keyed("sku"),
    fields=(
        FieldSpec("sku", "SKU", FieldKind.CODE, required=True, max_length=50,
                  aliases=("sku code", "product code", "item code", "stock code", "code", "variant sku"),
                  example="SKU-123",
                  description=SKU_DESCRIPTION),
        FieldSpec("name", "Name", required=True, aliases=("product", "product name", "item", "title", "item name"),
                  example="Rose body oil 100ml"),
        FieldSpec("barcode", "Barcode", FieldKind.BARCODE, max_length=20,
                  aliases=("ean", "upc", "ean13", "gtin", "bar code", "variant barcode"), example="5012345678900",
                  description="EAN-13, UPC-A or EAN-8 with a valid check digit."),
        FieldSpec("brand", "Brand", aliases=("manufacturer", "make", "vendor"), example="Elemis"),
        category("Body care"),
        money("price", "Price", required=True, example="24.00",
              aliases=("retail price", "rrp", "sell price", "variant price")),
        money("cost", "Cost", example="11.50",
              aliases=("cost price", "unit cost", "buy price", "cost per item", "default unit cost")),
        currency(),
        tax_rate(),
        FieldSpec("stock", "Stock", FieldKind.INTEGER, max_length=10, minimum=0, maximum=1_000_000,
                  aliases=("qty", "quantity", "stock level", "on hand", "in stock", "variant inventory qty"),
                  example="12",
                  description="Units in stock, a whole number from 0."),
    ),
)

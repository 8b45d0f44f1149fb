"""The `area_booking_type` import type: a bookable area (court, pool lane, sauna suite), booked in slots."""

from domain.models import AreaBookingType
from domain.rules.types.base import FieldKind, FieldSpec, ImportTypeSpec
from domain.rules.types.common import code, currency, description, keyed, minutes, money, name

AREA_BOOKING_TYPE = ImportTypeSpec(
    name="area_booking_type",
    label="Area booking types",
    model=AreaBookingType,
    unique_field="code",
    unique_column="code_key",
    match_keys=("code",),
    record=keyed("code"),
    fields=(
        code(example="COURT1", aliases=("area code",)),
        name("Tennis court 1"),
        FieldSpec("location", "Location", aliases=("site", "area", "building", "room"), example="Outdoor courts"),
        minutes("slot_minutes", "Slot length (minutes)", example="60",
                aliases=("slot", "slot length", "slot minutes", "duration", "booking length")),
        FieldSpec("capacity", "Capacity", FieldKind.INTEGER, required=True, max_length=10, minimum=1, maximum=10000,
                  aliases=("places", "max people", "max occupancy", "spaces"), example="4",
                  description="The most people in the area in one slot, 1 to 10000."),
        money("price", "Price per slot", required=True, example="12.00", aliases=("price", "fee", "slot price")),
        currency(),
        description(),
    ),
)

"""The `appointment_type` import type: treatments and services booked one-to-one."""

from domain.models import AppointmentType
from domain.rules.types.base import FieldKind, FieldSpec, ImportTypeSpec
from domain.rules.types.common import (
    category,
    code,
    currency,
    description,
    keyed,
    minutes,
    money,
    name,
    tax_rate,
)

APPOINTMENT_TYPE = ImportTypeSpec(
    name="appointment_type",
    label="Appointment types",
    model=AppointmentType,
    unique_field="code",
    unique_column="code_key",
    match_keys=("code",),
    record=keyed("code"),
    fields=(
        code(example="FACIAL60", aliases=("treatment code",)),
        name("Signature facial"),
        category("Facials"),
        minutes("duration_minutes", "Duration (minutes)", aliases=("duration", "length", "mins", "minutes")),
        minutes("buffer_minutes", "Buffer (minutes)", required=False, minimum=0, maximum=240, example="15",
                aliases=("buffer", "processing time", "clean up", "turnaround")),
        money("price", "Price", required=True, example="65.00", aliases=("cost", "fee", "rate")),
        currency(),
        tax_rate(),
        FieldSpec("online_bookable", "Bookable online", FieldKind.BOOLEAN,
                  aliases=("online", "bookable online", "online booking"), example="yes",
                  description="yes/no; blank means no."),
        description(),
    ),
)

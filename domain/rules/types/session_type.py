"""The `session_type` import type: classes many clients book into, up to a capacity."""

from domain.models import SessionType
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
)

LEVELS = ("all levels", "beginner", "intermediate", "advanced")

SESSION_TYPE = ImportTypeSpec(
    name="session_type",
    label="Session types",
    model=SessionType,
    unique_field="code",
    unique_column="code_key",
    match_keys=("code",),
    record=keyed("code"),
    fields=(
        code(example="SPIN45", aliases=("class code",)),
        name("Spin"),
        category("Cycling"),
        FieldSpec("level", "Level", FieldKind.CHOICE, max_length=20, allowed=LEVELS,
                  aliases=("difficulty", "ability"), example="beginner"),
        minutes("duration_minutes", "Duration (minutes)", example="45",
                aliases=("duration", "length", "mins", "minutes")),
        FieldSpec("capacity", "Capacity", FieldKind.INTEGER, required=True, max_length=10, minimum=1, maximum=1000,
                  aliases=("places", "spaces", "max attendees", "class size", "spots"), example="20",
                  description="The most clients in one session, 1 to 1000."),
        money("price", "Price", required=True, example="8.50", aliases=("drop in price", "fee", "cost")),
        currency(),
        description(),
    ),
)

"""A tenth import type, as a business would add one: one small declarative definition.

Leads (people who asked about membership) are written to the clients table.
"""

from domain.models import Client
from domain.rules.types.base import FieldKind, FieldSpec, ImportTypeSpec


def _record(values):  # noqa: ANN202
    person = {name: value for name, value in values.items() if name != "interest"}
    return {**person, "email_key": values["email"].casefold(), "notes": f"Lead: {values.get('interest') or ''}"}


LEAD = ImportTypeSpec(
    name="lead",
    label="Leads",
    model=Client,
    unique_field="email",
    unique_column="email_key",
    match_keys=("email",),
    record=_record,
    fields=(
        FieldSpec("first_name", "First name", required=True, example="Ada"),
        FieldSpec("last_name", "Last name", required=True, example="Lovelace"),
        FieldSpec("email", "Email", FieldKind.EMAIL, required=True, max_length=320, example="ada@example.com"),
        FieldSpec("interest", "Interest", aliases=("asked about",), example="yoga"),
    ),
)

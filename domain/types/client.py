"""The `client` import type: people who book with the business."""

from domain.models import Client
from domain.types.base import FieldKind, FieldSpec, ImportTypeSpec


def _record(values):  # noqa: ANN001, ANN202
    email = values.get("email")
    return {**values, "email_key": email.casefold()} if email else dict(values)


CLIENT = ImportTypeSpec(
    name="client",
    label="Clients",
    model=Client,
    unique_field="email",
    unique_column="email_key",
    match_keys=("external_ref", "email"),
    record=_record,
    fields=(
        FieldSpec(
            "first_name", "First name", required=True,
            aliases=("first", "firstname", "forename", "given name", "fname", "name first"),
            example="Ada",
        ),
        FieldSpec(
            "last_name", "Last name", required=True,
            aliases=("last", "lastname", "surname", "family name", "lname", "name last"),
            example="Lovelace",
        ),
        FieldSpec(
            "email", "Email", FieldKind.EMAIL, required=True, max_length=320,
            aliases=("email address", "e-mail", "mail", "email addr"),
            example="ada@example.com",
            description="Unique per organisation and within the file, compared without regard to case.",
        ),
        FieldSpec(
            "phone", "Phone", FieldKind.PHONE, max_length=50,
            aliases=("telephone", "tel", "mobile", "phone number", "mobile number", "cell"),
            example="020 7946 0000",  # a leading + would be neutralised in the template
        ),
        FieldSpec(
            "date_of_birth", "Date of birth", FieldKind.DATE,
            aliases=("dob", "birthday", "birth date", "birthdate", "date of birth"),
            example="1990-11-05",
            description="1990-11-05 (a time is dropped), 05/11/1990, 05.11.1990 or 5 Nov 1990; day or month first as the column's dates show, else dateOrder; two-digit years are never in the future; 0/0/00 is blank.",
        ),
        FieldSpec(
            "marketing_opt_in", "Marketing opt-in", FieldKind.BOOLEAN,
            aliases=("marketing", "opt in", "optin", "newsletter", "marketing consent", "subscribed"),
            example="yes",
            description="yes/no, true/false, y/n or 1/0 in any case; blank means no.",
        ),
        FieldSpec(
            "notes", "Notes", max_length=10000,
            aliases=("note", "comments", "comment", "remarks"),
            example="Prefers morning appointments",
        ),
        FieldSpec(
            "external_ref", "External reference",
            aliases=("external id", "reference", "ref", "client id", "customer id", "id"),
            example="CRM-1042",
            description="The client's id in another system; the match key for update and upsert when present.",
        ),
    ),
)

"""The `client` import type: people who book with the business.

Aliases name the columns of real exports (see tests/samples/exports/): Google Contacts
(`E-mail 1 - Value`, `Phone 1 - Value`, `Given Name`/`Family Name`, `Name`), Outlook
(`E-mail Address`, `Mobile Phone`, `Birthday`, `Notes`), Shopify (`Customer ID`, `Accepts
Email Marketing`, `Note`), Mailchimp (`Email Address`, `Phone Number`, `NOTES`), HubSpot
(`Record ID`, `Phone Number`, `Mobile Phone Number`), Salesforce (`Contact ID`, `Mobile`,
`Description`, `Email Opt Out`), Square (`Reference ID`, `Email Subscription Status`, `Memo`),
WooCommerce (`Name`), Mindbody (`Id`, `MobilePhone`, `BirthDate`, `SendPromotionalEmails`),
and spa and salon systems (`Client Notes`, `Guest Code`, `Cell Phone`, `Mobile Number`).
"""

from collections.abc import Mapping
from typing import Any

from domain.models import Client
from domain.rules.types.base import FieldKind, FieldSpec, ImportTypeSpec, Refusal

_NAME_PARTS = ("first_name", "last_name")
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"})


def split_full_name(text: str) -> tuple[str, str]:
    """(first name, last name) of a whole name: the first word is the first name and the
    rest the last name ('Ada King Lovelace' is Ada / King Lovelace, 'Ludwig van Beethoven'
    is Ludwig / van Beethoven); with a comma, the last name comes first ('Lovelace, Ada' is
    Ada / Lovelace), unless what follows the comma is a suffix ('King, Jr.'). One word is
    a first name and an empty last name."""
    before, comma, after = text.strip(" ,").partition(",")
    if comma and after.strip() and after.strip().rstrip(".").casefold() not in _SUFFIXES:
        return " ".join(after.split()), " ".join(before.split())
    words = text.strip(" ,").split()
    return (words[0] if words else ""), " ".join(words[1:])


def _missing_parts(values: dict[str, Any]) -> list[str]:
    """The name parts the row leaves to its full name: blank (None) in a full row, absent
    (not given) in an update row."""
    return [name for name in _NAME_PARTS if values.get(name) is None]


def _check(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The row's problems with its name (validation runs this once per row): a name part
    with no cell and no full name to fill it, or a full name that cannot fill it."""
    full = values.get("full_name")
    if full:
        first, last = split_full_name(full)
        parts = {"first_name": first, "last_name": last}
        return [("full_name", f"'{full}' has no {CLIENT.field(name).label.lower()}; write the full name as "
                              f"'First Last' or 'Last, First', or map a {CLIENT.field(name).label} column")
                for name in _missing_parts(values) if not parts[name]]
    # A blank part of a full row (its key is there, its value None) has nothing to fill it.
    return [(name, f"{CLIENT.field(name).label} is required (this row has no full name either)")
            for name in _NAME_PARTS if name in values and values[name] is None]


def _record(values: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of a valid row: a full name fills a blank first or last name and is not
    stored; the email's key is its case-folded form."""
    out = dict(values)
    full = out.pop("full_name", None)
    if full:
        for name, part in zip(_NAME_PARTS, split_full_name(full), strict=True):
            if not out.get(name) and part:
                out[name] = part
    email = out.get("email")
    if email:
        out["email_key"] = email.casefold()
    return out


_WHOLE_NAMES = Refusal("is a whole name, not a part of one", headers=(
    "name", "names", "full name", "display name", "contact name", "client name", "customer name", "guest name",
    "member name", "your name"))
# Consent to another channel, or a refusal written as a yes, is never the email opt-in.
_NOT_EMAIL_CONSENT = (
    Refusal("is consent to texts, not to email", words=("sms", "text", "texts", "texting", "txt", "mms")),
    Refusal("is consent to calls or texts, not to email",
            words=("phone", "call", "calls", "calling", "telephone", "voice", "mobile", "cell")),
    Refusal("is consent to post, not to email", words=("post", "postal", "mail", "mailing", "letter", "letters")),
    Refusal("is consent to WhatsApp messages, not to email", words=("whatsapp",)),
    Refusal("is consent to push notifications, not to email", words=("push",)),
    Refusal("records a refusal (its yes means no email), the opposite of an opt-in",
            words=("unsubscribed", "unsubscribe", "unsub", "opt out", "opted out", "do not", "dont")),
    Refusal("is about the consent (when, where or why it was given), not the consent", explained=False,
            words=("ip", "time", "date", "timestamp", "source", "reason", "updated", "campaign")),
)
_NOT_A_PERSONS_NAME = Refusal("is not a person's name", explained=False, words=(
    "email", "company", "organization", "organisation", "account", "business", "user", "username", "nickname",
    "manager", "assistant", "owner", "file", "campaign"))


CLIENT = ImportTypeSpec(
    name="client",
    label="Clients",
    model=Client,
    unique_field="email",
    unique_column="email_key",
    match_keys=("external_ref", "email"),
    record=_record,
    check=_check,
    fields=(
        FieldSpec(
            "first_name", "First name", required=True, required_unless=("full_name",), refuses=(_WHOLE_NAMES,),
            aliases=("first", "firstname", "forename", "given name", "fname", "name first", "christian name"),
            example="Ada",
            description="Required unless a Full name column is mapped (a blank first name is then taken from it).",
        ),
        FieldSpec(
            "last_name", "Last name", required=True, required_unless=("full_name",), refuses=(_WHOLE_NAMES,),
            aliases=("last", "lastname", "surname", "family name", "lname", "name last"),
            example="Lovelace",
            description="Required unless a Full name column is mapped (a blank last name is then taken from it).",
        ),
        FieldSpec(
            "full_name", "Full name", fills=_NAME_PARTS, refuses=(_NOT_A_PERSONS_NAME,),
            aliases=("name", "full name", "display name", "client name", "contact name", "customer name",
                     "guest name", "member name", "your name"),
            example="Ada Lovelace",
            description="A whole name, for files with no first and last name columns; it fills a blank first or "
                        "last name and is not stored itself. The first word is the first name and the rest the last "
                        "name ('Ada King Lovelace' is Ada / King Lovelace); with a comma the last name comes first "
                        "('Lovelace, Ada'). One word is a row error unless the last name has a column of its own.",
        ),
        FieldSpec(
            "email", "Email", FieldKind.EMAIL, required=True, max_length=320,
            aliases=("email address", "e-mail", "mail", "email addr", "primary email", "contact email",
                     "client email", "customer email"),
            example="ada@example.com",
            description="Unique per organisation and within the file, compared without regard to case.",
        ),
        FieldSpec(
            "phone", "Phone", FieldKind.PHONE, max_length=50,
            aliases=("telephone", "tel", "mobile", "phone number", "mobile number", "cell", "mobile phone",
                     "cell phone", "cell number", "mobile phone number", "telephone number", "contact number",
                     "primary phone"),
            example="020 7946 0000",  # a leading + would be neutralised in the template
            description="As people write it, with spaces, dots, dashes or brackets and an extension (x 12, ext. 12, "
                        "#12); non-breaking and thin spaces are stored as plain spaces.",
        ),
        FieldSpec(
            "date_of_birth", "Date of birth", FieldKind.DATE,
            aliases=("dob", "birthday", "birth date", "birthdate", "date of birth"),
            example="1990-11-05",
            description="1990-11-05 (a time is dropped), 05/11/1990, 05.11.1990 or 5 Nov 1990; day or month first as the column's dates show, else dateOrder; two-digit years are never in the future; 0/0/00 is blank.",
        ),
        FieldSpec(
            "marketing_opt_in", "Marketing opt-in", FieldKind.BOOLEAN, consent=True, refuses=_NOT_EMAIL_CONSENT,
            aliases=("marketing", "opt in", "optin", "newsletter", "marketing consent", "subscribed",
                     "accepts email marketing", "accepts marketing", "email marketing", "email marketing consent",
                     "email subscription status", "email subscription", "email subscribed", "email opt in",
                     "email consent", "subscription status", "send promotional emails", "promotional emails",
                     "marketing emails"),
            example="yes",
            description="Consent to marketing email (consent to texts, calls or post is another column and is never "
                        "mapped here automatically). yes/no, true/false, y/n or 1/0 in any case; blank means no. "
                        "The words exports write are read too: subscribed, opted in and opt-in are yes; unsubscribed, "
                        "opted out, not subscribed, non-subscribed, never subscribed, cleaned (Mailchimp: the "
                        "address bounced), bounced, pending (a double opt-in never confirmed), transactional, archived, "
                        "unknown (Square: no consent recorded), suppressed, redacted and invalid are no.",
        ),
        FieldSpec(
            "notes", "Notes", max_length=10000,
            aliases=("note", "comments", "comment", "remarks", "memo", "client notes", "customer notes",
                     "customer note", "contact notes", "description"),
            example="Prefers morning appointments",
        ),
        FieldSpec(
            "external_ref", "External reference",
            aliases=("external id", "reference", "ref", "client id", "customer id", "id", "record id", "reference id",
                     "guest code", "guest id", "client code", "client number", "customer number", "contact id",
                     "member id", "member number"),
            example="CRM-1042",
            description="The client's id in another system; the match key for update and upsert when present.",
        ),
    ),
)

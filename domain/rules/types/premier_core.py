"""The `premier_core` import type: clients from a Premier Core export, written as clients.

It needs a saved mapping of its own type (`premierCoreMappingId`), applied like `mappingId`.
"""

from dataclasses import replace

from domain.rules.types.client import CLIENT

_EXPORT_HEADERS = {
    "first_name": ("First Name", "Forename"),
    "last_name": ("Surname", "Last Name"),
    "email": ("Email Address", "Client Email"),
    "phone": ("Mobile", "Mobile Phone", "Home Phone"),
    "date_of_birth": ("DOB", "Date Of Birth"),
    "marketing_opt_in": ("Email Marketing", "Marketing Opt In"),
    "notes": ("Client Notes", "Notes"),
    "external_ref": ("Client ID", "Client Number", "Member Number"),
}

PREMIER_CORE = replace(
    CLIENT,
    name="premier_core",
    label="Premier Core clients",
    fields=tuple(replace(spec, aliases=(*spec.aliases, *(h.lower() for h in _EXPORT_HEADERS.get(spec.name, ()))))
                 for spec in CLIENT.fields),
)

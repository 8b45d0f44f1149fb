"""Headers to fields: proposing a mapping, and checking one a user gives."""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

from domain.errors import BadInput
from domain.notices import Control, Notice, NoticeCode
from domain.rules.types.base import ImportTypeSpec

MIN_CONFIDENCE = 0.7  # below this a column is left unmapped, never guessed
NOTICE_LIKENESS = 0.6  # a refused column this much like the field is explained in a notice
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
# Google Contacts numbers repeated columns: 'E-mail 1 - Value', 'E-mail 1 - Label', 'Phone 2 - Type'.
_NUMBERED = re.compile(r"(?P<base>.*?)\s*\d+\s*-\s*(?P<part>[A-Za-z ]+)")


def normalise(name: str) -> str:
    return _NOT_ALNUM.sub("", name.casefold())


def header_key(header: str) -> str | None:
    """The header as names are compared: letters and digits only, Google's ' 1 - Value'
    suffix taken off ('E-mail 1 - Value' is 'email'); None for a column that describes
    another one ('E-mail 1 - Label', 'Phone 1 - Type'), which is never mapped."""
    numbered = _NUMBERED.fullmatch(header.strip())
    if numbered is None:
        return normalise(header)
    if numbered["part"].strip().casefold() == "value":
        return normalise(numbered["base"])
    return None


def _likeness(header: str, spec: ImportTypeSpec, field: str) -> float:
    """How much `header` looks like the field's name, label or aliases, 0 to 1, whatever its refusals."""
    item = spec.field(field)
    if header == item.name:
        return 1.0
    key = header_key(header)
    if not key:
        return 0.0
    if key in (normalise(item.name), normalise(item.label)):
        return 0.95
    if key in {normalise(alias) for alias in item.aliases}:
        return 0.9
    candidates = (item.name, item.label, *item.aliases)
    best = max(SequenceMatcher(None, key, normalise(c)).ratio() for c in candidates)
    return round(best * 0.85, 2)


def _score(header: str, spec: ImportTypeSpec, field: str) -> float:
    if spec.field(field).refusal(header) is not None:
        return 0.0
    return _likeness(header, spec, field)


def _chosen(headers: Sequence[str], spec: ImportTypeSpec) -> dict[int, tuple[str, float]]:
    """Column index -> (field, score): best matches first, ties to the earlier column and
    the earlier field; never two columns to a field."""
    order = {name: position for position, name in enumerate(spec.field_names)}
    scored = sorted(
        ((_score(header, spec, field), index, field) for index, header in enumerate(headers)
         for field in spec.field_names),
        key=lambda item: (-item[0], item[1], order[item[2]]),
    )
    chosen: dict[int, tuple[str, float]] = {}
    taken: set[str] = set()
    for score, index, field in scored:
        if score < MIN_CONFIDENCE or index in chosen or field in taken:
            continue
        chosen[index] = (field, score)
        taken.add(field)
    return _without_needless_fills(chosen, spec)


def _without_needless_fills(chosen: dict[int, tuple[str, float]], spec: ImportTypeSpec) -> dict[int, tuple[str, float]]:
    """Drops a field that fills others (full_name) when every field it fills has a column."""
    taken = {field for field, _ in chosen.values()}
    return {index: (field, score) for index, (field, score) in chosen.items()
            if not (spec.field(field).fills and all(name in taken for name in spec.field(field).fills))}


def propose_mapping(headers: Sequence[str], spec: ImportTypeSpec) -> list[dict[str, Any]]:
    """Map each header to at most one field, best matches first; never two columns to a field.

    Each entry is {column, field, confidence}; a column whose best match is below the
    threshold is left unmapped (field None, confidence 0), and so is a column a field
    refuses (an SMS consent column is never the email opt-in) and a field that fills others
    (full_name) when those have columns of their own. `mapping_notices` says why.
    """
    chosen = _chosen(headers, spec)
    return [
        {"column": header, "field": chosen.get(i, (None, 0.0))[0], "confidence": chosen.get(i, (None, 0.0))[1]}
        for i, header in enumerate(headers)
    ]


def mapping_notices(headers: Sequence[str], spec: ImportTypeSpec, entries: Sequence[dict[str, Any]]) -> list[Notice]:
    """A COLUMN_NOT_MAPPED notice for each unmapped column that looks like a field but was
    left out on purpose: a field refuses it ('SMS Marketing' is consent to texts, not the
    email opt-in), or it holds whole names while first and last name have columns."""
    mapped = {entry["field"]: entry["column"] for entry in entries if entry["field"]}
    notices = []
    for header in headers:
        if header in mapped.values():
            continue
        message = _why_unmapped(header, spec, mapped)
        if message:
            notices.append(Notice(NoticeCode.COLUMN_NOT_MAPPED, message, column=header, control=Control.MAPPING))
    return notices


def _why_unmapped(header: str, spec: ImportTypeSpec, mapped: dict[str, str]) -> str | None:
    for item in spec.fields:
        if item.fills and item.name not in mapped and all(name in mapped for name in item.fills) \
                and _score(header, spec, item.name) >= MIN_CONFIDENCE:
            columns = " and ".join(f"'{mapped[name]}'" for name in item.fills)
            labels = " and ".join(spec.field(name).label for name in item.fills)
            return (f"'{header}' looks like {item.label}; it is not mapped because {labels} come from "
                    f"{columns}. Map it to {item.name} to fill the rows where those are blank.")
    for item in spec.fields:
        refusal = item.refusal(header)
        if refusal is not None and refusal.explained and _likeness(header, spec, item.name) >= NOTICE_LIKENESS:
            return f"'{header}' {refusal.reason}; it is not mapped to {item.label}."
    return None


def checked_mapping(
    entries: Sequence[tuple[str, str | None]], headers: Sequence[str], spec: ImportTypeSpec
) -> list[dict[str, Any]]:
    """A user's mapping, checked against the file's headers and the type's fields.

    Columns the user leaves out are ignored. Raises BadInput naming every problem.
    """
    problems: list[str] = []
    fields_seen: dict[str, str] = {}
    given: dict[str, str | None] = {}
    for column, field in entries:
        if column not in headers:
            problems.append(f"the file has no column {column!r}")
        elif column in given:
            problems.append(f"column {column!r} is mapped twice")
        if field is not None and field not in spec.field_names:
            problems.append(f"{spec.name} has no field {field!r} (fields: {', '.join(spec.field_names)})")
        elif field is not None and field in fields_seen:
            problems.append(f"columns {fields_seen[field]!r} and {column!r} are both mapped to {field!r}")
        if field is not None:
            fields_seen.setdefault(field, column)
        given[column] = field
    if problems:
        raise BadInput("The mapping is not usable: " + "; ".join(problems) + ".")
    return [
        {"column": header, "field": given.get(header), "confidence": 1.0 if given.get(header) else 0.0}
        for header in headers
    ]


def missing_required(mapping: Sequence[dict[str, Any]], spec: ImportTypeSpec) -> list[str]:
    """The required fields no column is mapped to (first_name is not needed when full_name is mapped)."""
    mapped = {entry["field"] for entry in mapping if entry["field"]}
    return [name for name in spec.required_given(mapped) if name not in mapped]


def column_indexes(mapping: Sequence[dict[str, Any]]) -> dict[int, str]:
    """The mapping as column index -> field, for validation."""
    return {index: entry["field"] for index, entry in enumerate(mapping) if entry["field"]}

"""Headers to fields: proposing a mapping, and checking one a user gives."""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

from domain.errors import BadInput
from domain.types.base import ImportTypeSpec

MIN_CONFIDENCE = 0.7  # below this a column is left unmapped, never guessed
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(name: str) -> str:
    return _NOT_ALNUM.sub("", name.casefold())


def _score(header: str, spec: ImportTypeSpec, field: str) -> float:
    item = spec.field(field)
    if header == item.name:
        return 1.0
    key = normalise(header)
    if key in (normalise(item.name), normalise(item.label)):
        return 0.95
    if key in {normalise(alias) for alias in item.aliases}:
        return 0.9
    candidates = (item.name, item.label, *item.aliases)
    best = max(SequenceMatcher(None, key, normalise(c)).ratio() for c in candidates)
    return round(best * 0.85, 2)


def propose_mapping(headers: Sequence[str], spec: ImportTypeSpec) -> list[dict[str, Any]]:
    """Map each header to at most one field, best matches first; never two columns to a field.

    Each entry is {column, field, confidence}; a column whose best match is below the
    threshold is left unmapped (field None, confidence 0).
    """
    scored = sorted(
        (
            (_score(header, spec, field), index, field)
            for index, header in enumerate(headers)
            for field in spec.field_names
        ),
        reverse=True,
    )
    chosen: dict[int, tuple[str, float]] = {}
    taken: set[str] = set()
    for score, index, field in scored:
        if score < MIN_CONFIDENCE or index in chosen or field in taken:
            continue
        chosen[index] = (field, score)
        taken.add(field)
    return [
        {"column": header, "field": chosen.get(i, (None, 0.0))[0], "confidence": chosen.get(i, (None, 0.0))[1]}
        for i, header in enumerate(headers)
    ]


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
    mapped = {entry["field"] for entry in mapping if entry["field"]}
    return [name for name in spec.required_fields if name not in mapped]


def column_indexes(mapping: Sequence[dict[str, Any]]) -> dict[int, str]:
    """The mapping as column index -> field, for validation."""
    return {index: entry["field"] for index, entry in enumerate(mapping) if entry["field"]}

"""How an import type is declared: its fields, keys and the table its records go to."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import SQLModel


class FieldKind(str, enum.Enum):
    TEXT = "text"
    EMAIL = "email"
    DATE = "date"
    BOOLEAN = "boolean"
    PHONE = "phone"


@dataclass(frozen=True)
class FieldSpec:
    """One field of an import type, as a mapping screen shows it and validation checks it."""

    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    max_length: int = 200
    aliases: tuple[str, ...] = ()
    example: str = ""
    description: str = ""


@dataclass(frozen=True)
class ImportTypeSpec:
    """An import type: one declarative definition per kind of record.

    `unique_field` must be unique within a file and within an organisation: its
    `unique_key` (trimmed, case-folded) is stored in the model's `unique_column`. `record`
    turns a validated row into the columns of `model`, which also has `organisation_id`,
    `import_id` and `import_row` columns.
    """

    name: str
    label: str
    model: type[SQLModel]
    fields: tuple[FieldSpec, ...]
    unique_field: str
    unique_column: str
    match_keys: tuple[str, ...]
    record: Callable[[Mapping[str, Any]], dict[str, Any]] = field(default=dict)

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields if spec.required)

    def unique_key(self, value: Any) -> str:
        return str(value).strip().casefold()

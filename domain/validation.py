"""Row validation: the cells of one row in, an outcome out (values, or field errors)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    create_model,
)
from pydantic_core import PydanticCustomError

from domain.fields import parse_field
from domain.types.base import FieldKind, FieldSpec, ImportTypeSpec


@dataclass
class RowOutcome:
    """`values` when the row is valid, else `errors` (one dict per problem)."""

    values: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    key: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors


def _field_validator(spec: FieldSpec, *, partial: bool) -> Callable[[Any], Any]:
    def parse(text: str) -> Any:
        return parse_field(spec, text)

    def validate(raw: Any) -> Any:
        text = "" if raw is None else str(raw)
        if not text:
            if partial:
                return None
            if spec.required:
                raise PydanticCustomError("required", f"{spec.label} is required")
            return False if spec.kind is FieldKind.BOOLEAN else None
        if len(text) > spec.max_length:
            raise PydanticCustomError(
                "too_long", f"{spec.label} is {len(text)} characters long; the most is {spec.max_length}"
            )
        try:
            return parse(text)
        except ValueError as error:
            raise PydanticCustomError("invalid", str(error)) from None

    return validate


def row_model(spec: ImportTypeSpec, *, partial: bool = False) -> type[BaseModel]:
    """A pydantic model of the type's row schema: each field takes a trimmed cell.

    `partial` (for updates): a blank cell is None, whether the field is required or not.
    """
    fields: dict[str, Any] = {
        item.name: (Annotated[Any, BeforeValidator(_field_validator(item, partial=partial))], None)
        for item in spec.fields
    }
    return create_model(
        f"{spec.name.title()}Row", __config__=ConfigDict(extra="ignore"), **fields
    )


class RowValidator:
    """Validates rows of one file against one type, through one mapping.

    `mapping` maps a column index to a field name (unmapped columns are ignored). With
    `partial` (UPDATE and UPSERT imports) blank cells are allowed, as they leave a value as
    it is, but a row must hold one of the type's match keys.
    """

    def __init__(
        self, spec: ImportTypeSpec, headers: Sequence[str], mapping: dict[int, str], *, partial: bool = False
    ) -> None:
        self.spec = spec
        self.partial = partial
        self.headers = list(headers)
        self.mapping = dict(mapping)
        self.columns = {name: index for index, name in self.mapping.items()}
        self.model = row_model(spec, partial=partial)

    def validate(self, cells: Sequence[str]) -> RowOutcome:
        if len(cells) != len(self.headers):
            return RowOutcome(errors=[self._shape_error(cells)])
        data = {name: cells[index].strip() for index, name in self.mapping.items()}
        for name in self.spec.field_names:
            data.setdefault(name, "")
        try:
            values = self.model.model_validate(data).model_dump()
        except ValidationError as error:
            return RowOutcome(errors=[self._field_error(item, data) for item in error.errors()])
        if self.partial and all(values.get(name) in (None, "") for name in self.spec.match_keys):
            return RowOutcome(errors=[self._no_match_key()])
        if self.spec.check is not None:
            known = {k: v for k, v in values.items() if v is not None} if self.partial else values
            problems = self.spec.check(known)
            if problems:
                return RowOutcome(errors=[self._rule_error(name, message, data) for name, message in problems])
        unique = values.get(self.spec.unique_field)
        key = self.spec.unique_key(unique) if unique is not None else None
        return RowOutcome(values=values, key=key)

    def _rule_error(self, name: str, message: str, data: dict[str, str]) -> dict[str, Any]:
        index = self.columns.get(name)
        return {"column": self.headers[index] if index is not None else None, "field": name,
                "value": data.get(name) or None, "message": message}

    def _no_match_key(self) -> dict[str, Any]:
        labels = " or ".join(self.spec.field(name).label.lower() for name in self.spec.match_keys)
        return {"column": None, "field": None, "value": None,
                "message": f"This row needs a {labels} to find the record to update"}

    def _shape_error(self, cells: Sequence[str]) -> dict[str, Any]:
        return {
            "column": None,
            "field": None,
            "value": None,
            "message": f"This row has {len(cells)} cells but the header has {len(self.headers)} columns",
        }

    def _field_error(self, item: Any, data: dict[str, str]) -> dict[str, Any]:
        name = str(item["loc"][0])
        index = self.columns.get(name)
        return {
            "column": self.headers[index] if index is not None else None,
            "field": name,
            "value": data.get(name) or None,
            "message": item["msg"],
        }

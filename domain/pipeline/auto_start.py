"""Hands-off imports: an import created with an auto-start request starts by itself when its
validation ends, if its mapping is sure enough and its rows fit the commit policy; otherwise
it waits at VALIDATED with an AUTO_START_SKIPPED notice saying why."""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.errors import BadInput
from domain.models import Import, ImportMode
from domain.notices import Control, Notice, NoticeCode
from domain.rules.types.base import ImportTypeSpec


class CommitPolicy(str, enum.Enum):
    """Which validation outcomes an auto-started import may be imported with."""

    # Import the valid rows and skip the invalid ones, however many; only a file with no valid
    # row is not started. The only policy until commit policies (issue #13) add others.
    SKIP_INVALID = "skip_invalid"


@dataclass(frozen=True)
class AutoStart:
    """Start the import when validation ends, if every required field is mapped with at least
    `min_confidence` (a mapping the caller gave counts as 1.0) and `policy` accepts the rows."""

    min_confidence: float
    policy: CommitPolicy = CommitPolicy.SKIP_INVALID

    def to_json(self) -> dict[str, Any]:
        return {"min_confidence": self.min_confidence, "policy": self.policy.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AutoStart:
        return cls(min_confidence=float(data["min_confidence"]), policy=CommitPolicy(data["policy"]))


def checked(request: AutoStart) -> AutoStart:
    """The request, or BadInput when its confidence is not between 0 and 1."""
    if not (math.isfinite(request.min_confidence) and 0 <= request.min_confidence <= 1):
        raise BadInput(f"autoStart.minConfidence is between 0 and 1 (a mapping you give counts as 1.0); "
                       f"{request.min_confidence} is not.")
    return request


def skipped(record: Import, spec: ImportTypeSpec, request: AutoStart) -> Notice | None:
    """Why a just-validated import with this request must not start by itself (an
    AUTO_START_SKIPPED notice), or None when it may start."""
    if record.mode == ImportMode.VALIDATE.value:
        return _notice("This import's mode is VALIDATE: it only validates, so it was not started. "
                       "Upload the file again with mode STORE to import it.")
    unsure = _unsure_fields(record.mapping, spec, request.min_confidence)
    if unsure:
        column, field, confidence = unsure[0]
        others = f" (and {len(unsure) - 1} more required field(s))" if len(unsure) > 1 else ""
        return _notice(f"It was not started: column '{column}' was mapped to the required field "
                       f"{spec.field(field).label} ({field}) with confidence {confidence:.2f}, below the "
                       f"minConfidence {request.min_confidence:.2f} asked for{others}. Check the mapping, "
                       "then start it, or confirm the mapping with updateImportMapping to have it start "
                       "after validation.", column=column, value=field, control=Control.MAPPING)
    if record.total_rows == record.failed_validation_rows:
        rows = "its only row is not" if record.total_rows == 1 else f"none of its {record.total_rows:,} rows is"
        return _notice(f"It was not started: {rows} valid, so there is nothing to import. Fix the file and "
                       "upload it again, or change the mapping.")
    return None


def _unsure_fields(mapping: Sequence[dict[str, Any]], spec: ImportTypeSpec,
                   min_confidence: float) -> list[tuple[str, str, float]]:
    """(column, field, confidence) of each field the required fields rest on mapped below
    `min_confidence`: a required field itself, or, when it is not mapped, the fields that stand
    in for it (a full name for first and last name)."""
    by_field = {entry["field"]: entry for entry in mapping if entry["field"]}
    needed: list[str] = []
    for item in spec.fields:
        if not item.required:
            continue
        for name in ((item.name,) if item.name in by_field else item.required_unless):
            if name in by_field and name not in needed:
                needed.append(name)
    return [(by_field[name]["column"], name, float(by_field[name]["confidence"])) for name in needed
            if float(by_field[name]["confidence"]) < min_confidence]


def _notice(message: str, **details: Any) -> Notice:
    return Notice(NoticeCode.AUTO_START_SKIPPED, message, **details)

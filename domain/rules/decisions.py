"""What importing one valid row does to the organisation's records: a pure decision.

A row's match keys find a record (`found`), and its unique key may belong to one (`owner`).
Either may be a stored record (`Stored`) or one an earlier row of the same file created
(`EarlierRow`). `decide` turns them and the import's mode into `Create`, `Change` or `Fail`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from domain.models import ImportMode


@dataclass(frozen=True)
class Stored:
    """A record already in the database: its columns as read."""

    values: dict[str, Any]

    @property
    def id(self) -> int:
        return int(self.values["id"])


@dataclass(frozen=True)
class EarlierRow:
    """A record an earlier row of this import creates or changes: its row number."""

    row_number: int


Holder = Stored | EarlierRow


@dataclass(frozen=True)
class Create:
    """A new record from the row."""


@dataclass(frozen=True)
class Change:
    """The stored record the row updates."""

    record: Stored


class Refusal(enum.Enum):
    NOT_FOUND = "not_found"  # UPDATE: no record has the row's match key
    EXISTS = "exists"  # a stored record already has the key
    REPEATED = "repeated"  # an earlier row of the file has the key


@dataclass(frozen=True)
class Fail:
    """The row is refused. `key` is which of the row's keys: the first match key the row
    has ("match") or its unique field ("unique"); `holder` is who has it."""

    refusal: Refusal
    key: str = "match"
    holder: Holder | None = None


Decision = Create | Change | Fail


def decide(mode: ImportMode, found: Holder | None, owner: Holder | None) -> Decision:
    """STORE creates, and refuses a key someone has; UPDATE changes the record found, and
    refuses a row that finds none; UPSERT does either. A record two rows of one file would
    both write is written by the first only; a unique key that another record holds is refused."""
    if isinstance(found, EarlierRow):
        return Fail(Refusal.REPEATED, "match", found)
    if found is None or mode is ImportMode.STORE:
        if found is not None:
            return Fail(Refusal.EXISTS, "match", found)
        if mode is ImportMode.UPDATE:
            return Fail(Refusal.NOT_FOUND)
        if owner is not None:
            return Fail(Refusal.REPEATED if isinstance(owner, EarlierRow) else Refusal.EXISTS, "unique", owner)
        return Create()
    if owner is not None and owner != found:
        return Fail(Refusal.REPEATED if isinstance(owner, EarlierRow) else Refusal.EXISTS, "unique", owner)
    return Change(found)

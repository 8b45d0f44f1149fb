"""An import's status and the moves between statuses: the one place they are checked."""

from __future__ import annotations

import enum

from domain.errors import InvalidTransition


class ImportStatus(str, enum.Enum):
    VALIDATING = "validating"
    VALIDATED = "validated"
    IMPORTING = "importing"
    IMPORTED = "imported"
    ROLLING_BACK = "rolling_back"
    ROLLED_BACK = "rolled_back"
    ERRORED = "errored"


S = ImportStatus

ALLOWED: dict[ImportStatus, frozenset[ImportStatus]] = {
    S.VALIDATING: frozenset({S.VALIDATED, S.ERRORED}),
    S.VALIDATED: frozenset({S.VALIDATING, S.IMPORTING}),
    S.IMPORTING: frozenset({S.IMPORTED, S.ROLLING_BACK}),
    S.IMPORTED: frozenset({S.ROLLING_BACK}),
    S.ROLLING_BACK: frozenset({S.ROLLED_BACK}),
    S.ROLLED_BACK: frozenset(),
    S.ERRORED: frozenset({S.VALIDATING}),
}

# Statuses in which background work is under way (or, for IMPORTING, waits for a slot).
WORKING = frozenset({S.VALIDATING, S.IMPORTING, S.ROLLING_BACK})
# Statuses at which a watcher stops: a person must act, or nothing more will happen.
SETTLED = frozenset({S.VALIDATED, S.IMPORTED, S.ROLLED_BACK, S.ERRORED})

_ACTIONS = {
    S.VALIDATING: "revalidate it",
    S.IMPORTING: "start it",
    S.ROLLING_BACK: "roll it back",
    S.VALIDATED: "mark it validated",
    S.IMPORTED: "mark it imported",
    S.ROLLED_BACK: "mark it rolled back",
    S.ERRORED: "mark it errored",
}

_HINTS = {
    S.VALIDATING: "wait until validation finishes",
    S.VALIDATED: "start it, or change its mapping",
    S.IMPORTING: "wait until it is imported, or roll it back",
    S.IMPORTED: "roll it back if it was a mistake",
    S.ROLLING_BACK: "wait until the rollback finishes",
    S.ROLLED_BACK: "upload the file again to import it anew",
    S.ERRORED: "fix the mapping with updateImportMapping, or upload a corrected file",
}


def can_move(current: ImportStatus, target: ImportStatus) -> bool:
    return target in ALLOWED[current]


def check_move(current: ImportStatus, target: ImportStatus) -> None:
    """Raise InvalidTransition, with what the user can do instead, unless the move is allowed."""
    if can_move(current, target):
        return
    message = (
        f"Cannot {_ACTIONS[target]}: the import is {current.value.replace('_', ' ')}; "
        f"{_HINTS[current]}."
    )
    raise InvalidTransition(message, from_status=current.value, to_status=target.value)

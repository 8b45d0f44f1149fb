"""Finding the header row of a file whose table does not start on its first line: title
lines, blank lines and notes above the header are skipped.

The header is the first record that looks like one: most of the table's cells filled, and
mostly text (not numbers, dates or email addresses). When the import type is known, a later
such record that names more of its fields (names, labels or aliases) is preferred.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from domain.rules.mapping import normalise
from domain.rules.types.base import ImportTypeSpec

LOOKED_AT = 30  # records looked at for the header
BELOW = 10  # records below a candidate that give the table's width
_VALUE = re.compile(r"[\s\d.,:;/()+\-%$€£]*\d[\s\d.,:;/()+\-%$€£TZ]*")  # numbers, dates, phone numbers, amounts
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

Record = tuple[int, list[str]]


def find_header_row(records: Sequence[Record], spec: ImportTypeSpec | None = None) -> int:
    """The row number of the header among the file's first non-blank records (row number,
    cells); the first record when none looks like a header."""
    if not records:
        return 1
    candidates = [i for i in range(len(records)) if _looks_like_header(records, i)]
    if not candidates:
        return records[0][0]
    chosen = candidates[0]
    if spec is not None:
        names = _field_names(spec)
        matches = {i: _matches(records[i][1], names) for i in candidates[:LOOKED_AT]}
        best = max(candidates, key=lambda i: (matches[i], -i))
        if matches[best] > matches[chosen]:
            chosen = best
    return records[chosen][0]


def _looks_like_header(records: Sequence[Record], index: int) -> bool:
    filled = [cell.strip() for cell in records[index][1] if cell.strip()]
    below = [_span(cells) for _, cells in records[index + 1:index + 1 + BELOW]]
    width = _usual(below) if below else _span(records[index][1])
    if len(filled) < max(1, (width + 1) // 2):
        return False
    values = sum(1 for cell in filled if _VALUE.fullmatch(cell) or _EMAIL.fullmatch(cell))
    return values <= len(filled) // 5


def _span(cells: list[str]) -> int:
    """How many cells up to the last filled one."""
    return max((i + 1 for i, cell in enumerate(cells) if cell.strip()), default=0)


def _usual(spans: list[int]) -> int:
    """The most common width (the wider on a tie)."""
    counts = Counter(spans)
    return max(counts, key=lambda span: (counts[span], span))


def _field_names(spec: ImportTypeSpec) -> dict[str, str]:
    names: dict[str, str] = {}
    for item in spec.fields:
        for name in (item.name, item.label, *item.aliases):
            names.setdefault(normalise(name), item.name)
    return names


def _matches(cells: list[str], names: dict[str, str]) -> int:
    """How many of the type's fields the cells name."""
    return len({names[key] for key in (normalise(cell) for cell in cells) if key in names})

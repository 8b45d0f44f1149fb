"""A deterministic client CSV with ~5% invalid rows of four kinds."""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

HEADER = ["first_name", "last_name", "email", "phone", "date_of_birth", "marketing_opt_in", "notes"]
INVALID_KINDS = ("bad_email", "impossible_date", "missing_last_name", "duplicate_email")
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim", "Zoë", "José"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "O'Neil"]
NOTES = ["", "", "Prefers mornings", 'Said "call after 5", then emailed', "Allergic to nuts, latex", "VIP\nsecond line"]


def _valid_row(rng: random.Random, i: int) -> list[str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first.lower()}.{last.lower().replace(chr(39), '')}.{i}@example.com"
    year, month, day = rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)
    dob = f"{year}-{month:02d}-{day:02d}" if rng.random() < 0.5 else f"{day:02d}/{month:02d}/{year}"
    phone = f"+44 20 7946 {rng.randint(0, 9999):04d}" if rng.random() < 0.8 else ""
    return [first, last, email, phone, dob, rng.choice(["yes", "no", "Y", "n", "true", "0", ""]), rng.choice(NOTES)]


def _spoil(row: list[str], kind: str, rng: random.Random, earlier_emails: list[str]) -> None:
    if kind == "bad_email":
        row[2] = row[2].replace("@", " at ", 1)
    elif kind == "impossible_date":
        row[4] = rng.choice(["31/02/1990", "1990-02-30", "30/02/2001", "2001-04-31"])
    elif kind == "missing_last_name":
        row[1] = ""
    else:  # duplicate_email: a repeat of an earlier valid row's email
        row[2] = rng.choice(earlier_emails)


def write_clients_csv(path: Path, rows: int, *, seed: int = 5, invalid_share: float = 0.05,
                      references: bool = False) -> Counter:
    """Write `rows` data rows to `path`; the count of each invalid kind written. With
    `references`, a first column `customer_id` (C-1, C-2, ...), as CRM and shop exports have,
    which maps to the client's external reference (a second match key)."""
    rng = random.Random(seed)
    counts: Counter = Counter({kind: 0 for kind in INVALID_KINDS})
    earlier_emails: list[str] = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", *HEADER] if references else HEADER)
        for i in range(rows):
            row = _valid_row(rng, i)
            kind = rng.choice(INVALID_KINDS) if earlier_emails and rng.random() < invalid_share else None
            if kind:
                _spoil(row, kind, rng, earlier_emails)
                counts[kind] += 1
            else:
                earlier_emails.append(row[2])
            writer.writerow([f"C-{i + 1}", *row] if references else row)
    return counts

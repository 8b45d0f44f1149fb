"""Validation in ranges: a big CSV file validated by several messages at once.

The first pass over the file (the one that decides the date columns' order) notes where each
run of `Settings.validation_range_rows` data rows ends. Each range is then a message of its own that
reads the file from its byte offset, stores its rows, and marks itself done in the
transaction of its last rows; the import's row is locked first in each, so exactly one range
sees all done and runs the checks after the rows (repeated keys, existing records). A range
delivered again resumes after its last stored row; a done range only checks whether all are.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, func, select, update
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from domain.files.reading import Resume, RowReader, resumable
from domain.files.sources import size_of
from domain.files.xlsx import XlsxReader
from domain.models import ValidationRange


SAMPLE_ROWS = 1000  # data rows read before guessing whether a file will need ranges


@dataclass
class RangePlan:
    """Notes, during the first pass, where every `size` data rows end."""

    reader: RowReader | XlsxReader
    size: int
    first_row: int  # the first data row
    points: list[Resume] = field(default_factory=list)
    seen: int = 0
    last_row: int = 0
    foreseen: bool = False  # saw() already said the file looks big enough

    @property
    def active(self) -> bool:
        return self.size > 0 and isinstance(self.reader, RowReader) and resumable(self.reader.fmt)

    def saw(self, row_number: int) -> bool:
        """A data row was just read (call only while active): True once, as soon as the file
        looks big enough for ranges (from the bytes its first rows take), so that whoever runs
        them can get ready while the pass goes on."""
        self.seen += 1
        self.last_row = row_number
        if self.seen % self.size == 0:
            assert isinstance(self.reader, RowReader)
            self.points.append(self.reader.resume_point(row_number))
            return self.seen == self.size and not self.foreseen
        if self.seen == SAMPLE_ROWS and self.size > SAMPLE_ROWS:
            assert isinstance(self.reader, RowReader)
            self.foreseen = size_of(self.reader.path) > self.reader.resume_point(row_number).offset * self.size / self.seen
            return self.foreseen
        return False

    def ranges(self, import_id: uuid.UUID, run: int) -> list[ValidationRange]:
        """The ranges, or none when the file fits in one."""
        points = [point for point in self.points if point.row_before < self.last_row]
        if not points:
            return []
        starts = [Resume(0, 0), *points]
        ends = [point.row_before for point in points] + [self.last_row]
        return [ValidationRange(import_id=import_id, run=run, first_row=self.first_row if start.offset == 0
                                else start.row_before + 1, last_row=end, offset=start.offset,
                                row_before=start.row_before)
                for start, end in zip(starts, ends, strict=True)]


def start_of(part: ValidationRange) -> Resume | None:
    """Where a range's reading starts: the file's start for the first range."""
    return None if part.offset == 0 else Resume(part.offset, part.row_before)


def planned(session: Session, import_id: uuid.UUID, run: int) -> list[ValidationRange]:
    query = (sqlmodel_select(ValidationRange)
             .where(col(ValidationRange.import_id) == import_id, col(ValidationRange.run) == run)
             .order_by(col(ValidationRange.first_row)))
    return list(session.exec(query).all())


def save_plan(conn: Connection, import_id: uuid.UUID, parts: list[ValidationRange]) -> None:
    """The ranges of this run, in place of any earlier run's."""
    conn.execute(delete(ValidationRange).where(col(ValidationRange.import_id) == import_id))
    conn.execute(ValidationRange.__table__.insert(),  # type: ignore[attr-defined]
                 [part.model_dump() for part in parts])


def keep_count(conn: Connection, part: ValidationRange, apostrophes: Counter[int], *, done: bool) -> bool:
    """With a batch of the range's rows: the apostrophes counted so far (since the range's
    reading began, over what an earlier delivery counted), and, with `done`, the range done.
    Whether every range of the run is done (call with the import's row locked)."""
    counted = _apostrophes(part) + apostrophes
    conn.execute(update(ValidationRange)
                 .where(col(ValidationRange.import_id) == part.import_id, col(ValidationRange.run) == part.run,
                        col(ValidationRange.first_row) == part.first_row)
                 .values(done=done, apostrophes={str(index): count for index, count in counted.items()}))
    return done and all_done(conn, part.import_id, part.run)


def last_row_of_file(session: Session, import_id: uuid.UUID, run: int) -> int:
    """The file's last data row, as the first pass read it (the last range ends there)."""
    query = select(func.max(ValidationRange.last_row)).where(col(ValidationRange.import_id) == import_id,
                                                             col(ValidationRange.run) == run)
    return session.connection().execute(query).scalar_one() or 0


def all_done(conn: Connection, import_id: uuid.UUID, run: int) -> bool:
    left = conn.execute(select(func.count()).select_from(ValidationRange)
                        .where(col(ValidationRange.import_id) == import_id, col(ValidationRange.run) == run,
                               col(ValidationRange.done).is_(False))).scalar_one()
    return left == 0


def apostrophes_of(session: Session, import_id: uuid.UUID, run: int) -> Counter[int]:
    """The leading apostrophes every range took off, per column index."""
    total: Counter[int] = Counter()
    for part in planned(session, import_id, run):
        total.update(_apostrophes(part))
    return total


def _apostrophes(part: ValidationRange) -> Counter[int]:
    """What the range counted (stored with the column indexes as JSON's text keys)."""
    return Counter({int(index): count for index, count in (part.apostrophes or {}).items()})

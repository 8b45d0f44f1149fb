"""imports.error_code: why validation left an import ERRORED, as a machine-readable code

The codes are domain.errors.ImportErrorCode. Imports that were ERRORED before this revision get
the code their message shows (the messages were always worded the same way); an ERRORED
import whose message matches none of them keeps a null code.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

imports = sa.table("imports", sa.column("status", sa.String), sa.column("error_message", sa.Text),
                   sa.column("error_code", sa.String))

# (code, what its message contains), the more precise first.
EARLIER_MESSAGES = (
    ("MISSING_REQUIRED_FIELDS", "No column is mapped to the required field%"),
    ("INTERNAL_ERROR", "Validation failed because of an error on our side%"),
    ("CELL_TOO_LONG", "%(IMPORTER_MAX_CELL_CHARS)%"),
    ("TOO_MANY_COLUMNS", "%(IMPORTER_MAX_COLUMNS)%"),
    ("TOO_MANY_ROWS", "%(IMPORTER_MAX_ROWS)%"),
    ("FILE_TOO_LARGE", "%(IMPORTER_MAX_UNPACKED_BYTES)%"),
    ("BAD_FILE", "The file cannot be read:%"),
)


def upgrade() -> None:
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_code", sa.String(length=40), nullable=True))
    for code, pattern in EARLIER_MESSAGES:
        op.execute(imports.update()
                   .where(imports.c.status == "errored", imports.c.error_code.is_(None),
                          imports.c.error_message.like(pattern))
                   .values(error_code=code))


def downgrade() -> None:
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.drop_column("error_code")

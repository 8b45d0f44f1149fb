"""staged record values (#12)

import_rows.staged: the columns of the record a valid STORE row creates, as validation
decided them, so the import copies them with one INSERT ... SELECT instead of validating
the row again.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_rows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staged", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_rows", schema=None) as batch_op:
        batch_op.drop_column("staged")

"""read options and notices (#11)

Read options and notices (#11): imports.options (what a person chose: date order, encoding,
header row, decimal separator), imports.notices (what the service decided for them),
imports.header_row (where the header is in the file), organisations.date_order (the
default order of ambiguous dates).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("header_row", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("options", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("notices", sa.JSON(), nullable=True))
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("date_order", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("date_order")
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.drop_column("notices")
        batch_op.drop_column("options")
        batch_op.drop_column("header_row")

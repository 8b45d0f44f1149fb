"""validation ranges (#12)

A big CSV file is validated in parts that several workers share: one row per part, with
where it starts in the file and whether it is done.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "validation_ranges",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("run", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_row", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_row", sa.Integer(), nullable=True),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("row_before", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("apostrophes", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("import_id", "run", "first_row"),
    )


def downgrade() -> None:
    op.drop_table("validation_ranges")

"""duplicate scan index: (import_id, match_key, row_number) on import_rows

The scan that finds rows repeating an earlier row's unique key (the window
min(row_number) OVER (PARTITION BY match_key)) reads this index alone, in key order,
instead of every stored row of the import.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_import_rows_key_row", "import_rows", ["import_id", "match_key", "row_number"], unique=False)
    op.drop_index("ix_import_rows_key", table_name="import_rows")


def downgrade() -> None:
    op.create_index("ix_import_rows_key", "import_rows", ["import_id", "match_key"], unique=False)
    op.drop_index("ix_import_rows_key_row", table_name="import_rows")

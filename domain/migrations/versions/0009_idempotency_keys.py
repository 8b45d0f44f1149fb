"""idempotency keys (#14)

idempotency_keys: the keys clients send with createImport and startImport (#14), each with
a fingerprint of the request and the import it produced; unique per organisation and
operation, remembered for 24 hours.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "operation", "key"),
    )
    op.create_index("ix_idempotency_keys_org_created", "idempotency_keys", ["organisation_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_org_created", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")

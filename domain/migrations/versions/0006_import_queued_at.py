"""imports.queued_at: a started import waiting for one of its organisation's slots

A started import that must wait is IMPORTING with queued_at set (when it was started, which
is also its place in the queue); promotion clears it. Imports of the earlier 'queued'
status become that.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

imports = sa.table("imports", sa.column("status", sa.String), sa.column("updated_at", sa.DateTime(timezone=True)),
                   sa.column("queued_at", sa.DateTime(timezone=True)))


def upgrade() -> None:
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(imports.update().where(imports.c.status == "queued")
               .values(status="importing", queued_at=imports.c.updated_at))


def downgrade() -> None:
    op.execute(imports.update().where(imports.c.queued_at.is_not(None)).values(status="queued"))
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.drop_column("queued_at")

"""update mode: before-images and rollback conflicts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:59:50.732601
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

def upgrade() -> None:
    with op.batch_alter_table('import_rows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('before', sa.JSON(), nullable=True))

    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rollback_conflict_rows', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.drop_column('rollback_conflict_rows')

    with op.batch_alter_table('import_rows', schema=None) as batch_op:
        batch_op.drop_column('before')
        batch_op.drop_column('record_id')


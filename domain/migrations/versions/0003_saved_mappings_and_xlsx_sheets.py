"""saved mappings and xlsx sheets

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:04:42.507448
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

def upgrade() -> None:
    op.create_table('saved_mappings',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'type', 'name')
    )
    with op.batch_alter_table('saved_mappings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_mappings_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sheet', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.drop_column('sheet')

    with op.batch_alter_table('saved_mappings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_mappings_organisation_id'))

    op.drop_table('saved_mappings')


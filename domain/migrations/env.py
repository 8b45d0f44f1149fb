"""Alembic environment: runs on the connection the app hands in, or on sqlalchemy.url."""

from alembic import context
from sqlalchemy import create_engine

import domain.models  # noqa: F401  (registers every table on the metadata)
from sqlmodel import SQLModel

target_metadata = SQLModel.metadata
config = context.config


def run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        run(conn)
    engine.dispose()

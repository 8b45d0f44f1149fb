"""Alembic environment: runs on the connection the app hands in, or on sqlalchemy.url."""

from alembic import context
from sqlalchemy import Connection, create_engine

import domain.models  # noqa: F401  (registers every table on the metadata)
from sqlmodel import SQLModel

target_metadata = SQLModel.metadata
config = context.config


def run(connection: Connection) -> None:
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
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("migrations need the app's connection or sqlalchemy.url")
    engine = create_engine(url)
    with engine.begin() as conn:
        run(conn)
    engine.dispose()

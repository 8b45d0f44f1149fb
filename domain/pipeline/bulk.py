"""Inserting many rows at once, the fastest way each database offers.

PostgreSQL: COPY through psycopg 3 (several times faster than executemany). SQLite: the
driver's executemany with values converted once by the columns' own bind processors,
skipping SQLAlchemy's per-row parameter handling (about twice as fast as Core executemany).
Both run on the caller's connection, inside its transaction.
"""

from __future__ import annotations

import orjson
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.sql.schema import ScalarElementColumnDefault


def insert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (a dict of column name to Python value; the first row's keys name
    the columns, a key missing from a later row is NULL)."""
    if not rows:
        return
    columns = list(rows[0])
    defaults = _defaults(table, columns)
    if defaults is None:  # a column's default is computed per row: leave it to SQLAlchemy
        conn.execute(table.insert(), list(rows))
        return
    if defaults:
        columns += list(defaults)
        rows = [{**defaults, **row} for row in rows]
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, rows)
    else:
        _executemany(conn, table, columns, rows)


def _defaults(table: Table, columns: list[str]) -> dict[str, Any] | None:
    """The Python-side defaults of the columns not given (what Core insert would apply);
    None when one of them is computed per row."""
    defaults = {}
    for column in table.columns:
        if column.name in columns or column.default is None:
            continue
        if not isinstance(column.default, ScalarElementColumnDefault):
            return None
        defaults[column.name] = column.default.arg
    return defaults


def _copy(conn: Connection, table: Table, columns: list[str], rows: Sequence[dict[str, Any]]) -> None:
    quote = conn.dialect.identifier_preparer.quote
    as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    statement = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in columns)}) FROM STDIN"
    driver = conn.connection.driver_connection
    if driver is None:
        raise RuntimeError("COPY needs an open connection")
    cursor = driver.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([_json_text(row.get(name)) if name in as_json else row.get(name) for name in columns])
    finally:
        cursor.close()


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _executemany(conn: Connection, table: Table, columns: list[str], rows: Sequence[dict[str, Any]]) -> None:
    processors = [_processor(conn, table, name) for name in columns]
    quote = conn.dialect.identifier_preparer.quote
    statement = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
                 f"VALUES ({', '.join('?' for _ in columns)})")
    values = [_column_values(rows, name, process) for name, process in zip(columns, processors, strict=True)]
    conn.exec_driver_sql(statement, list(zip(*values, strict=True)))


def _column_values(rows: Sequence[dict[str, Any]], name: str, process: Callable[[Any], Any] | None) -> list[Any]:
    """One column's values of every row, as the driver takes them (a column at a time: faster than a row at a time)."""
    values = [row.get(name) for row in rows]
    return values if process is None else [process(value) for value in values]


def _processor(conn: Connection, table: Table, name: str) -> Callable[[Any], Any] | None:
    process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return None if process is None else _remember_last(process)


def _remember_last(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process`, skipped when given the very object it was given last: a chunk's rows share
    their import id, organisation id and timestamps."""
    last: list[Any] = [object(), None]

    def remembered(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return remembered

"""Bulk writes: many rows per statement, for imports.

On PostgreSQL rows go in with ``COPY ... FROM STDIN`` (psycopg 3), several times faster
than multi-row INSERTs because nothing is parsed or planned per row. Elsewhere one
``executemany`` per table. Primary keys are allocated up front (``allocate_ids``) so
that child rows can reference their parents without a RETURNING round trip per table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, aggregate_order_by
from sqlalchemy.engine import Connection

__all__ = ["allocate_ids", "any_of", "insert_missing", "insert_rows", "next_sequence_values"]


def any_of(column: sa.Column[Any], values: Sequence[Any], dialect: str) -> sa.ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter
    instead of thousands (cheaper to send, to parse and to plan)."""
    if dialect == "postgresql":
        array = sa.bindparam(None, list(values), type_=ARRAY(sa.Text))
        return column == sa.any_(sa.cast(array, ARRAY(column.type)))
    return column.in_(values)


def _serial_sequence(conn: Connection, table: sa.Table) -> sa.ScalarSelect[Any]:
    [pk] = table.primary_key.columns
    quoted = conn.dialect.identifier_preparer.format_table(table)
    return sa.select(sa.func.pg_get_serial_sequence(quoted, pk.name)).scalar_subquery()


def allocate_ids(conn: Connection, table: sa.Table, count: int) -> list[int]:
    """``count`` new primary key values for ``table``, unused by anyone else.

    PostgreSQL draws them from the column's sequence (safe under concurrency). SQLite
    continues after the largest id: its writers are serialised by ``BEGIN IMMEDIATE``,
    so the caller must insert these rows before it allocates again in this transaction.
    """
    if count <= 0:
        return []
    [pk] = table.primary_key.columns
    if conn.dialect.name == "postgresql":
        return _draw(conn, sa.func.nextval(_serial_sequence(conn, table)), count)
    largest = conn.execute(sa.select(sa.func.coalesce(sa.func.max(pk), 0))).scalar_one()
    return list(range(int(largest) + 1, int(largest) + 1 + count))


def next_sequence_values(conn: Connection, sequence: sa.Sequence, count: int) -> list[int]:
    """``count`` values of a PostgreSQL sequence in one round trip."""
    if count <= 0:
        return []
    return _draw(conn, sequence.next_value(), count)


def _draw(conn: Connection, next_value: sa.ColumnElement[Any], count: int) -> list[int]:
    """``count`` values of ``next_value`` in increasing order, as ONE array: the driver
    parses a bigint[] in C, where thousands of result rows cost the import's writer ~3 µs
    an order of Python."""
    series = sa.func.generate_series(1, count).table_valued("n").render_derived()
    values = sa.func.array_agg(aggregate_order_by(next_value, series.c.n))
    return list(conn.execute(sa.select(values).select_from(series)).scalar_one())


def insert_rows(
    conn: Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Insert rows given as tuples in ``columns`` order; returns how many were written.

    Values are what the column stores: timezone-aware datetimes, Decimals, str UUIDs,
    plain Python values for JSON columns.
    """
    if conn.dialect.name == "postgresql":
        return _copy(conn, table, columns, rows)
    return _executemany(conn, table, columns, rows)


def insert_missing(
    conn: Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    key: Sequence[str],
) -> None:
    """Insert the rows whose ``key`` is not present yet (``ON CONFLICT DO NOTHING``), on
    PostgreSQL as ONE statement over one array per column (``unnest``) rather than one
    pipelined INSERT per row, which cost the import's writer a fifth of its time."""
    values = list(rows)
    if not values:
        return
    types = [table.c[name].type for name in columns]
    arrays = [
        sa.func.unnest(sa.cast(sa.bindparam(None, list(column), type_=ARRAY(t)), ARRAY(t)))
        for column, t in zip(zip(*values, strict=True), types, strict=True)
    ]
    stmt = (
        postgresql.insert(table)
        .from_select(list(columns), sa.select(*arrays))
        .on_conflict_do_nothing(index_elements=list(key))
    )
    conn.execute(stmt)


def _executemany(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """One driver executemany of the compiled INSERT, each value through its column type's
    bind processor once (what ``conn.execute(insert, dicts)`` does, without the per-row
    parameter bookkeeping that dominates it at this size)."""
    dialect = conn.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
    order = compiled.positiontup or []
    position = {name: i for i, name in enumerate(columns)}
    picks = [position[name] for name in order]
    processors = [table.c[name].type.bind_processor(dialect) for name in order]
    params = [
        tuple(
            value if process is None else process(value)
            for process, value in zip(processors, (row[i] for i in picks), strict=True)
        )
        for row in rows
    ]
    if params:
        conn.exec_driver_sql(str(compiled), params)
    return len(params)


# json.dumps with separators builds a new JSONEncoder per call; one is enough.
_encode_json = json.JSONEncoder(separators=(",", ":")).encode


def _copy(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    json_positions = [
        i for i, c in enumerate(columns) if isinstance(table.c[c].type, (sa.JSON, JSONB))
    ]
    driver = conn.connection.driver_connection
    assert driver is not None
    written = 0
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            if json_positions:
                values = list(row)
                for i in json_positions:
                    values[i] = _encode_json(values[i])
                row = values
            copy.write_row(row)
            written += 1
    return written

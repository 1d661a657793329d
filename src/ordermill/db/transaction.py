"""The unit of work: one transaction per use case, or the caller's.

A service called without ``conn`` opens and commits its own transaction. Given
the caller's connection it runs inside a SAVEPOINT, so nothing is committed
until the caller's block ends, a failed service leaves the caller's
transaction usable, and a rollback by the caller undoes everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

from ordermill.db.engine import READ_ONLY

__all__ = ["read_connection", "transaction"]


@contextmanager
def transaction(engine: Engine, conn: Connection | None = None) -> Iterator[Connection]:
    if conn is None:
        with engine.begin() as own:
            yield own
    elif conn.in_transaction():
        with conn.begin_nested():
            yield conn
    else:
        with conn.begin():
            yield conn


@contextmanager
def read_connection(engine: Engine, conn: Connection | None = None) -> Iterator[Connection]:
    """A connection for reads: the caller's, or a fresh one that takes no write lock."""
    if conn is not None:
        yield conn
        return
    with engine.connect() as own:
        own = own.execution_options(**READ_ONLY)
        try:
            yield own
        finally:
            if own.in_transaction():
                own.rollback()

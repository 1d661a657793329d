"""The unit of work: one transaction per use case, or the caller's.

A service called without ``conn`` opens and commits its own transaction. Given
the caller's connection it runs inside a SAVEPOINT, so nothing is committed
until the caller's block ends, a failed service leaves the caller's
transaction usable, and a rollback by the caller undoes everything.

A caller that rolls back the whole transaction on any error (an API request:
the request fails as one) opens it with ``owned_transaction``; services join
that one directly, without the SAVEPOINT and RELEASE round trips, since there
is nothing left to keep usable after a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

from ordermill.db.engine import READ_ONLY
from ordermill.db.replica import Connectable

__all__ = ["owned_transaction", "read_connection", "transaction"]

_ALL_OR_NOTHING = "ordermill_all_or_nothing"


@contextmanager
def transaction(engine: Engine, conn: Connection | None = None) -> Iterator[Connection]:
    if conn is None:
        with engine.begin() as own:
            yield own
    elif conn.in_transaction():
        if conn.get_execution_options().get(_ALL_OR_NOTHING):
            yield conn
        else:
            with conn.begin_nested():
                yield conn
    else:
        with conn.begin():
            yield conn


@contextmanager
def owned_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction that services join without a SAVEPOINT: any error rolls back all of it.

    Only for a caller that never catches a service's error and goes on writing in
    the same transaction (it would commit what the failed service wrote before failing).
    """
    with engine.begin() as own:
        own.execution_options(**{_ALL_OR_NOTHING: True})
        yield own


@contextmanager
def read_connection(
    engine: Connectable, conn: Connection | None = None, *, single_statement: bool = False
) -> Iterator[Connection]:
    """A connection for reads: the caller's, or a fresh one that takes no write lock.

    ``engine``: the primary, or a ``ReadEngine`` (a replica while it is fresh).

    ``single_statement``: the block runs one statement, which needs no snapshot shared
    with another; on PostgreSQL it runs in autocommit, without the BEGIN and ROLLBACK
    round trips of a transaction.
    """
    if conn is not None:
        yield conn
        return
    with engine.connect() as own:
        if single_statement and engine.dialect.name == "postgresql":
            own = own.execution_options(isolation_level="AUTOCOMMIT")
        else:
            own = own.execution_options(**READ_ONLY)
        try:
            yield own
        finally:
            if own.in_transaction():
                own.rollback()

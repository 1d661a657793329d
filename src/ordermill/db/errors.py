"""The database layer's own errors, for the adapters that report them to a person.

They are SQLAlchemy's classes under the names the rest of ordermill uses, so that
nothing outside ``db/`` imports SQLAlchemy for them.

``unavailable(error)`` is THE one place that decides which of them mean "the database
cannot serve this now, retry" (``ServiceUnavailable``, ``StatementTimeout``) rather
than a bug: the API answers those 503 with ``Retry-After``, the admin a 503 page, the
CLI exit 75 (``EX_TEMPFAIL``), each with a message and no traceback.
"""

from __future__ import annotations

from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ordermill.domain.errors import ServiceUnavailable, StatementTimeout

__all__ = [
    "DBAPIError",
    "DatabaseError",
    "IntegrityError",
    "OperationalError",
    "ProgrammingError",
    "unavailable",
]

# Any error the database layer raises (a driver error wrapped, or SQLAlchemy's own).
DatabaseError = SQLAlchemyError

# PostgreSQL's query_canceled: statement_timeout (or pg_cancel_backend) stopped it.
_QUERY_CANCELED = "57014"
# SQLite's "try again": another connection holds the lock past the busy timeout.
_SQLITE_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")


def unavailable(error: BaseException) -> ServiceUnavailable | None:
    """What ``error`` means to a user when it means "retry shortly", else None (a bug).

    - a statement cancelled by ``statement_timeout``: ``StatementTimeout``;
    - the connection lost (``pg_terminate_backend``, a restart, a network cut: SQLAlchemy
      then invalidates it, and the pool replaces it and every older one), the server
      refusing or not answering connections, a PostgreSQL ``OperationalError`` (admin
      shutdown, too many connections, a deadlock or serialization failure), SQLite busy;
    - no free connection in the pool within its timeout.

    A missing table or a syntax error is not in this list: it is a bug or an
    unmigrated database, and stays a 500.
    """
    if isinstance(error, PoolTimeout):
        return ServiceUnavailable("No free database connection; retry shortly")
    if not isinstance(error, DBAPIError):
        return None
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate == _QUERY_CANCELED:
        return StatementTimeout(
            "The database statement took longer than the statement timeout and was"
            " cancelled; nothing was changed, retry shortly"
        )
    if error.connection_invalidated or (
        isinstance(error, OperationalError) and _operational_means_unavailable(error)
    ):
        return ServiceUnavailable(
            "The database is unavailable or lost the connection; retry shortly"
        )
    return None


def _operational_means_unavailable(error: OperationalError) -> bool:
    """Every PostgreSQL ``OperationalError`` is about the server's state, not the request
    (refused connection, admin shutdown, too many connections, deadlock...); SQLite
    also calls a missing table operational, so only its busy errors count there."""
    if type(error.orig).__module__.startswith("sqlite3"):
        return getattr(error.orig, "sqlite_errorname", None) in _SQLITE_BUSY
    return True

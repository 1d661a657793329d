"""Engines for the two supported databases, set up the way ordermill needs them.

- ``postgresql://`` URLs are accepted as given and use psycopg 3. A pooled
  connection the server has closed (``pg_terminate_backend``, a restart, an idle
  timeout) is replaced when it is checked out, so no request fails on it.
- Both hide bound parameters from error messages (``hide_parameters``): an error's
  text reaches the server log with its traceback, and parameters carry token hashes,
  e-mail addresses and addresses. The statement and the database's error stay.
- SQLite (the embedded default) gets WAL, foreign keys, a busy timeout, and
  ``BEGIN IMMEDIATE`` for every transaction: a writer takes the database lock
  when it begins, so two writers queue instead of failing at commit, and a
  service's reads inside its transaction are as good as locked. Read-only
  paths ask for ``BEGIN DEFERRED`` (``READ_ONLY``) so they never wait for writers.
- ``statement_timeout`` (seconds, None for no limit) bounds every statement. On
  PostgreSQL it is the server's ``statement_timeout``, set once per connection in the
  startup packet (``options=-c statement_timeout=...``): no round trip per request,
  where a ``SET LOCAL`` would cost one in every transaction, and none is possible in the
  autocommit reads (``read_connection``). A statement past it (often one waiting for a
  row lock) is cancelled with SQLSTATE 57014, which ``db.errors.unavailable`` reports.
  On SQLite it is the busy timeout, the only wait there (default 30 s).
"""

from __future__ import annotations

import select
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url

from ordermill.db.pgcursor import LazyDescriptionCursor

__all__ = [
    "DEFAULT_STATEMENT_TIMEOUT",
    "DEFAULT_URL",
    "READ_ONLY",
    "create_engine",
    "normalize_url",
    "on_statement",
]

DEFAULT_URL = "sqlite:///ordermill.db"
# Seconds: what ``ordermill serve`` and ``app_factory`` use unless told otherwise.
DEFAULT_STATEMENT_TIMEOUT = 30.0

# Execution options for a connection that only reads (no write lock on SQLite).
READ_ONLY: dict[str, Any] = {"ordermill_read_only": True}

_SQLITE_BEGIN = {False: "BEGIN IMMEDIATE", True: "BEGIN DEFERRED"}


def normalize_url(url: str | URL) -> URL:
    """Map plain ``postgresql://`` (and ``postgres://``) URLs to the psycopg 3 driver."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_engine(
    url: str | URL,
    *,
    pool_size: int = 10,
    max_overflow: int = 20,
    statement_timeout: float | None = None,
) -> Engine:
    parsed = normalize_url(url)
    if statement_timeout is not None and statement_timeout <= 0:
        statement_timeout = None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, 30.0 if statement_timeout is None else statement_timeout)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(
            f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}:"
            " ordermill runs on postgresql:// and sqlite:///"
        )
    # Column descriptions built only when read: see db/pgcursor.py.
    connect_args: dict[str, Any] = {"cursor_factory": LazyDescriptionCursor}
    if statement_timeout is not None:
        milliseconds = max(1, round(statement_timeout * 1000))
        options = parsed.query.get("options", "")
        extra = options if isinstance(options, str) else " ".join(options)
        connect_args["options"] = f"{extra} -c statement_timeout={milliseconds}".strip()
    engine = sa.create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=False,
        hide_parameters=True,
        connect_args=connect_args,
    )
    # Several rows into one table (status history, outbox events) go as ONE multi-row
    # INSERT, as they already do with RETURNING. psycopg's executemany would send one
    # INSERT per row down a pipeline: the same round trip, but a message (and a wake-up
    # of the server process) per row, which costs more than the row on a busy machine.
    engine.dialect.use_insertmanyvalues_wo_returning = True
    sa.event.listen(engine, "checkout", _replace_if_closed_by_server)
    return engine


def _replace_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Have the pool replace a connection the server has closed, before anyone uses it.

    An idle connection receives nothing (ordermill never LISTENs), so its socket is
    readable only when the server has said goodbye: the FATAL message of
    ``pg_terminate_backend`` or a restart, or the end of the stream (or, rarely, a
    setting the server reloaded: a sound connection is then replaced, which is harmless).
    Asking the
    socket costs a system call where ``pool_pre_ping`` costs a round trip to the
    server on every checkout: ``python -m bench.pool_check`` measured a checkout at
    12 us unchecked, 19 us with this check and 103 us with ``pool_pre_ping`` (two
    loaded cores, where one ``get_order`` took about 4 ms; a quieter run: 10, 12, 60 us).
    A peer that vanished without closing the socket is not seen here; the request on it
    fails with 503 and the pool is renewed, as before. ``DisconnectionError`` makes the
    pool connect anew (and retry the check) instead of handing this connection out.
    """
    if dbapi_connection.closed or _readable(dbapi_connection.fileno()):
        raise sa.exc.DisconnectionError("the server closed this pooled connection")


def _readable(fd: int) -> bool:
    """Whether the socket has something to read, without waiting."""
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([fd], [], [], 0)[0])
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def _sqlite_engine(url: URL, busy_timeout: float) -> Engine:
    engine = sa.create_engine(
        url,
        # One connection per thread is the sqlite3 rule; the pool hands them out.
        connect_args={"check_same_thread": False, "timeout": busy_timeout},
        hide_parameters=True,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {max(1, round(busy_timeout * 1000))}")
        if url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = bool(conn.get_execution_options().get("ordermill_read_only", False))
        conn.exec_driver_sql(_SQLITE_BEGIN[read_only])

    return engine


@contextmanager
def on_statement(engine: Engine, before: Callable[..., None]) -> Iterator[None]:
    """Call ``before(conn, cursor, statement, parameters, context, executemany)`` before
    every statement the engine sends while the block runs (``testing.count_statements``)."""
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)

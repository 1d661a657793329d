"""Which relay delivers for a destination: one at a time, whichever holds its lease.

Several relays may run for availability; for each destination only the holder of its
lease reads and delivers, so events of one destination are never delivered by two
relays at once (which would break per-order order).

- PostgreSQL: a session advisory lock per destination, ``pg_try_advisory_lock(k1, k2)``,
  held by one dedicated connection of the relay. The database releases it when that
  connection ends, so a relay killed with ``kill -9`` hands over within the poll
  interval. A relay whose lock connection breaks stops delivering; the cursor update
  is also conditional on the position it started from (``Store.advance``), so a relay
  that lost its lease without noticing cannot move a cursor another relay moved.
- SQLite: one relay per database file. The lease is an exclusive ``flock`` on
  ``<database>.relay-lock`` for all destinations; a second relay waits as a standby.
"""

from __future__ import annotations

import fcntl
import threading
import zlib
from pathlib import Path
from typing import IO

from sqlalchemy.engine import Connection, Engine

from ordermill.db import relay as db
from ordermill.db.errors import DatabaseError, DBAPIError

__all__ = ["Lease", "lease_for"]

_NAMESPACE = 0x6F6D5256  # "omRV": keeps ordermill's advisory locks apart from others'


def _key(destination: str) -> int:
    """A signed 32-bit key for the destination (a collision only serialises two names)."""
    value = zlib.crc32(destination.encode())
    return value - (1 << 32) if value >= (1 << 31) else value


class Lease:
    """The leases this relay holds; ``acquire`` never blocks."""

    def acquire(self, destination: str) -> bool:
        raise NotImplementedError

    def release(self, destination: str) -> None:
        raise NotImplementedError

    def alive(self) -> bool:
        """False once the leases may have been lost (the lock connection broke)."""
        return True

    def close(self) -> None:
        raise NotImplementedError


class AdvisoryLease(Lease):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._held: set[str] = set()
        self._lock = threading.Lock()  # the connection is used from worker threads

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = db.lock_connection(self._engine)
        return self._conn

    def acquire(self, destination: str) -> bool:
        with self._lock:
            if destination in self._held:
                return True
            try:
                got = db.try_advisory_lock(self._connection(), _NAMESPACE, _key(destination))
            except DBAPIError:
                self._drop()
                return False
            if got:
                self._held.add(destination)
            return got

    def release(self, destination: str) -> None:
        with self._lock:
            if destination not in self._held or self._conn is None:
                return
            self._held.discard(destination)
            try:
                db.advisory_unlock(self._conn, _NAMESPACE, _key(destination))
            except DBAPIError:
                self._drop()

    def alive(self) -> bool:
        with self._lock:
            if self._conn is None:
                return not self._held
            try:
                db.ping(self._conn)
            except DBAPIError:
                self._drop()
                return False
            return True

    def _drop(self) -> None:
        """The connection broke: every lock it held is gone."""
        self._held.clear()
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except DatabaseError:
                pass
            self._conn = None

    def close(self) -> None:
        with self._lock:
            self._drop()


class FileLease(Lease):
    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: IO[bytes] | None = None

    def acquire(self, destination: str) -> bool:
        if self._file is not None:
            return True
        handle = self._path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self, destination: str) -> None:
        """Kept until ``close``: the lock covers every destination of the file."""

    def close(self) -> None:
        if self._file is not None:
            self._file.close()  # closing releases the flock
            self._file = None


def lease_for(engine: Engine) -> Lease:
    if engine.dialect.name == "postgresql":
        return AdvisoryLease(engine)
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("the relay needs a SQLite database file, not an in-memory database")
    return FileLease(Path(database).with_name(Path(database).name + ".relay-lock"))

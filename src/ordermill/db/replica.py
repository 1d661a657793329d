"""A read replica, and when to read from it instead of the primary.

``ReadEngine`` is where the reads that may lag behind the writes go (``Context.read_engine``;
which use cases those are is listed in ``orders/context.py``). Without a replica it is
the primary. With one it is the replica while the replica answers and its lag is within
``max_lag`` seconds, and the primary otherwise, until the replica is back in bound.

The lag is measured ON THE REPLICA, in one round trip (``lag_seconds``), at most every
``check_every`` seconds per process: the request that finds the last measurement older
than that measures again, the others meanwhile use the last one. Measured on the
replica because that needs nothing of the primary (no role allowed to read
``pg_stat_replication``, no name of the standby) and works through any chain of
standbys; the LSN difference seen from the primary counts bytes, not seconds, and
``pg_stat_replication.replay_lag`` is NULL whenever the primary is idle.

The measure is the age of the last transaction replayed, except when the replica has
replayed everything it received while its WAL receiver streams: then it is 0, so an idle
primary does not make an up-to-date replica look late. Replay paused or slower than the
primary: the age grows from the last replayed commit (an over-estimate at most, never an
under-estimate). A replica cut off from its primary (no WAL receiver streaming) counts
the age too, so it is bypassed once that exceeds the bound. It compares the replica's
clock with the primary's commit times: keep the hosts' clocks in sync (NTP).

A replica that refuses connections is bypassed at once: ``connect()`` falls back to the
primary and marks the replica down until the next measurement finds it back.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Literal, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Dialect, Engine

from ordermill.db.engine import normalize_url

__all__ = [
    "DEFAULT_CHECK_EVERY",
    "DEFAULT_MAX_REPLICA_LAG",
    "Connectable",
    "ReadEngine",
    "ReplicaState",
    "ReplicaStatus",
    "lag_seconds",
    "replica_url",
]

DEFAULT_MAX_REPLICA_LAG = 5.0
DEFAULT_CHECK_EVERY = 1.0
# Seconds to wait for a connection to the replica before calling it down (a host that
# drops packets would otherwise hold a request for the system's TCP timeout).
CONNECT_TIMEOUT = 2

ReplicaState = Literal["in_use", "lagging", "down"]

# 0 when the replica has replayed all it received and still streams from its primary
# (or is no standby at all); else the age of its last replayed commit; NULL when it has
# replayed no commit since it started and is not caught up.
_LAG = sa.text(
    """
    SELECT CASE
      WHEN NOT pg_is_in_recovery() THEN 0.0
      WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
           AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver
                       WHERE coalesce(status, 'streaming') = 'streaming')
        THEN 0.0
      ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
    END
    """
)


class Connectable(Protocol):
    """What a read needs of an engine: an ``Engine`` or a ``ReadEngine``."""

    @property
    def dialect(self) -> Dialect: ...

    def connect(self) -> Connection: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplicaStatus:
    """The replica as last measured (``Oms.replica_status()``, ``/readyz``, metrics).

    ``state``: ``in_use`` (reads go to it), ``lagging`` (behind by more than
    ``max_lag_seconds``, or by an unknown time: reads go to the primary), ``down`` (it
    could not be reached: reads go to the primary). ``lag_seconds`` is None when unknown.
    """

    state: ReplicaState
    lag_seconds: float | None
    max_lag_seconds: float
    checked_at: float  # time.time() of the measurement
    error: str | None = None

    @property
    def in_use(self) -> bool:
        return self.state == "in_use"


def lag_seconds(conn: Connection) -> float | None:
    """How far the PostgreSQL server behind ``conn`` is behind its primary (see above)."""
    value = conn.execute(_LAG).scalar_one()
    return None if value is None else max(0.0, float(value))


def replica_url(url: str | URL) -> URL:
    """``url`` with a ``connect_timeout`` (``CONNECT_TIMEOUT``) unless it names its own."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "postgresql" or "connect_timeout" in parsed.query:
        return parsed
    return parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT)})


class ReadEngine:
    """The primary, or a replica while it is up and fresh enough (see the module's text)."""

    def __init__(
        self,
        primary: Engine,
        replica: Engine | None = None,
        *,
        max_lag: float = DEFAULT_MAX_REPLICA_LAG,
        check_every: float = DEFAULT_CHECK_EVERY,
    ) -> None:
        if replica is not None:
            for name, engine in (("primary", primary), ("replica", replica)):
                if engine.dialect.name != "postgresql":
                    raise ValueError(
                        f"a read replica needs PostgreSQL; the {name} is {engine.dialect.name}"
                    )
        if not max_lag > 0:
            raise ValueError(f"max_lag: {max_lag!r} seconds; it must be more than 0")
        self.primary = primary
        self.replica = replica
        self.max_lag = float(max_lag)
        self.check_every = float(check_every)
        self._lock = threading.Lock()
        self._status: ReplicaStatus | None = None
        self._measured = 0.0  # time.monotonic() of self._status

    @property
    def dialect(self) -> Dialect:
        return self.primary.dialect

    def current(self) -> Engine:
        """The engine reads go to now: the replica when ``status()`` says in use."""
        if self.replica is None:
            return self.primary
        status = self.status()
        return self.replica if status is not None and status.in_use else self.primary

    def connect(self) -> Connection:
        """A connection from ``current()``; the primary's when the replica refuses one."""
        engine = self.current()
        if engine is not self.primary:
            try:
                return engine.connect()
            except sa.exc.DBAPIError as exc:
                self._set(self._down(exc))
        return self.primary.connect()

    def status(self) -> ReplicaStatus | None:
        """The replica's last measurement (measured anew when older than ``check_every``);
        None without a replica."""
        if self.replica is None:
            return None
        status = self._status
        if status is not None and time.monotonic() - self._measured < self.check_every:
            return status
        # One thread measures; the others go on with the last measurement meanwhile
        # (the first one ever is awaited).
        if not self._lock.acquire(blocking=status is None):
            return status
        try:
            if self._status is None or time.monotonic() - self._measured >= self.check_every:
                self._set(self._measure(self.replica))
            return self._status
        finally:
            self._lock.release()

    def dispose(self) -> None:
        if self.replica is not None:
            self.replica.dispose()

    def _measure(self, replica: Engine) -> ReplicaStatus:
        try:
            with replica.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                lag = lag_seconds(conn)
        except sa.exc.SQLAlchemyError as exc:
            return self._down(exc)
        fresh = lag is not None and lag <= self.max_lag
        return ReplicaStatus(
            state="in_use" if fresh else "lagging",
            lag_seconds=lag,
            max_lag_seconds=self.max_lag,
            checked_at=time.time(),
        )

    def _down(self, exc: Exception) -> ReplicaStatus:
        cause = getattr(exc, "orig", None) or exc
        first_line = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        return ReplicaStatus(
            state="down",
            lag_seconds=None,
            max_lag_seconds=self.max_lag,
            checked_at=time.time(),
            error=first_line[:300],
        )

    def _set(self, status: ReplicaStatus) -> None:
        self._status = status
        self._measured = time.monotonic()

"""The relay's statements: committed outbox rows in delivery order, cursors, leases, wake-ups.

Delivery order is the position ``(txid, event_id)``. On PostgreSQL ``event_id`` comes
from a sequence, and ids commit out of order: transaction A takes id 10, B takes 11
and commits first. A reader that remembered "delivered up to 11" would never see 10.
So each row also records its transaction id (``txid``, a server default), and the
relay reads only rows whose transaction is older than the oldest one still running
(``txid < pg_snapshot_xmin(pg_current_snapshot())``, the horizon): every such
transaction has ended, so no row can later appear at a position before the ones read.
A row that becomes visible later always has a ``txid`` at or above that horizon, so
above every position already delivered: nothing is skipped, however late a transaction
commits. Rows of one order keep their order: a change takes its transaction id when it
first writes, and every change of an order writes first by locking the order row
(``db/locks.py``), which it can only do once the previous change has committed.

On SQLite writers are serialised (``BEGIN IMMEDIATE``), so ``event_id`` order is
commit order; ``txid`` is NULL there and the position is ``(0, event_id)``.

Every function taking an ``Engine`` is one short transaction of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ordermill.db.relay_tables import relay_cursor, webhook_delivery
from ordermill.db.tables import event, order, utcnow

__all__ = [
    "CHANNEL",
    "DestinationStatus",
    "ListenerLost",
    "Position",
    "Start",
    "advance",
    "advisory_unlock",
    "clear_failing",
    "cursor",
    "ensure_cursor",
    "event_by_id",
    "head",
    "lock_connection",
    "notifications",
    "ping",
    "prune_deliveries",
    "read_events",
    "record_failure",
    "statuses",
    "sweep_dispatched",
    "try_advisory_lock",
    "unread_after",
]

Position = tuple[int, int]  # (txid, event_id); txid 0 on SQLite
Start = Literal["beginning", "head"]

# The channel of migration 0004's trigger on ``event`` (one NOTIFY per transaction).
CHANNEL = "ordermill_events"

_HORIZON: sa.ColumnElement[int] = sa.literal_column(
    "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
)


@dataclass(frozen=True, slots=True)
class DestinationStatus:
    destination: str
    backlog: int
    oldest_undelivered_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    updated_at: datetime


def _postgres(bind: Connection | Engine) -> bool:
    return bind.dialect.name == "postgresql"


# -- positions -------------------------------------------------------------------


def _committed_after(postgres: bool, position: Position) -> sa.ColumnElement[bool]:
    """Rows after ``position`` whose transaction is below the horizon (safe to pass)."""
    if postgres:
        after = sa.tuple_(event.c.txid, event.c.event_id) > sa.tuple_(*position)
        return sa.and_(after, event.c.txid < _HORIZON)
    return event.c.event_id > position[1]


def _after(postgres: bool, position: Position) -> sa.ColumnElement[bool]:
    """Rows after ``position``, committed or not yet past the horizon."""
    if postgres:
        return sa.tuple_(event.c.txid, event.c.event_id) > sa.tuple_(*position)
    return event.c.event_id > position[1]


def _order_by(postgres: bool) -> list[sa.ColumnElement[Any]]:
    return [event.c.txid, event.c.event_id] if postgres else [event.c.event_id]


def _events() -> sa.Select[Any]:
    """event_id, txid, event_uuid, name, payload, order_id, order uuid, created_at."""
    return sa.select(
        event.c.event_id,
        event.c.txid,
        event.c.event_uuid,
        event.c.name,
        event.c.payload,
        event.c.order_id,
        order.c.uuid,
        event.c.created_at,
    ).select_from(event.outerjoin(order, order.c.order_id == event.c.order_id))


def read_events(engine: Engine, after: Position, limit: int) -> list[tuple[Any, ...]]:
    """Up to ``limit`` committed events after ``after``, in delivery order (``_events``)."""
    postgres = _postgres(engine)
    query = _events().where(_committed_after(postgres, after)).order_by(*_order_by(postgres))
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query.limit(limit))]


def event_by_id(engine: Engine, event_id: int) -> tuple[Any, ...] | None:
    """One event, committed or not, in the columns of ``read_events``."""
    with engine.connect() as conn:
        row = conn.execute(_events().where(event.c.event_id == event_id)).first()
    return None if row is None else tuple(row)


def head(conn: Connection) -> Position:
    """The position of the newest committed event (a new webhook starts after it)."""
    postgres = _postgres(conn)
    query = sa.select(event.c.txid, event.c.event_id).order_by(
        *(c.desc() for c in _order_by(postgres))
    )
    if postgres:
        query = query.where(event.c.txid < _HORIZON)
    row = conn.execute(query.limit(1)).first()
    return (0, 0) if row is None else (row[0] or 0, row[1])


def unread_after(engine: Engine, position: Position) -> bool:
    """Whether any event, committed or not yet past the horizon, follows ``position``."""
    with engine.connect() as conn:
        query = sa.select(event.c.event_id).where(_after(_postgres(conn), position)).limit(1)
        return conn.execute(query).first() is not None


# -- cursors ---------------------------------------------------------------------


def ensure_cursor(conn: Connection, destination: str, start: Start) -> Position:
    """The destination's cursor, created at the beginning or at ``head`` when missing."""
    found = conn.execute(
        sa.select(relay_cursor.c.last_txid, relay_cursor.c.last_event_id).where(
            relay_cursor.c.destination == destination
        )
    ).first()
    if found is not None:
        return (found[0], found[1])
    position = head(conn) if start == "head" else (0, 0)
    conn.execute(
        relay_cursor.insert().values(
            destination=destination, last_txid=position[0], last_event_id=position[1]
        )
    )
    return position


def cursor(engine: Engine, destination: str, start: Start) -> Position:
    with engine.begin() as conn:
        return ensure_cursor(conn, destination, start)


def advance(
    engine: Engine,
    destination: str,
    expected: Position,
    new: Position,
    log: Sequence[dict[str, Any]] = (),
) -> bool:
    """Move the cursor from ``expected`` to ``new`` and write the delivery log, in one
    transaction. False (nothing written) when another relay moved it first: a fence
    against a relay that lost its lease without noticing."""
    with engine.begin() as conn:
        moved = conn.execute(
            relay_cursor.update()
            .where(relay_cursor.c.destination == destination)
            .where(relay_cursor.c.last_txid == expected[0])
            .where(relay_cursor.c.last_event_id == expected[1])
            .values(
                last_txid=new[0],
                last_event_id=new[1],
                updated_at=utcnow(),
                last_error=None,
                failing_since=None,
            )
        ).rowcount
        if moved == 1 and log:
            conn.execute(webhook_delivery.insert(), list(log))
    return moved == 1


def record_failure(
    engine: Engine, destination: str, error: str, log: Sequence[dict[str, Any]] = ()
) -> datetime:
    """Keep the error (and the attempts so far); returns since when the head fails."""
    now = utcnow()
    with engine.begin() as conn:
        if log:
            conn.execute(webhook_delivery.insert(), list(log))
        conn.execute(
            relay_cursor.update()
            .where(relay_cursor.c.destination == destination)
            .values(
                last_error=error[:2000],
                last_error_at=now,
                failing_since=sa.func.coalesce(relay_cursor.c.failing_since, now),
            )
        )
        since = conn.execute(
            sa.select(relay_cursor.c.failing_since).where(relay_cursor.c.destination == destination)
        ).scalar()
    return since or now


def clear_failing(conn: Connection, destination: str) -> None:
    """Restart the destination's failure clock (an endpoint enabled again)."""
    conn.execute(
        relay_cursor.update()
        .where(relay_cursor.c.destination == destination)
        .values(failing_since=None)
    )


# -- housekeeping ----------------------------------------------------------------


def statuses(engine: Engine) -> list[DestinationStatus]:
    """Per destination: events not yet passed, the oldest one's time, the last error."""
    with engine.connect() as conn:
        postgres = _postgres(conn)
        cursors = conn.execute(sa.select(relay_cursor).order_by("destination")).all()
        found = []
        for c in cursors:
            after = _after(postgres, (c.last_txid, c.last_event_id))
            count, oldest = conn.execute(
                sa.select(sa.func.count(), sa.func.min(event.c.created_at)).where(after)
            ).one()
            found.append(
                DestinationStatus(
                    c.destination, count, oldest, c.last_error, c.last_error_at, c.updated_at
                )
            )
    return found


def sweep_dispatched(engine: Engine, limit: int = 10_000) -> int:
    """Set ``event.dispatched_at`` on up to ``limit`` events every cursor has passed."""
    with engine.begin() as conn:
        lowest = conn.execute(
            sa.select(relay_cursor.c.last_txid, relay_cursor.c.last_event_id)
            .order_by(relay_cursor.c.last_txid, relay_cursor.c.last_event_id)
            .limit(1)
        ).first()
        if lowest is None:
            return 0
        passed = sa.not_(_after(_postgres(conn), (lowest[0], lowest[1])))
        ids = (
            sa.select(event.c.event_id)
            .where(event.c.dispatched_at.is_(None), passed)
            .order_by(event.c.event_id)
            .limit(limit)
        )
        result = conn.execute(
            event.update().where(event.c.event_id.in_(ids)).values(dispatched_at=utcnow())
        )
        return result.rowcount


def prune_deliveries(engine: Engine, older_than: timedelta) -> int:
    with engine.begin() as conn:
        return conn.execute(
            webhook_delivery.delete().where(webhook_delivery.c.attempted_at < utcnow() - older_than)
        ).rowcount


# -- leases: PostgreSQL session advisory locks -----------------------------------


def lock_connection(engine: Engine) -> Connection:
    """A dedicated autocommit connection: its session's advisory locks live as long as it."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def try_advisory_lock(conn: Connection, namespace: int, key: int) -> bool:
    """Take the session lock ``(namespace, key)`` unless another session holds it."""
    return bool(
        conn.execute(
            sa.text("SELECT pg_try_advisory_lock(:ns, :key)"), {"ns": namespace, "key": key}
        ).scalar()
    )


def advisory_unlock(conn: Connection, namespace: int, key: int) -> None:
    conn.execute(sa.text("SELECT pg_advisory_unlock(:ns, :key)"), {"ns": namespace, "key": key})


def ping(conn: Connection) -> None:
    """Raises ``DBAPIError`` when the connection is gone."""
    conn.execute(sa.text("SELECT 1"))


# -- wake-ups: LISTEN ------------------------------------------------------------


class ListenerLost(Exception):
    """The LISTEN connection could not be opened or broke."""


async def notifications(engine: Engine) -> AsyncIterator[None]:
    """Yield once when listening on ``CHANNEL`` starts (anything committed before is not
    announced), then once per notification; raises ``ListenerLost`` when the connection
    breaks. PostgreSQL only: a raw psycopg connection, outside the engine's pool."""
    import psycopg

    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            yield
            async for _ in conn.notifies():
                yield
    except psycopg.Error as exc:
        raise ListenerLost(str(exc)) from exc

"""The relay's reads and writes: committed outbox rows in delivery order, and cursors.

Delivery order is the position ``(txid, event_id)``. On PostgreSQL ``event_id`` comes
from a sequence, and ids commit out of order: transaction A takes id 10, B takes 11
and commits first. A reader that remembered "delivered up to 11" would never see 10.
So each row also records its transaction id (``txid``, a server default), and the
relay reads only rows whose transaction is older than the oldest one still running
(``txid < pg_snapshot_xmin(pg_current_snapshot())``): every such transaction has
ended, so no row can later appear at a position before the ones read. A row that
becomes visible later always has a ``txid`` at or above that horizon, so above every
position already delivered: nothing is skipped, however late a transaction commits.
Rows of one order keep their order: a change takes its transaction id when it first
writes, and every change of an order writes first by locking the order row
(``db/locks.py``), which it can only do once the previous change has committed.

On SQLite writers are serialised (``BEGIN IMMEDIATE``), so ``event_id`` order is
commit order; ``txid`` is NULL there and the position is ``(0, event_id)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ordermill.db.tables import event, order, relay_cursor, utcnow, webhook_delivery
from ordermill.events.envelope import OutboxEvent

__all__ = ["DestinationStatus", "Position", "Start", "Store"]

Position = tuple[int, int]  # (txid, event_id); txid 0 on SQLite
Start = Literal["beginning", "head"]

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


class Store:
    """Relay queries over one engine; every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    # -- positions ---------------------------------------------------------------

    def _after(self, position: Position) -> sa.ColumnElement[bool]:
        if self.postgres:
            after = sa.tuple_(event.c.txid, event.c.event_id) > sa.tuple_(*position)
            return sa.and_(after, event.c.txid < _HORIZON)
        return event.c.event_id > position[1]

    def _order_by(self) -> list[sa.ColumnElement[Any]]:
        return [event.c.txid, event.c.event_id] if self.postgres else [event.c.event_id]

    def read_batch(self, after: Position, limit: int) -> list[OutboxEvent]:
        """Up to ``limit`` committed events after ``after``, in delivery order."""
        query = (
            sa.select(
                event.c.event_id,
                event.c.txid,
                event.c.event_uuid,
                event.c.name,
                event.c.payload,
                event.c.order_id,
                order.c.uuid,
                event.c.created_at,
            )
            .select_from(event.outerjoin(order, order.c.order_id == event.c.order_id))
            .where(self._after(after))
            .order_by(*self._order_by())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            OutboxEvent(r[0], r[1] or 0, str(r[2]), r[3], r[4] or {}, r[5], r[6], r[7])
            for r in rows
        ]

    def head(self, conn: Connection) -> Position:
        """The position of the newest committed event (a new webhook starts after it)."""
        query = sa.select(event.c.txid, event.c.event_id).order_by(
            *(c.desc() for c in self._order_by())
        )
        if self.postgres:
            query = query.where(event.c.txid < _HORIZON)
        row = conn.execute(query.limit(1)).first()
        return (0, 0) if row is None else (row[0] or 0, row[1])

    # -- cursors -----------------------------------------------------------------

    def ensure_cursor(self, conn: Connection, destination: str, start: Start) -> Position:
        found = conn.execute(
            sa.select(relay_cursor.c.last_txid, relay_cursor.c.last_event_id).where(
                relay_cursor.c.destination == destination
            )
        ).first()
        if found is not None:
            return (found[0], found[1])
        position = self.head(conn) if start == "head" else (0, 0)
        conn.execute(
            relay_cursor.insert().values(
                destination=destination, last_txid=position[0], last_event_id=position[1]
            )
        )
        return position

    def cursor(self, destination: str, start: Start = "beginning") -> Position:
        with self.engine.begin() as conn:
            return self.ensure_cursor(conn, destination, start)

    def advance(
        self,
        destination: str,
        expected: Position,
        new: Position,
        log: Sequence[dict[str, Any]] = (),
    ) -> bool:
        """Move the cursor from ``expected`` to ``new`` and write the delivery log, in one
        transaction. False (nothing written) when another relay moved it first: a fence
        against a relay that lost its lease without noticing."""
        with self.engine.begin() as conn:
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
        self, destination: str, error: str, log: Sequence[dict[str, Any]] = ()
    ) -> datetime:
        """Keep the error (and the attempts so far); returns since when the head fails."""
        now = utcnow()
        with self.engine.begin() as conn:
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
                sa.select(relay_cursor.c.failing_since).where(
                    relay_cursor.c.destination == destination
                )
            ).scalar()
        return since or now

    def unread(self, destination: str) -> bool:
        """Whether any event, committed or not yet past the horizon, follows the cursor."""
        position = self.cursor(destination)
        with self.engine.connect() as conn:
            query = sa.select(event.c.event_id).where(self._backlog_filter(position)).limit(1)
            return conn.execute(query).first() is not None

    # -- housekeeping ------------------------------------------------------------

    def status(self) -> list[DestinationStatus]:
        """Per destination: events not yet passed, the oldest one's time, the last error."""
        with self.engine.connect() as conn:
            cursors = conn.execute(sa.select(relay_cursor).order_by("destination")).all()
            found = []
            for c in cursors:
                after = self._backlog_filter((c.last_txid, c.last_event_id))
                count, oldest = conn.execute(
                    sa.select(sa.func.count(), sa.func.min(event.c.created_at)).where(after)
                ).one()
                found.append(
                    DestinationStatus(
                        c.destination, count, oldest, c.last_error, c.last_error_at, c.updated_at
                    )
                )
        return found

    def _backlog_filter(self, position: Position) -> sa.ColumnElement[bool]:
        if self.postgres:
            return sa.tuple_(event.c.txid, event.c.event_id) > sa.tuple_(*position)
        return event.c.event_id > position[1]

    def sweep_dispatched(self, limit: int = 10_000) -> int:
        """Set ``event.dispatched_at`` on events every destination with a cursor has passed.

        Cursors are the truth; ``dispatched_at`` is kept for readers of the outbox
        table (and its partial index of pending rows). A destination that stops (a
        disabled webhook) holds it back: those events have not reached it.
        """
        with self.engine.begin() as conn:
            lowest = conn.execute(
                sa.select(relay_cursor.c.last_txid, relay_cursor.c.last_event_id)
                .order_by(relay_cursor.c.last_txid, relay_cursor.c.last_event_id)
                .limit(1)
            ).first()
            if lowest is None:
                return 0
            passed = sa.not_(self._backlog_filter((lowest[0], lowest[1])))
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

    def prune_deliveries(self, older_than: timedelta) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                webhook_delivery.delete().where(
                    webhook_delivery.c.attempted_at < utcnow() - older_than
                )
            ).rowcount

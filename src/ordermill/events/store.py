"""The relay's reads and writes over one engine, as outbox events and cursors.

Delivery order is the position ``(txid, event_id)`` of committed rows; why that order
never skips a row that commits late is explained in ``ordermill.db.relay``, which holds
every statement. This class turns its rows into ``OutboxEvent`` values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from ordermill.db import relay as db
from ordermill.db.relay import DestinationStatus, Position, Start
from ordermill.domain.errors import EventNotFound
from ordermill.events.envelope import OutboxEvent

__all__ = ["DestinationStatus", "Position", "Start", "Store"]


def _outbox_event(r: tuple[Any, ...]) -> OutboxEvent:
    return OutboxEvent(r[0], r[1] or 0, str(r[2]), r[3], r[4] or {}, r[5], r[6], r[7])


class Store:
    """Relay queries over one engine; every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def read_batch(self, after: Position, limit: int) -> list[OutboxEvent]:
        """Up to ``limit`` committed events after ``after``, in delivery order."""
        return [_outbox_event(r) for r in db.read_events(self.engine, after, limit)]

    def event(self, event_id: int) -> OutboxEvent:
        """One event by id (for a redelivery), or ``EventNotFound``."""
        found = db.event_by_id(self.engine, event_id)
        if found is None:
            raise EventNotFound(f"Event not found: {event_id}", event_id=event_id)
        return _outbox_event(found)

    def cursor(self, destination: str, start: Start = "beginning") -> Position:
        return db.cursor(self.engine, destination, start)

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
        return db.advance(self.engine, destination, expected, new, log)

    def record_failure(
        self, destination: str, error: str, log: Sequence[dict[str, Any]] = ()
    ) -> datetime:
        """Keep the error (and the attempts so far); returns since when the head fails."""
        return db.record_failure(self.engine, destination, error, log)

    def unread(self, destination: str) -> bool:
        """Whether any event, committed or not yet past the horizon, follows the cursor."""
        return db.unread_after(self.engine, self.cursor(destination))

    def waiting(self, after: Position) -> bool:
        """Whether any event, committed or not yet past the horizon, follows ``after``."""
        return db.unread_after(self.engine, after)

    def status(self) -> list[DestinationStatus]:
        """Per destination: events not yet passed, the oldest one's time, the last error."""
        return db.statuses(self.engine)

    def sweep_dispatched(self, limit: int = 10_000) -> int:
        """Set ``event.dispatched_at`` on events every destination with a cursor has passed.

        Cursors are the truth; ``dispatched_at`` is kept for readers of the outbox
        table (and its partial index of pending rows). A destination that stops (a
        disabled webhook) holds it back: those events have not reached it.
        """
        return db.sweep_dispatched(self.engine, limit)

    def prune_deliveries(self, older_than: timedelta) -> int:
        return db.prune_deliveries(self.engine, older_than)

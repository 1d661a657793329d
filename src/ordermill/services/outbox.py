"""The transactional outbox: events are rows written in the transaction of the change.

Nothing is sent from inside a use case. A relay reads undispatched rows in id
order and hands them to a real broker (at-least-once); consumers deduplicate on
``event_id``. Because the rows commit or roll back with the change, an event is
never published for a change that did not happen, and never lost for one that did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection

from ordermill.db.tables import event, utcnow

__all__ = ["Event", "append_events"]


class Event(NamedTuple):
    name: str
    order_id: int | None
    payload: dict[str, Any]


_INSERT_EVENT = event.insert()  # built once: its cache key is memoized


def append_events(conn: Connection, events: Sequence[Event]) -> None:
    """Write the events in one statement (one round trip however many)."""
    if not events:
        return
    now = utcnow()
    conn.execute(
        _INSERT_EVENT,
        [
            {"name": e.name, "order_id": e.order_id, "payload": e.payload, "created_at": now}
            for e in events
        ],
    )

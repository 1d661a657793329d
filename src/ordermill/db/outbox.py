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

from ordermill.db.change_statement import insert_events
from ordermill.db.tables import utcnow

__all__ = ["Event", "append_events"]


class Event(NamedTuple):
    name: str
    order_id: int | None
    payload: dict[str, Any]


def append_events(conn: Connection, events: Sequence[Event]) -> None:
    """Write the events in one statement (one round trip however many)."""
    if not events:
        return
    insert_events(conn, [(e.name, e.order_id, e.payload) for e in events], utcnow())

"""The transactional outbox: events are rows of the ``event`` table, written in the
transaction of the change they report.

Nothing is sent from inside a use case. Because the rows commit or roll back with the
change, the table never holds an event for a change that did not happen, and always holds
the events of one that did. ordermill writes the rows and nothing more: delivering them is
a relay's work, when one runs, reading the rows whose ``dispatched_at`` is empty in
``event_id`` order (the partial index ``ix_event_pending``) and setting it once it has
handed them on. ``event_id`` identifies an event for whoever receives it.
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

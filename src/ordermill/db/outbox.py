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
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection

from ordermill.db.tables import event, utcnow
from ordermill.domain.actor import Actor, current_actor

__all__ = ["SQLITE_EVENTS", "Event", "append_events", "event_rows", "insert_events", "with_actor"]

# Outbox rows one statement at a time (a multi-row INSERT); on PostgreSQL a change's
# events are part of its one statement (``db/change_statement.py``).
SQLITE_EVENTS = event.insert()


class Event(NamedTuple):
    name: str
    order_id: int | None
    payload: dict[str, Any]


def append_events(conn: Connection, events: Sequence[Event]) -> None:
    """Write the events in one statement (one round trip however many)."""
    if not events:
        return
    insert_events(conn, [(e.name, e.order_id, e.payload) for e in events], utcnow())


def with_actor(payload: Any, actor: Actor) -> Any:
    """An event's payload with the actor that caused it (``data.actor`` of the event)."""
    return {**payload, "actor": actor.as_dict()}


def event_rows(events: Sequence[tuple[str, int | None, Any]], now: datetime) -> list[Any]:
    return [
        {"name": name, "order_id": order_id, "payload": payload, "created_at": now}
        for name, order_id, payload in events
    ]


def insert_events(
    conn: Connection, events: Sequence[tuple[str, int | None, Any]], now: datetime
) -> None:
    """Outbox rows ``(name, order_id, payload)`` in one statement (a multi-row INSERT),
    each payload with the actor of the call in progress."""
    actor = current_actor()
    rows = [(name, order_id, with_actor(payload, actor)) for name, order_id, payload in events]
    conn.execute(SQLITE_EVENTS, event_rows(rows, now))

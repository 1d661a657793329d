"""The order's activity log: notes by people and integrations, internal or customer-visible."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.tables import activity, utcnow
from ordermill.errors import InvalidInput
from ordermill.records import Activity
from ordermill.services.context import Context
from ordermill.services.lifecycle import lock_order_by_key
from ordermill.services.outbox import Event, append_events

__all__ = ["MESSAGE_MAX", "add_order_activity_log"]

MESSAGE_MAX = 2000


def activity_message(message: object) -> str:
    if not isinstance(message, str):
        raise InvalidInput(f"message: {message!r} is not a string", field="message")
    text = message.strip()
    if not text:
        raise InvalidInput("message must not be blank", field="message")
    if len(text) > MESSAGE_MAX:
        raise InvalidInput(
            f"message is longer than {MESSAGE_MAX} characters ({len(text)})", field="message"
        )
    if "\x00" in text:
        raise InvalidInput("message contains a NUL character", field="message")
    return text


def add_order_activity_log(
    ctx: Context,
    key: int | str,
    message: str,
    customer_notified: bool = False,
    *,
    conn: Connection | None = None,
) -> Activity:
    """Add a note to the order's log; ``customer_notified`` makes it visible to the customer.

    Only the flag is stored: notifying the customer is the job of an
    ``activity_added`` event consumer.
    """
    text = activity_message(message)
    if not isinstance(customer_notified, bool):
        raise InvalidInput(
            f"customer_notified: {customer_notified!r} is not true or false",
            field="customer_notified",
        )
    with ctx.transaction(conn) as tx:
        locked = lock_order_by_key(tx, key)
        added = tx.execute(
            activity.insert()
            .values(
                order_id=locked.order_id,
                message=text,
                customer_notified=customer_notified,
                created_at=utcnow(),
            )
            .returning(*activity.c)
        ).one()
        append_events(
            tx,
            [
                Event(
                    "activity_added",
                    locked.order_id,
                    {
                        "order_id": locked.order_id,
                        "activity_id": added.activity_id,
                        "message": text,
                        "customer_notified": customer_notified,
                    },
                )
            ],
        )
    return rows.activity_from_row(added)

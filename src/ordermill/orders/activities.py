"""The order's activity log: notes by people and integrations, internal or customer-visible."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ordermill.db.inserts import insert_activity_with_event
from ordermill.db.locks import lock_order
from ordermill.db.order_state import lock_order_id_by_ref
from ordermill.db.tables import utcnow
from ordermill.domain.actor import current_actor
from ordermill.domain.errors import InvalidInput
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.records import Activity
from ordermill.domain.text import unstorable
from ordermill.orders.context import Context
from ordermill.orders.plugins import Deferred

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
    if bad := unstorable(text):
        raise InvalidInput(f"message contains {bad}", field="message")
    return text


def add_order_activity_log(
    ctx: Context,
    order_ref: OrderRef,
    message: str,
    customer_notified: bool = False,
    *,
    expected_version: int | None = None,
    conn: Connection | None = None,
) -> Activity:
    """Add a note to the order's log; ``customer_notified`` makes it visible to the customer.

    Only the flag is stored: notifying the customer is the job of an
    ``ordermill.order.activity_added`` event consumer.
    """
    text = activity_message(message)
    if not isinstance(customer_notified, bool):
        raise InvalidInput(
            f"customer_notified: {customer_notified!r} is not true or false",
            field="customer_notified",
        )
    with ctx.transaction(conn) as tx:
        order_id, order_uuid = lock_order_id_by_ref(
            tx, order_ref, expected_version=expected_version
        )
        hooked = {"message": text, "customer_notified": customer_notified}
        locked = Deferred(lambda: lock_order(tx, order_id=order_id))
        ctx.plugins.call("before_add_activity", conn=tx, order=locked, **hooked)
        now = utcnow()
        # With its activity_added event (order_id, order_uuid, activity_id, message, ...).
        activity_id = insert_activity_with_event(
            tx,
            order_id=order_id,
            order_uuid=order_uuid,
            message=text,
            customer_notified=customer_notified,
            now=now,
        )
        added = Activity(
            activity_id=activity_id,
            order_id=order_id,
            message=text,
            customer_notified=customer_notified,
            created_at=now,
            actor=current_actor(),
        )
        ctx.plugins.call("after_add_activity", conn=tx, order=locked, result=added, **hooked)
    return added

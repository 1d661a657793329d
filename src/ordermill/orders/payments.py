"""Payment status changes: the order status follows, forward only, in the same transaction."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.order_state import load_state, lock_order_by_ref, write_order_change
from ordermill.domain.change import Change
from ordermill.domain.config import Config
from ordermill.domain.errors import InvalidStatus
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.order_state import CANCELED
from ordermill.domain.records import Order
from ordermill.domain.status import resolve_order_status
from ordermill.orders.cancel import apply_cancellation, check_cancelable
from ordermill.orders.context import Context
from ordermill.orders.plugins import watch

__all__ = ["update_payment_status", "valid_status"]


def valid_status(config: Config, kind: str, status: object) -> str:
    """``status`` if it is a configured payment or shipment status, else ``InvalidStatus``."""
    known = config.payment_statuses if kind == "payment" else config.shipment_statuses
    if not isinstance(status, str) or status not in known:
        raise InvalidStatus(
            f"Invalid {kind} status {status!r}; allowed: {', '.join(known)}",
            kind=kind,
            value=str(status),
            allowed=list(known),
        )
    return status


def update_payment_status(
    ctx: Context,
    order_ref: OrderRef,
    status: str,
    *,
    expected_version: int | None = None,
    conn: Connection | None = None,
) -> Order:
    """Set the payment status of an order and recompute its order status.

    Setting the status it already has changes nothing and emits nothing. A change
    that resolves the order status to canceled is a cancellation: it must be
    cancelable, and shipments and stock are handled as ``cancel_order`` does.
    A payment change on an already canceled order is recorded with an activity
    (a capture that lands after a cancel means a refund may be due).
    """
    config = ctx.config
    status = valid_status(config, "payment", status)
    with ctx.transaction(conn) as tx:
        locked = lock_order_by_ref(tx, order_ref, expected_version=expected_version)
        if locked.payment_status == status:
            return rows.order_from_row(locked)
        change = Change(locked, reason=f"payment status set to {status}")
        change.set_payment_status(status)
        watch(ctx, tx, change, "update_payment_status", status=status)
        resolved = resolve_order_status(config, status, locked.shipment_status)
        if resolved == CANCELED and locked.status != CANCELED:
            check_cancelable(config, locked)
            state = load_state(tx, locked.order_id)
            apply_cancellation(tx, config, change, state, reason=f"payment {status}")
        else:
            change.decide(config)
            if locked.status == CANCELED:
                change.add_activity(
                    f"Payment status changed from {locked.payment_status} to {status}"
                    " after the order was canceled"
                )
        row = write_order_change(tx, change)
    return rows.order_from_row(row)

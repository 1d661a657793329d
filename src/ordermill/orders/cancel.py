"""Canceling an order: the seven steps of cancellation in EverShop's OMS module services,
exactly once.

1. The order is locked (``OrderNotFound`` if there is none); with ``expected_version``
   it must still be at that version (``StaleOrder``).
2. It must be cancelable: not already in a terminal status, and neither its
   payment status nor its shipment status configured ``isCancelable: false``.
3. Payment status -> canceled.
4. Open shipments -> canceled; the shipment status becomes the rollup of a
   canceled order, ``canceled``.
5. Activity "Order canceled (<reason>)", not visible to the customer.
6. When ``reStockAfterCancellation`` is on, every managed line's undelivered,
   not yet restocked quantity goes back to stock (``order_item.qty_restocked``
   records it, so stock is restored once even if the order is met again).
7. One transaction: all of it or nothing.

The same cancellation runs when a payment status change resolves the order to
canceled (``payments.update_payment_status``), so a canceled order always has
its shipments canceled and its stock back, whichever way it got there.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.locks import lock_inventory
from ordermill.db.order_state import OrderRow, load_state, lock_order_by_ref, write_order_change
from ordermill.domain import events
from ordermill.domain.change import Change
from ordermill.domain.config import Config
from ordermill.domain.errors import InvalidInput, OrderNotCancelable
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.order_state import CANCELED, OrderState, order_label
from ordermill.domain.records import Order
from ordermill.domain.status import can_cancel_order
from ordermill.domain.text import unstorable
from ordermill.orders.context import Context
from ordermill.orders.event_payloads import shipment_data
from ordermill.orders.plugins import watch

__all__ = [
    "ORDER_CANCELED",
    "apply_cancellation",
    "cancel_locked",
    "cancel_order",
    "check_cancelable",
]

ORDER_CANCELED = "Order canceled"
_REASON_MAX = 2000


def check_cancelable(config: Config, locked: OrderRow) -> None:
    """Raise ``OrderNotCancelable`` unless the locked order may be canceled now."""
    label = order_label(locked)
    if locked.status in config.terminal_order_statuses:
        raise OrderNotCancelable(
            f"Order {label} is not cancelable: it is already {locked.status}",
            order=label,
            status=locked.status,
            payment_status=locked.payment_status,
            shipment_status=locked.shipment_status,
        )
    if not can_cancel_order(config, locked.status, locked.payment_status, locked.shipment_status):
        raise OrderNotCancelable(
            f"Order {label} is not cancelable at payment status {locked.payment_status!r}"
            f" and shipment status {locked.shipment_status!r}",
            order=label,
            status=locked.status,
            payment_status=locked.payment_status,
            shipment_status=locked.shipment_status,
        )


def apply_cancellation(
    tx: Connection, config: Config, change: Change, state: OrderState, *, reason: str | None
) -> None:
    """Steps 4 to 6 for an order whose payment status ``change`` already set.

    Decides (raising before any write) and then writes the shipments and stock;
    the caller writes ``change`` afterwards.
    """
    open_shipments = state.open_shipments()
    for found in open_shipments:
        found.status = CANCELED
    change.set_shipment_status(state.rollup(order_canceled=True))
    change.decide(config)
    # The open shipments were read under the order's lock: they are the ones to cancel.
    change.cancel_shipments([found.shipment_id for found in open_shipments])
    for found in open_shipments:
        change.add_event(events.SHIPMENT_CANCELED, **shipment_data(config.carriers, found))
    restocked = _restock(tx, change, state) if config.restock_after_cancellation else {}
    change.add_activity(f"{ORDER_CANCELED} ({reason})" if reason else ORDER_CANCELED)
    change.add_event(
        events.ORDER_CANCELED,
        last=True,
        reason=reason,
        restocked=[{"sku": sku, "qty": qty} for sku, qty in restocked.items()],
    )


def _restock(tx: Connection, change: Change, state: OrderState) -> dict[str, int]:
    """Lock the stock of every managed line's undelivered quantity and have ``change``
    put it back; returns units per SKU, ascending."""
    delivered = state.delivered()
    wanted = {
        line.order_item_id: line.qty - delivered[line.order_item_id] - line.qty_restocked
        for line in state.lines.values()
    }
    candidates = [line for line in state.lines.values() if wanted[line.order_item_id] > 0]
    if not candidates:
        return {}
    stock = lock_inventory(tx, (line.sku for line in candidates))
    lines = [line for line in candidates if line.sku in stock and stock[line.sku].manage_stock]
    if not lines:
        return {}
    per_sku: Counter[str] = Counter()
    for line in lines:
        per_sku[line.sku] += wanted[line.order_item_id]
    restocked = {sku: per_sku[sku] for sku in sorted(per_sku)}
    change.restock(
        [(line.order_item_id, wanted[line.order_item_id]) for line in lines],
        list(restocked.items()),
    )
    return restocked


def cancel_reason(reason: object) -> str | None:
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise InvalidInput(f"reason: {reason!r} is not a string", field="reason")
    text = reason.strip()
    if len(text) > _REASON_MAX:
        raise InvalidInput(
            f"reason is longer than {_REASON_MAX} characters ({len(text)})", field="reason"
        )
    if bad := unstorable(text):
        raise InvalidInput(f"reason contains {bad}", field="reason")
    return text or None


def cancel_order(
    ctx: Context,
    order_ref: OrderRef,
    reason: str | None = None,
    *,
    expected_version: int | None = None,
    conn: Connection | None = None,
) -> Order:
    """Cancel the order named by uuid (or id, or order number); see the module docstring."""
    text = cancel_reason(reason)
    with ctx.transaction(conn) as tx:
        locked = lock_order_by_ref(tx, order_ref, expected_version=expected_version)
        check_cancelable(ctx.config, locked)
        return cancel_locked(ctx, tx, locked, text)


def cancel_locked(ctx: Context, tx: Connection, locked: OrderRow, text: str | None) -> Order:
    """Steps 3 to 6 for the locked order that ``check_cancelable`` accepted."""
    state = load_state(tx, locked.order_id)
    change = Change(locked, reason=f"order canceled: {text}" if text else "order canceled")
    change.set_payment_status(CANCELED)
    watch(ctx, tx, change, "cancel_order", reason=text)
    apply_cancellation(tx, ctx.config, change, state, reason=text)
    row = write_order_change(tx, change)
    return rows.order_from_row(row)

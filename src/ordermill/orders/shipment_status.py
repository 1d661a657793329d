"""Shipment status changes: per shipment (delivered, canceled) and per order.

A shipment is created shipped; it may then be delivered or canceled, and both
are final. Marking a delivered shipment delivered, or a canceled one canceled,
changes nothing and emits nothing (a retried webhook is harmless).

``update_shipment_status(order, status)`` keeps the order-level meaning it has in
EverShop's OMS module services, on top of shipments, by the status's configured phase:

- no phase (``pending``, ``processing``): stored as given while the order has
  no shipment; once it has one, its shipment status is their rollup;
- ``shipped``: ships every remaining unit in one new shipment (no carrier);
- ``delivered``: ships the remaining units straight to delivered and marks
  every open shipment delivered;
- ``canceled``: cancels every open shipment (their units may be shipped
  again); canceling the order itself is ``cancel_order``.

An order without lines that require shipping has no shipments: its shipment
status is stored as given (except ``canceled``, which only ``cancel_order`` sets).
Whatever the path, the stored shipment status is the rollup of the shipments
whenever there are any, so the two never disagree.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.order_state import (
    load_state,
    lock_order_by_ref,
    lock_order_of_shipment,
    write_order_change,
)
from ordermill.domain import events
from ordermill.domain.change import Change
from ordermill.domain.errors import ShipmentTransitionError, StatusTransitionError
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.order_state import (
    CANCELED,
    DELIVERED,
    SHIPPED,
    OrderState,
    ShipmentState,
    order_label,
    shipment_uuid,
)
from ordermill.domain.records import Order, Shipment
from ordermill.orders.context import Context
from ordermill.orders.event_payloads import shipment_data
from ordermill.orders.payments import valid_status
from ordermill.orders.plugins import Deferred, watch
from ordermill.orders.shipments import ORDER_DELIVERED, describe_shipment, insert_shipment

__all__ = ["SHIPMENT_CANCELED", "cancel_shipment", "mark_delivered", "update_shipment_status"]

SHIPMENT_CANCELED = "Shipment canceled"


def _decide(ctx: Context, change: Change, shipment_status: str | None, doing: str) -> None:
    """Set the rolled-up shipment status and decide; a refusal names what was attempted."""
    change.set_shipment_status(shipment_status)
    try:
        change.decide(ctx.config)
    except StatusTransitionError as exc:
        raise StatusTransitionError(
            f"Cannot {doing}: the order status would change from {change.row.status} to"
            f" {change.status} (shipment status {change.shipment_status}), which the order"
            f" status flow does not allow ({exc.message})",
            order=order_label(change.row),
            from_status=change.row.status,
            to_status=change.status,
            shipment_status=change.shipment_status,
        ) from None


def _set_shipments(ctx: Context, change: Change, targets: list[ShipmentState], status: str) -> None:
    """Have ``change`` write ``status`` on these (open) shipments, and note it in ``targets``."""
    if not targets:
        return
    for target in targets:
        target.status = status
        if status == DELIVERED:
            target.delivered_at = change.now
        else:
            target.canceled_at = change.now
        event = events.SHIPMENT_DELIVERED if status == DELIVERED else events.SHIPMENT_CANCELED
        change.add_event(event, **shipment_data(ctx.config.carriers, target))
        # Each shipment that changes says so in the activity log, as its creation did.
        said = SHIPMENT_CANCELED if status == CANCELED else ORDER_DELIVERED
        change.add_activity(said + describe_shipment(target.carrier, target.tracking_number))
    ids = [target.shipment_id for target in targets]
    if status == DELIVERED:
        change.deliver_shipments(ids)
    else:
        change.cancel_shipments(ids)


def _change_one(
    ctx: Context, uuid: object, status: str, conn: Connection | None, expected: int | None
) -> Shipment:
    text = shipment_uuid(uuid)
    verb = "mark shipment {} delivered" if status == DELIVERED else "cancel shipment {}"
    doing = verb.format(text)
    with ctx.transaction(conn) as tx:
        locked = lock_order_of_shipment(tx, text, expected_version=expected)
        state = load_state(tx, locked.order_id)
        found = state.shipment_by_uuid(text)
        if found.status == status:
            return found.record()
        if found.status != SHIPPED:
            raise ShipmentTransitionError(
                f"Cannot {doing}: it is {found.status}",
                shipment=text,
                from_status=found.status,
                to_status=status,
            )
        found.status = status
        change = Change(locked, reason=f"shipment {text} {status}")
        was = Deferred(lambda: dataclasses.replace(found.record(), status=SHIPPED))
        use_case = "mark_delivered" if status == DELIVERED else "cancel_shipment"
        watch(ctx, tx, change, use_case, result=found.record, shipment=was)
        _decide(ctx, change, state.rollup(order_canceled=False), doing)
        _set_shipments(ctx, change, [found], status)
        write_order_change(tx, change)
    return found.record()


def mark_delivered(
    ctx: Context,
    uuid: str,
    *,
    expected_version: int | None = None,
    conn: Connection | None = None,
) -> Shipment:
    """Mark a shipped shipment delivered (a delivered one is returned unchanged).
    ``expected_version``: the version of the shipment's order (``StaleOrder``)."""
    return _change_one(ctx, uuid, DELIVERED, conn, expected_version)


def cancel_shipment(
    ctx: Context,
    uuid: str,
    *,
    expected_version: int | None = None,
    conn: Connection | None = None,
) -> Shipment:
    """Cancel a shipped shipment; its units may be shipped again. Delivered ones are final.

    Refused with ``StatusTransitionError`` when the order status would move
    backwards, e.g. with the default mapping a paid order whose only shipment is
    canceled would go from shipped back to processing.
    """
    return _change_one(ctx, uuid, CANCELED, conn, expected_version)


def update_shipment_status(
    ctx: Context,
    order_ref: OrderRef,
    status: str,
    *,
    expected_version: int | None = None,
    conn: Connection | None = None,
) -> Order:
    """Set the order-level shipment status (see the module docstring), in five steps:

    1. The status must be configured; its phase says what it means. The order is locked.
    2. A canceled order keeps its shipments: a status of phase ``canceled`` changes
       nothing, any other is refused.
    3. No phase, or no line that requires shipping: stored as given (``_store_as_given``).
    4. Phase ``canceled``: every open shipment is canceled (``_cancel_open_shipments``).
    5. Phase ``shipped`` or ``delivered``: the remaining units ship in one new shipment,
       and with ``delivered`` every open shipment is delivered (``_ship_remaining``).
    """
    config = ctx.config
    status = valid_status(config, "shipment", status)
    phase = config.shipment_statuses[status].phase
    with ctx.transaction(conn) as tx:
        locked = lock_order_by_ref(tx, order_ref, expected_version=expected_version)
        label = order_label(locked)
        doing = f"set the shipment status of order {label} to {status}"
        if locked.status == CANCELED:
            if phase == CANCELED:
                return rows.order_from_row(locked)
            raise ShipmentTransitionError(
                f"Cannot {doing}: the order is canceled", order=label, to_status=status
            )
        state = load_state(tx, locked.order_id)
        change = Change(locked, reason=f"shipment status set to {status}")
        watch(ctx, tx, change, "update_shipment_status", status=status)
        if phase is None or not state.shippable():
            return _store_as_given(tx, ctx, change, state, status, doing)
        if phase == CANCELED:
            return _cancel_open_shipments(tx, ctx, change, state, status, doing)
        return _ship_remaining(tx, ctx, change, state, status, doing)


def _store_as_given(
    tx: Connection, ctx: Context, change: Change, state: OrderState, status: str, doing: str
) -> Order:
    """Step 3: only while the order has no shipment, whose rollup it would contradict."""
    locked, label = change.row, order_label(change.row)
    if ctx.config.shipment_statuses[status].phase == CANCELED:
        raise ShipmentTransitionError(
            f"Cannot {doing}: it has no shipment to cancel; cancel_order cancels the order",
            order=label,
            to_status=status,
        )
    if state.shipments:
        raise ShipmentTransitionError(
            f"Cannot {doing}: it has shipments, and its shipment status follows them"
            f" (now {locked.shipment_status})",
            order=label,
            to_status=status,
        )
    if locked.shipment_status == status:
        return rows.order_from_row(locked)
    change.set_shipment_status(status)
    change.decide(ctx.config)
    return rows.order_from_row(write_order_change(tx, change))


def _cancel_open_shipments(
    tx: Connection, ctx: Context, change: Change, state: OrderState, status: str, doing: str
) -> Order:
    """Step 4: refused when no shipment is open (canceling the order is ``cancel_order``)."""
    opened = state.open_shipments()
    if not opened:
        raise ShipmentTransitionError(
            f"Cannot {doing}: it has no open shipment to cancel; cancel_order cancels the order",
            order=order_label(change.row),
            to_status=status,
        )
    for target in opened:
        target.status = CANCELED
    _decide(ctx, change, state.rollup(order_canceled=False), doing)
    _set_shipments(ctx, change, opened, CANCELED)
    return rows.order_from_row(write_order_change(tx, change))


def _ship_remaining(
    tx: Connection, ctx: Context, change: Change, state: OrderState, status: str, doing: str
) -> Order:
    """Step 5: nothing left to ship and nothing open to deliver changes nothing, except that
    shipping an order whose every shipment is delivered is refused."""
    phase = ctx.config.shipment_statuses[status].phase
    remaining = {i: n for i, n in state.remaining().items() if n > 0}
    opened = state.open_shipments()
    if phase == SHIPPED and not remaining:
        if opened:
            return rows.order_from_row(change.row)
        raise ShipmentTransitionError(
            f"Cannot {doing}: every shipment of the order is delivered",
            order=order_label(change.row),
            to_status=status,
        )
    if phase == DELIVERED and not remaining and not opened:
        return rows.order_from_row(change.row)
    new_status = SHIPPED if phase == SHIPPED else DELIVERED
    if phase == DELIVERED:
        for target in opened:
            target.status = DELIVERED
    rollup = (
        state.rollup_with(remaining, new_status)
        if remaining
        else state.rollup(order_canceled=False)
    )
    _decide(ctx, change, rollup, doing)
    if phase == DELIVERED:
        _set_shipments(ctx, change, opened, DELIVERED)
    if remaining:
        insert_shipment(
            tx,
            change,
            state,
            remaining,
            carrier=None,
            tracking_number=None,
            carriers=ctx.config.carriers,
            status=new_status,
        )
    return rows.order_from_row(write_order_change(tx, change))

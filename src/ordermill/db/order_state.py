"""The database steps of an order mutation: lock the order, load its state, write the change.

The decisions between them are pure (``domain/order_state.py``, ``domain/change.py``);
this module is what they cost in statements: one to lock, one to load, and the
change's plan in one more on PostgreSQL (``change_statement.py``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ordermill.db.change_statement import write_change
from ordermill.db.locks import lock_order_by, lock_order_id_by, lock_shipment_order
from ordermill.db.tables import order_item, shipment, shipment_item
from ordermill.domain.change import Change
from ordermill.domain.errors import ShipmentNotFound
from ordermill.domain.order_ref import OrderRef, order_not_found, order_ref_keys
from ordermill.domain.order_state import LineState, OrderState, ShipmentState, check_version

__all__ = [
    "OrderRow",
    "load_state",
    "lock_order_by_ref",
    "lock_order_id_by_ref",
    "lock_order_of_shipment",
    "write_order_change",
]

OrderRow = Row[Any]


def lock_order_by_ref(
    tx: Connection, order_ref: OrderRef, *, expected_version: int | None = None
) -> OrderRow:
    """Lock the order named by ``order_ref`` (``order_ref_keys``: the next key is tried only
    when the one before names no order); ``OrderNotFound`` if there is none. Then, under
    the lock, ``StaleOrder`` unless it is at ``expected_version`` (when given)."""
    for column, value in order_ref_keys(order_ref):
        locked = lock_order_by(tx, column, value)
        if locked is not None:
            check_version(locked, expected_version)
            return locked
    raise order_not_found(order_ref)


def lock_order_id_by_ref(
    tx: Connection, order_ref: OrderRef, *, expected_version: int | None = None
) -> tuple[int, str]:
    """``lock_order_by_ref`` for a writer that needs only the order's id and uuid (the
    uuid names the order in the events it writes)."""
    for column, value in order_ref_keys(order_ref):
        found = lock_order_id_by(tx, column, value)
        if found is not None:
            check_version(found, expected_version)
            return int(found.order_id), str(found.uuid)
    raise order_not_found(order_ref)


def lock_order_of_shipment(
    tx: Connection, uuid: str, *, expected_version: int | None = None
) -> OrderRow:
    """Lock the order of the shipment; then ``StaleOrder`` unless it is at
    ``expected_version`` (when given)."""
    locked = lock_shipment_order(tx, uuid)
    if locked is None:
        raise ShipmentNotFound(f"Shipment not found: {uuid}", shipment=uuid)
    check_version(locked, expected_version)
    return locked


_s, _si, _oi = shipment, shipment_item, order_item
# Built once: a statement object reused across calls keeps its memoized cache key, so
# SQLAlchemy neither rebuilds nor re-hashes it on the hot path (see db/locks.py).
_LOAD_STATE = (
    sa.select(
        _oi.c.order_item_id,
        _oi.c.sku,
        _oi.c.qty,
        _oi.c.requires_shipping,
        _oi.c.qty_restocked,
        _si.c.shipment_item_id,
        _si.c.qty.label("si_qty"),
        _s.c.shipment_id,
        _s.c.uuid.label("s_uuid"),
        _s.c.status.label("s_status"),
        _s.c.carrier,
        _s.c.tracking_number,
        _s.c.shipped_at,
        _s.c.delivered_at,
        _s.c.canceled_at,
        _s.c.created_at.label("s_created_at"),
    )
    .select_from(
        _oi.outerjoin(_si, _si.c.order_item_id == _oi.c.order_item_id).outerjoin(
            _s, _s.c.shipment_id == _si.c.shipment_id
        )
    )
    .where(_oi.c.order_id == sa.bindparam("order_id"))
    .order_by(_oi.c.order_item_id, _si.c.shipment_item_id)
)


def load_state(tx: Connection, order_id: int) -> OrderState:
    """The order's items and shipments with their items, in one query."""
    result = tx.execute(_LOAD_STATE, {"order_id": order_id})
    lines: dict[int, LineState] = {}
    shipments: dict[int, ShipmentState] = {}
    for r in result:
        if r.order_item_id not in lines:
            lines[r.order_item_id] = LineState(
                order_item_id=r.order_item_id,
                sku=r.sku,
                qty=r.qty,
                requires_shipping=bool(r.requires_shipping),
                qty_restocked=r.qty_restocked,
            )
        if r.shipment_id is None:
            continue
        found = shipments.get(r.shipment_id)
        if found is None:
            found = shipments[r.shipment_id] = ShipmentState(
                shipment_id=r.shipment_id,
                uuid=str(r.s_uuid),
                order_id=order_id,
                status=r.s_status,
                carrier=r.carrier,
                tracking_number=r.tracking_number,
                shipped_at=r.shipped_at,
                delivered_at=r.delivered_at,
                canceled_at=r.canceled_at,
                created_at=r.s_created_at,
            )
        found.items[r.order_item_id] = (r.shipment_item_id, r.si_qty)
    return OrderState(lines=lines, shipments=dict(sorted(shipments.items())))


def write_order_change(tx: Connection, change: Change) -> OrderRow | dict[str, Any]:
    """Write ``change.plan()`` (``change_statement.py``: one statement on PostgreSQL);
    returns the order row as it is now, after handing it to ``change.written_hook``
    (the plugins' after-hook, still inside the transaction).

    That row is the locked one with the values written here: nothing else of the
    order changes under its lock, so reading it back (RETURNING) would only add a
    20-column result to decode.
    """
    plan = change.plan()
    # Every change writes the order row: its version goes up by one (statuses too when
    # they change), in the statement's ``order`` part.
    row: OrderRow | dict[str, Any] = {
        **change.row._mapping,
        "payment_status": change.payment_status,
        "shipment_status": change.shipment_status,
        "status": change.status,
        "updated_at": change.now,
        "version": change.row.version + 1,
    }
    write_change(tx, plan)
    if change.written_hook is not None:
        change.written_hook(row)
    return row

"""What every order mutation shares: lock the order, load its shipping state, decide, write.

A service runs, inside ``ctx.transaction(conn)``::

    locked = lock_order_by_key(tx, key)        # 1 statement: the order row, FOR UPDATE
    state = load_state(tx, locked.order_id)    # 1 statement: items with their shipments
    change = Change(locked, reason="...")      # decide: new statuses, activities, events
    change.set_shipment_status(...)
    change.decide(ctx.config)                  # resolve + forward-only check, before writing
    ...the service's own writes (shipments, stock)...
    row = change.write(tx)                     # order, history, activities, events (and
                                               # registered shipment/stock writes): one
                                               # statement on PostgreSQL, one per table on SQLite

Shipment rows carry one of three statuses (``SHIPPED``, ``DELIVERED``, ``CANCELED``);
the order's ``shipment_status`` is the rollup of them (``status.rollup_shipment_status``)
as soon as the order has a shipment or is canceled, and the stored value otherwise.
"""

from __future__ import annotations

import uuid as uuid_lib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ordermill.db import rows
from ordermill.db.change_statement import ChangeWrites, write_change
from ordermill.db.locks import lock_order_by, lock_order_id_by, lock_shipment_order
from ordermill.db.tables import order_item, shipment, shipment_item, utcnow
from ordermill.domain.config import Config
from ordermill.domain.errors import OrderNotFound, ShipmentNotFound
from ordermill.domain.events import STATUS_CHANGED
from ordermill.domain.records import Shipment, ShipmentItem
from ordermill.domain.status import LineShipping, check_order_transition, resolve_order_status
from ordermill.domain.status import rollup_shipment_status as _rollup
from ordermill.orders.read import order_key

__all__ = [
    "CANCELED",
    "DELIVERED",
    "SHIPPED",
    "Change",
    "LineState",
    "OrderRow",
    "OrderState",
    "ShipmentState",
    "load_state",
    "lock_order_by_key",
    "lock_order_id_by_key",
    "lock_order_of_shipment",
    "order_label",
    "shipment_uuid",
]

# The statuses a shipment row can have; also the payment and order status codes a
# cancellation writes.
SHIPPED = "shipped"
DELIVERED = "delivered"
CANCELED = "canceled"

OrderRow = Row[Any]
_REASON_MAX = 255


def order_label(row: OrderRow) -> str:
    """How messages name an order: by the number people see."""
    return str(row.order_number)


def lock_order_by_key(tx: Connection, key: int | str) -> OrderRow:
    """Lock the order named by id, uuid or order number; ``OrderNotFound`` if there is none."""
    locked = lock_order_by(tx, *order_key(key))
    if locked is None:
        raise OrderNotFound(f"Order not found: {key}", order=str(key))
    return locked


def lock_order_id_by_key(tx: Connection, key: int | str) -> tuple[int, str]:
    """``lock_order_by_key`` for a writer that needs only the order's id and uuid."""
    found = lock_order_id_by(tx, *order_key(key))
    if found is None:
        raise OrderNotFound(f"Order not found: {key}", order=str(key))
    return found


def shipment_uuid(value: object) -> str:
    """A shipment uuid in canonical form; anything else names no shipment."""
    if isinstance(value, str):
        try:
            return str(uuid_lib.UUID(value.strip()))
        except ValueError:
            pass
    raise ShipmentNotFound(f"Shipment not found: {value!r}", shipment=str(value))


def lock_order_of_shipment(tx: Connection, uuid: str) -> OrderRow:
    locked = lock_shipment_order(tx, uuid)
    if locked is None:
        raise ShipmentNotFound(f"Shipment not found: {uuid}", shipment=uuid)
    return locked


@dataclass(frozen=True, slots=True)
class LineState:
    order_item_id: int
    sku: str
    qty: int
    requires_shipping: bool
    qty_restocked: int


@dataclass(slots=True)
class ShipmentState:
    shipment_id: int
    uuid: str
    order_id: int
    status: str
    carrier: str | None
    tracking_number: str | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    canceled_at: datetime | None
    created_at: datetime
    # order_item_id -> (shipment_item_id, qty), in shipment_item_id order
    items: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status == SHIPPED

    def record(self, row: Row[Any] | None = None) -> Shipment:
        """The shipment as a record: from ``row`` (an UPDATE's RETURNING) or as loaded."""
        items = [
            ShipmentItem(
                shipment_item_id=item_id,
                shipment_id=self.shipment_id,
                order_item_id=order_item_id,
                qty=qty,
            )
            for order_item_id, (item_id, qty) in sorted(self.items.items(), key=lambda i: i[1][0])
        ]
        if row is not None:
            return rows.shipment_from_row(row, items)
        return Shipment(
            shipment_id=self.shipment_id,
            uuid=self.uuid,
            shipment_order_id=self.order_id,
            carrier=self.carrier,
            tracking_number=self.tracking_number,
            status=self.status,
            shipped_at=self.shipped_at,
            delivered_at=self.delivered_at,
            canceled_at=self.canceled_at,
            created_at=self.created_at,
            items=tuple(items),
        )


@dataclass(slots=True)
class OrderState:
    """An order's items and shipments, read under the order's lock."""

    lines: dict[int, LineState]
    shipments: dict[int, ShipmentState]

    def shipment_by_uuid(self, uuid: str) -> ShipmentState:
        for found in self.shipments.values():
            if found.uuid == uuid:
                return found
        raise ShipmentNotFound(f"Shipment not found: {uuid}", shipment=uuid)

    def open_shipments(self) -> list[ShipmentState]:
        return [s for s in self.shipments.values() if s.is_open]

    def _units(self, status: str) -> dict[int, int]:
        units = dict.fromkeys(self.lines, 0)
        for s in self.shipments.values():
            if s.status == status:
                for order_item_id, (_, qty) in s.items.items():
                    units[order_item_id] += qty
        return units

    def shippable(self) -> list[LineState]:
        return [line for line in self.lines.values() if line.requires_shipping]

    def remaining(self) -> dict[int, int]:
        """Units of each line that requires shipping and is in no live shipment."""
        shipped, delivered = self._units(SHIPPED), self._units(DELIVERED)
        return {
            line.order_item_id: line.qty
            - shipped[line.order_item_id]
            - delivered[line.order_item_id]
            for line in self.shippable()
        }

    def delivered(self) -> dict[int, int]:
        return self._units(DELIVERED)

    def rollup_with(self, units: dict[int, int], status: str) -> str | None:
        """The rollup once a shipment of ``units`` in ``status`` is added (decide, then write)."""
        provisional = ShipmentState(
            shipment_id=0,
            uuid="",
            order_id=0,
            status=status,
            carrier=None,
            tracking_number=None,
            shipped_at=None,
            delivered_at=None,
            canceled_at=None,
            created_at=datetime.min,
            items={item_id: (0, qty) for item_id, qty in units.items()},
        )
        self.shipments[0] = provisional
        try:
            return self.rollup(order_canceled=False)
        finally:
            del self.shipments[0]

    def rollup(self, *, order_canceled: bool) -> str | None:
        """The order's shipment status as its shipments say, or None to keep the stored one."""
        if not order_canceled and not self.shipments:
            return None
        shipped, delivered, canceled = (
            self._units(SHIPPED),
            self._units(DELIVERED),
            self._units(CANCELED),
        )
        return _rollup(
            (
                LineShipping(
                    ordered=line.qty,
                    shipped=shipped[line.order_item_id],
                    delivered=delivered[line.order_item_id],
                    canceled=canceled[line.order_item_id],
                )
                for line in self.shippable()
            ),
            order_canceled=order_canceled,
        )


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


class Change:
    """The status, activity and event writes of one mutation of one locked order.

    Status changes are collected first; ``decide`` resolves the order status and
    applies the forward-only rule before the service writes anything, and
    ``write`` then sends every write of the change: shipment statuses and restocks
    the service registered, the order row, history, activities and outbox events.
    """

    def __init__(self, locked: OrderRow, *, reason: str) -> None:
        self.row = locked
        self.order_id: int = locked.order_id
        self.reason = reason[:_REASON_MAX]
        self.payment_status: str = locked.payment_status
        self.shipment_status: str = locked.shipment_status
        self.status: str = locked.status
        self._decided = False
        self._activities: list[tuple[str, bool]] = []
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._final_events: list[tuple[str, dict[str, Any]]] = []
        self.now = utcnow()
        self._writes = ChangeWrites(self.order_id, self.now)
        # Set by ``plugins.watch``: the before-hook runs once decided, the after-hook once written.
        self.decided_hook: Callable[[], None] | None = None
        self.written_hook: Callable[[OrderRow | dict[str, Any]], None] | None = None

    def set_payment_status(self, status: str) -> None:
        self.payment_status = status

    def set_shipment_status(self, status: str | None) -> None:
        """Set the order's shipment status; None (no rollup to apply) keeps it."""
        if status is not None:
            self.shipment_status = status

    def add_activity(self, message: str, *, customer_notified: bool = False) -> None:
        self._activities.append((message, customer_notified))

    def add_event(self, name: str, *, last: bool = False, **payload: Any) -> None:
        """An outbox event (``domain.events``); ``last`` ones follow the status events."""
        added = (name, {"order_id": self.order_id, "order_uuid": str(self.row.uuid), **payload})
        (self._final_events if last else self._events).append(added)

    def decide(self, config: Config) -> str:
        """The new order status; raises ``StatusTransitionError`` or ``InvalidStatus``."""
        self.status = resolve_order_status(config, self.payment_status, self.shipment_status)
        check_order_transition(config, self.row.status, self.status)
        self._decided = True
        if self.decided_hook is not None:
            self.decided_hook()
        return self.status

    def _status_changes(self) -> Iterator[tuple[str, str, str]]:
        for field_name, before, after in (
            ("payment", self.row.payment_status, self.payment_status),
            ("shipment", self.row.shipment_status, self.shipment_status),
            ("order", self.row.status, self.status),
        ):
            if before != after:
                yield field_name, before, after

    def deliver_shipments(self, shipment_ids: list[int]) -> None:
        """Mark these shipments delivered when the change is written."""
        self._writes.delivered_shipments += shipment_ids

    def cancel_shipments(self, shipment_ids: list[int]) -> None:
        """Mark these shipments canceled when the change is written."""
        self._writes.canceled_shipments += shipment_ids

    def restock(self, lines: list[tuple[int, int]], skus: list[tuple[str, int]]) -> None:
        """Put units back when the change is written: ``(order_item_id, qty)`` on the
        lines, ``(sku, qty)`` in stock, whose rows the caller has already locked."""
        self._writes.restock_items += lines
        self._writes.restock_inventory += skus

    def write(self, tx: Connection) -> OrderRow | dict[str, Any]:
        """Write the change (``db/change_statement.py``: one statement on PostgreSQL);
        returns the order row as it is now.

        That row is the locked one with the values written here: nothing else of the
        order changes under its lock, so reading it back (RETURNING) would only add a
        20-column result to decode.
        """
        if not self._decided:
            raise RuntimeError("Change.decide() must run before Change.write()")
        changes = list(self._status_changes())
        row: OrderRow | dict[str, Any] = self.row
        writes = self._writes
        if changes:
            writes.statuses = (self.payment_status, self.shipment_status, self.status)
            writes.reason = self.reason
            writes.history = changes
            row = {
                **self.row._mapping,
                "payment_status": self.payment_status,
                "shipment_status": self.shipment_status,
                "status": self.status,
                "updated_at": self.now,
            }
        writes.activities = self._activities
        writes.events = [
            *self._events,
            *(
                (
                    STATUS_CHANGED[field_name],
                    {
                        "order_id": self.order_id,
                        "order_uuid": str(self.row.uuid),
                        "from_status": before,
                        "to_status": after,
                    },
                )
                for field_name, before, after in changes
            ),
            *self._final_events,
        ]
        write_change(tx, writes)
        if self.written_hook is not None:
            self.written_hook(row)
        return row

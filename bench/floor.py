"""The raw-SQL floor: W1 and W2 as the fewest statements that make ordermill's writes.

A thin psycopg 3 client, one connection, one transaction per call, the same
rows as ordermill's services (``count_statements`` shows them): the order row
locked first, the statuses updated, the shipment with its items, the activity,
status history and outbox rows inserted, the stock of each line put back.

What makes it a floor:

- the fewest statements: after the lock (and the state read, and the inventory
  lock, where the call needs them) every write of a call is ONE statement, each
  table's part a data-modifying CTE of the last one, every row of a table in it
  (multi-row VALUES, or arrays unnested for the restock). WORKLOAD.md describes
  one statement per table; ordermill sends one statement per change on
  PostgreSQL, so the floor does too, or it would not be a floor;
- no ORM, no SQL compilation, no result objects: tuples in, tuples out;
  psycopg prepares each statement after its fifth use, as it does for ordermill.

What it keeps, because ordermill's guarantees need it and the floor must not
skip work ordermill does:

- the lock is its own statement and the state (items, shipments) is read by a
  second one after it. Under READ COMMITTED a row joined into the locking
  statement comes from the snapshot taken before the lock was granted, so a
  shipment committed by the transaction it waited for would be missed;
- the decision (is the change allowed, what is the new order status) is taken
  by the client between the read and the writes, from what was read.

Status resolution uses the default configuration's mapping for the pairs the
workload reaches; any other pair is an error, not a guess. Events carry the
catalogue's names and payloads (``ordermill.domain.events``): the order's id and
uuid in each, a shipment event the shipment's carrier, tracking number and items.
"""

from __future__ import annotations

import uuid as uuid_lib
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any, Protocol
from urllib.parse import quote

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy.engine import Connection, RootTransaction

from bench.harness import OrderKey, Workload, tracking_number
from ordermill.db.engine import create_engine
from ordermill.domain import events as catalogue

__all__ = ["FloorClient", "FloorError", "SqlalchemyFloorClient", "dsn_of"]

# The default configuration's order status for each (payment, shipment) pair W1 and W2 reach.
_RESOLVE = {
    ("pending", "pending"): "pending",
    ("paid", "pending"): "processing",
    ("paid", "shipped"): "shipped",
    ("paid", "delivered"): "completed",
    ("canceled", "canceled"): "canceled",
}
_FLOW = ("pending", "processing", "shipped", "completed")
_CANCELABLE_PAYMENT = frozenset({"pending"})
_CANCELABLE_SHIPMENT = frozenset({"pending", "processing"})

_LOCK_BY_ID = (
    'SELECT order_id, uuid, order_number, payment_status, shipment_status, status FROM "order"'
    " WHERE order_id = %s FOR UPDATE"
)
_LOCK_BY_UUID = (
    'SELECT order_id, uuid, order_number, payment_status, shipment_status, status FROM "order"'
    " WHERE uuid = %s FOR UPDATE"
)
_STATE = (
    "SELECT oi.order_item_id, oi.sku, oi.qty, oi.requires_shipping, oi.qty_restocked,"
    " s.shipment_id, s.status, si.qty"
    " FROM order_item oi"
    " LEFT JOIN shipment_item si ON si.order_item_id = oi.order_item_id"
    " LEFT JOIN shipment s ON s.shipment_id = si.shipment_id"
    " WHERE oi.order_id = %s ORDER BY oi.order_item_id, si.shipment_item_id"
)
# The open shipments of an order delivered in full, with their items (their event payloads).
_OPEN_SHIPMENTS = (
    "SELECT s.shipment_id, s.uuid, s.carrier, s.tracking_number, si.order_item_id, si.qty"
    " FROM shipment s JOIN shipment_item si ON si.shipment_id = s.shipment_id"
    " WHERE s.order_id = %s AND s.status = 'shipped' ORDER BY s.shipment_id, si.order_item_id"
)
_UPDATE_ORDER = (
    'UPDATE "order" SET payment_status = %s, shipment_status = %s, status = %s,'
    " updated_at = now() WHERE order_id = %s"
)
_LOCK_INVENTORY = (
    "SELECT sku, manage_stock FROM inventory WHERE sku = ANY(%s) ORDER BY sku FOR UPDATE"
)


@cache
def _described(carrier: str | None, tracking: str | None) -> str:
    parts = [p for p in (carrier, tracking and f"tracking number {tracking}") if p]
    return f" ({', '.join(parts)})" if parts else ""


def _values(row: str, count: int) -> str:
    return ", ".join([row] * count)


_HISTORY = (
    "INSERT INTO order_status_history (order_id, field, from_status, to_status, reason,"
    " changed_at) VALUES "
)
_HISTORY_ROW = "(%s, %s, %s, %s, %s, now())"


def _tracking_url(tracking: str) -> str:
    """The carrier's tracking link the events carry (the floor ships with UPS only)."""
    return "https://www.ups.com/track?tracknum=" + quote(tracking, safe="")


# Every event names its actor (ordermill.domain.actor); the floor acts as the system.
_SYSTEM = {"kind": "system", "id": None, "name": "system"}
_EVENTS = "INSERT INTO event (name, order_id, payload, created_at) VALUES "
_EVENT_ROW = "(%s, %s, %s, now())"
_ACTIVITIES = (
    "INSERT INTO order_activity (order_id, message, customer_notified, created_at) VALUES "
)
_ACTIVITY_ROW = "(%s, %s, %s, now())"
_SHIPMENT_WITH_ITEMS = (
    "WITH s AS (INSERT INTO shipment (uuid, order_id, carrier, tracking_number, status,"
    " shipped_at, created_at, updated_at) VALUES (%s, %s, %s, %s, 'shipped', now(), now(), now())"
    " RETURNING shipment_id)"
    " INSERT INTO shipment_item (shipment_id, order_item_id, qty)"
    " SELECT s.shipment_id, i.id, i.qty FROM s, unnest(%s::bigint[], %s::int[]) AS i(id, qty)"
    " RETURNING shipment_id"
)
_ACTIVITY_WITH_EVENT = (
    "WITH a AS (INSERT INTO order_activity (order_id, message, customer_notified, created_at)"
    " VALUES (%s, %s, %s, now()) RETURNING activity_id)"
    " INSERT INTO event (name, order_id, payload, created_at)"
    f" SELECT '{catalogue.ACTIVITY_ADDED}', %s, jsonb_build_object('order_id', %s::bigint,"
    " 'order_uuid', %s::text, 'activity_id', a.activity_id, 'message', %s::text,"
    " 'customer_notified', %s::boolean, 'actor',"
    """ '{"kind": "system", "id": null, "name": "system"}'::jsonb), now() FROM a"""
)
_DELIVER_SHIPMENTS = (
    "UPDATE shipment SET status = 'delivered', delivered_at = now(), updated_at = now()"
    " WHERE shipment_id = ANY(%s)"
)
_RESTOCK_ITEMS = (
    "UPDATE order_item SET qty_restocked = order_item.qty_restocked + v.qty"
    " FROM unnest(%s::bigint[], %s::int[]) AS v(id, qty)"
    " WHERE order_item.order_item_id = v.id AND order_item.order_id = %s"
)
_RESTOCK_SKUS = (
    "UPDATE inventory SET qty = inventory.qty + v.qty, updated_at = now()"
    " FROM unnest(%s::text[], %s::int[]) AS v(sku, qty) WHERE inventory.sku = v.sku"
    " AND inventory.sku = ANY(%s::text[])"
)


@cache
def _with_cached(parts: tuple[str, ...]) -> str:
    """``parts`` as one statement: every part but the last a data-modifying CTE."""
    *leading, last = parts
    if not leading:
        return last
    return "WITH " + ", ".join(f"w{i} AS ({p})" for i, p in enumerate(leading)) + " " + last


class FloorError(Exception):
    pass


def dsn_of(url: str) -> str:
    """A libpq DSN from an SQLAlchemy-style URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class _Order:
    """The locked order row and the status change being made to it."""

    __slots__ = ("events", "history", "order_id", "order_number", "row", "status", "uuid")

    def __init__(self, row: tuple[Any, ...]) -> None:
        self.row = row
        self.order_id: int = row[0]
        self.uuid = str(row[1])
        self.order_number: str = row[2]
        self.status = [row[3], row[4], row[5]]  # payment, shipment, order
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.history: list[tuple[str, str, str]] = []

    def change(self, payment: str, shipment: str) -> None:
        resolved = _RESOLVE.get((payment, shipment))
        if resolved is None:
            raise FloorError(f"no order status for ({payment}, {shipment})")
        before = self.status
        if resolved != before[2] and not (
            resolved == "canceled"
            or (before[2] in _FLOW and _FLOW.index(resolved) > _FLOW.index(before[2]))
        ):
            raise FloorError(f"order {self.order_number}: {before[2]} -> {resolved} goes back")
        for name, old, new in zip(
            ("payment", "shipment", "order"), before, (payment, shipment, resolved), strict=True
        ):
            if old != new:
                self.history.append((name, old, new))
        self.status = [payment, shipment, resolved]

    def event(self, name: str, **payload: Any) -> None:
        self.events.append((name, {"order_id": self.order_id, "order_uuid": self.uuid, **payload}))


class _Result(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Sequence[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class FloorClient:
    """One floor client: one psycopg connection, one transaction per call."""

    def __init__(self, url: str, workload: Workload) -> None:
        self.url = url
        self.workload = workload
        # When a list, every statement sent is appended to it (for the statement counts).
        self.log: list[str] | None = None
        self.commits = 0
        self._connect()

    def _connect(self) -> None:
        self.conn = psycopg.connect(dsn_of(self.url))

    def close(self) -> None:
        self.conn.close()

    def run(self, key: OrderKey) -> None:
        if self.workload == "w1":
            self.update_payment_status(key.order_id, "paid")
            self.create_shipment(key.uuid, "UPS", tracking_number(key.order_id))
            self.mark_delivered(key.order_id)
            self.add_activity(key.order_id, "delivered", customer_notified=True)
        else:
            self.cancel_order(key.uuid, "bench")

    # -- plumbing ---------------------------------------------------------------

    def _x(self, sql: str, params: Sequence[Any]) -> _Result:
        if self.log is not None:
            self.log.append(sql)
        return self.conn.execute(sql, params)

    def _commit(self) -> None:
        self.conn.commit()
        self.commits += 1

    def _lock(self, *, order_id: int | None = None, uuid: str | None = None) -> _Order:
        if uuid is not None:
            row = self._x(_LOCK_BY_UUID, (uuid,)).fetchone()
        else:
            row = self._x(_LOCK_BY_ID, (order_id,)).fetchone()
        if row is None:
            raise FloorError(f"no order {order_id or uuid}")
        return _Order(row)

    def _state(self, order_id: int) -> Sequence[Any]:
        return self._x(_STATE, (order_id,)).fetchall()

    def _write(
        self,
        order: _Order,
        reason: str,
        activities: Sequence[str] = (),
        final: tuple[str, dict[str, Any]] | None = None,
        lead: Sequence[tuple[str, Sequence[Any]]] = (),
    ) -> None:
        """``lead`` (shipment and stock writes), the order UPDATE, its history, its
        activities and its events: one statement, each part a CTE but the last.

        Events go in ordermill's order: the call's own, the status changes, then ``final``.
        """
        oid = order.order_id
        parts = [sql for sql, _ in lead]
        params: list[Any] = [p for _, values in lead for p in values]
        if order.history:
            parts.append(_UPDATE_ORDER)
            params += (*order.status, oid)
            parts.append(_HISTORY + _values(_HISTORY_ROW, len(order.history)))
            for name, old, new in order.history:
                params += (oid, name, old, new, reason)
        if activities:
            parts.append(_ACTIVITIES + _values(_ACTIVITY_ROW, len(activities)))
            for message in activities:
                params += (oid, message, False)
        events = list(order.events)
        events += [
            (
                catalogue.STATUS_CHANGED[name],
                {"order_id": oid, "order_uuid": order.uuid, "from_status": old, "to_status": new},
            )
            for name, old, new in order.history
        ]
        if final is not None:
            events.append(final)
        if events:
            parts.append(_EVENTS + _values(_EVENT_ROW, len(events)))
            for name, payload in events:
                params += (name, oid, Jsonb({**payload, "actor": _SYSTEM}))
        if parts:
            self._x(_with_cached(tuple(parts)), params)

    # -- W1 ---------------------------------------------------------------------

    def update_payment_status(self, order_id: int, status: str) -> None:
        order = self._lock(order_id=order_id)
        if order.status[0] != status:
            order.change(status, order.status[1])
            self._write(order, f"payment status set to {status}")
        self._commit()

    def create_shipment(self, uuid: str, carrier: str, tracking: str) -> None:
        order = self._lock(uuid=uuid)
        if order.status[2] == "canceled":
            raise FloorError(f"order {order.order_number} is canceled")
        remaining: dict[int, int] = {}
        for item_id, _sku, qty, requires_shipping, _restocked, _sid, s_status, s_qty in self._state(
            order.order_id
        ):
            if requires_shipping:
                live = s_qty if s_status in ("shipped", "delivered") else 0
                remaining[item_id] = remaining.get(item_id, qty) - live
        units = sorted((i, q) for i, q in remaining.items() if q > 0)
        if not units:
            raise FloorError(f"order {order.order_number}: nothing left to ship")
        order.change(order.status[0], "shipped")
        shipment_uuid = str(uuid_lib.uuid4())
        row = self._x(
            _SHIPMENT_WITH_ITEMS,
            (
                shipment_uuid,
                order.order_id,
                carrier,
                tracking,
                [i for i, _ in units],
                [q for _, q in units],
            ),
        )
        shipment_id = row.fetchone()[0]
        order.event(
            catalogue.SHIPMENT_CREATED,
            shipment_id=shipment_id,
            shipment_uuid=shipment_uuid,
            carrier=carrier,
            tracking_number=tracking,
            tracking_url=_tracking_url(tracking),
            items=[{"order_item_id": i, "qty": q} for i, q in units],
        )
        self._write(
            order,
            "shipment created",
            [f"Order has been shipped ({carrier}, tracking number {tracking})"],
        )
        self._commit()

    def mark_delivered(self, order_id: int) -> None:
        """``update_shipment_status(order_id, "delivered")`` for an order shipped in full."""
        order = self._lock(order_id=order_id)
        shipments: dict[int, dict[str, Any]] = {}
        for sid, s_uuid, carrier, tracking, item_id, qty in self._x(
            _OPEN_SHIPMENTS, (order.order_id,)
        ):
            found = shipments.setdefault(
                sid,
                {
                    "shipment_id": sid,
                    "shipment_uuid": str(s_uuid),
                    "carrier": carrier,
                    "tracking_number": tracking,
                    "tracking_url": _tracking_url(tracking),
                    "items": [],
                },
            )
            found["items"].append({"order_item_id": item_id, "qty": qty})
        if not shipments:
            raise FloorError(f"order {order.order_number} has no open shipment")
        open_shipments = sorted(shipments)
        order.change(order.status[0], "delivered")
        for sid in open_shipments:
            order.event(catalogue.SHIPMENT_DELIVERED, **shipments[sid])
        # Each delivered shipment says so in the activity log, as ordermill writes it.
        delivered = [
            "Order delivered"
            + _described(shipments[sid]["carrier"], shipments[sid]["tracking_number"])
            for sid in open_shipments
        ]
        self._write(
            order,
            "shipment status set to delivered",
            delivered,
            lead=[(_DELIVER_SHIPMENTS, (open_shipments,))],
        )
        self._commit()

    def add_activity(self, order_id: int, message: str, *, customer_notified: bool) -> None:
        order = self._lock(order_id=order_id)
        oid = order.order_id
        self._x(
            _ACTIVITY_WITH_EVENT,
            (oid, message, customer_notified, oid, oid, order.uuid, message, customer_notified),
        )
        self._commit()

    # -- W2 ---------------------------------------------------------------------

    def cancel_order(self, uuid: str, reason: str) -> None:
        order = self._lock(uuid=uuid)
        payment, shipment, status = order.status
        if status == "canceled" or not (
            payment in _CANCELABLE_PAYMENT and shipment in _CANCELABLE_SHIPMENT
        ):
            raise FloorError(f"order {order.order_number} is not cancelable")
        # Units to put back per line: ordered, less delivered, less already restocked.
        lines: dict[int, list[Any]] = {}
        for item_id, sku, qty, _rs, restocked, _sid, s_status, s_qty in self._state(order.order_id):
            if s_status == "shipped":
                raise FloorError("the floor cancels orders without open shipments only")
            line = lines.setdefault(item_id, [sku, qty - restocked])
            if s_status == "delivered":
                line[1] -= s_qty
        wanted = {i: (sku, n) for i, (sku, n) in lines.items() if n > 0}
        per_sku: dict[str, int] = {}
        if wanted:
            skus = sorted({sku for sku, _ in wanted.values()})
            managed = {sku for sku, manage in self._x(_LOCK_INVENTORY, (skus,)) if manage}
            items = [(i, n) for i, (sku, n) in sorted(wanted.items()) if sku in managed]
            for sku, n in wanted.values():
                if sku in managed:
                    per_sku[sku] = per_sku.get(sku, 0) + n
        lead: list[tuple[str, Sequence[Any]]] = []
        if per_sku:
            skus = sorted(per_sku)
            lead = [
                (_RESTOCK_ITEMS, ([i for i, _ in items], [n for _, n in items], order.order_id)),
                (_RESTOCK_SKUS, (skus, [per_sku[s] for s in skus], skus)),
            ]
        restocked = per_sku
        order.change("canceled", "canceled")
        self._write(
            order,
            f"order canceled: {reason}",
            [f"Order canceled ({reason})"],
            lead=lead,
            final=(
                catalogue.ORDER_CANCELED,
                {
                    "order_id": order.order_id,
                    "order_uuid": order.uuid,
                    "reason": reason,
                    "restocked": [{"sku": s, "qty": q} for s, q in sorted(restocked.items())],
                },
            ),
        )
        self._commit()


class SqlalchemyFloorClient(FloorClient):
    """The floor's statements sent through SQLAlchemy: what the stack itself costs.

    The same SQL, parameters and transactions as ``FloorClient``, but each call runs
    in ``engine.begin()`` on a pooled connection and each statement goes through
    ``Connection.exec_driver_sql``, SQLAlchemy's thinnest execution path (no SQL
    compilation, no type processing). ordermill cannot be cheaper than this while
    it runs on SQLAlchemy; the gap between this and ``FloorClient`` is the stack's,
    the gap between ordermill and this is ordermill's own.
    """

    def _connect(self) -> None:
        self.engine = create_engine(self.url, pool_size=1, max_overflow=0)
        self._open: tuple[Connection, RootTransaction] | None = None

    def close(self) -> None:
        self.engine.dispose()

    def _tx(self) -> Connection:
        if self._open is None:
            conn = self.engine.connect()
            self._open = (conn, conn.begin())
        return self._open[0]

    def _x(self, sql: str, params: Sequence[Any]) -> _Result:
        if self.log is not None:
            self.log.append(sql)
        return self._tx().exec_driver_sql(sql, tuple(params))

    def _commit(self) -> None:
        assert self._open is not None
        conn, tx = self._open
        self._open = None
        tx.commit()
        conn.close()
        self.commits += 1

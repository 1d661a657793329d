"""W1 (lifecycle) and W2 (cancel) through ordermill's library path, and their data.

W1, per order, each call its own transaction: ``update_payment_status(order_id,
"paid")``; ``create_shipment(uuid, "UPS", tracking)``;
``update_shipment_status(order_id, "delivered")``;
``add_order_activity_log(order_id, "delivered", True)``.
W2: ``cancel_order(uuid, "bench")``.

The orders come from the WORKLOAD.md lifecycle set, loaded by ``bench.dataset``
(payment pending, shipment pending, stock already taken for them). Each run
takes the next fresh orders from an ``OrderPool``, so no run meets an order
another run has moved.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import psycopg

import ordermill
from bench import dataset
from bench.floor import dsn_of
from bench.harness import OrderKey, Workload, tracking_number
from ordermill.db.engine import create_engine
from ordermill.db.migrate import migrate

__all__ = [
    "WRITTEN_TABLES",
    "OrderPool",
    "OrdermillClient",
    "event_shapes",
    "load_lifecycle",
    "order_statuses",
    "rows_written",
    "stock_levels",
    "units_ordered",
]

# The tables W1 and W2 write to, besides the order row itself.
WRITTEN_TABLES = (
    "shipment",
    "shipment_item",
    "order_activity",
    "order_status_history",
    "event",
)


class OrdermillClient:
    """One benchmark client: one ``Oms`` with a pool of one connection."""

    def __init__(self, url: str, workload: Workload) -> None:
        self.oms = ordermill.connect(url, pool_size=1, max_overflow=0)
        self.workload = workload

    def run(self, key: OrderKey) -> None:
        oms = self.oms
        if self.workload == "w2":
            oms.cancel_order(key.uuid, "bench")
            return
        oms.update_payment_status(key.order_id, "paid")
        oms.create_shipment(key.uuid, "UPS", tracking_number(key.order_id))
        oms.update_shipment_status(key.order_id, "delivered")
        oms.add_order_activity_log(key.order_id, "delivered", True)

    def close(self) -> None:
        self.oms.close()


class OrderPool:
    """The lifecycle set's orders, handed out in id order, each once."""

    def __init__(self, keys: Sequence[OrderKey]) -> None:
        self._keys = list(keys)
        self._next = 0

    @property
    def left(self) -> int:
        return len(self._keys) - self._next

    def take(self, count: int) -> list[OrderKey]:
        if count > self.left:
            raise RuntimeError(f"the lifecycle set is used up: {count} wanted, {self.left} left")
        taken = self._keys[self._next : self._next + count]
        self._next += count
        return taken


def load_lifecycle(
    url: str, orders: int, *, products: int = 1_000, log: Callable[[str], object] = print
) -> list[OrderKey]:
    """Empty the database at ``url`` (migrated here) and load the lifecycle set into it;
    returns its orders in id order."""
    engine = create_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    dataset.load(url, dataset.lifecycle_set(orders), products=products, log=log)
    oms = ordermill.connect(url)
    try:
        with oms.engine.connect() as conn:
            rows = conn.exec_driver_sql('SELECT order_id, uuid FROM "order" ORDER BY order_id')
            return [OrderKey(int(r[0]), str(r[1])) for r in rows]
    finally:
        oms.close()


def _query(url: str, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite"):
        oms = ordermill.connect(url)
        try:
            with oms.engine.connect() as conn:
                return [tuple(r) for r in conn.exec_driver_sql(sql, tuple(params))]
        finally:
            oms.close()
    with psycopg.connect(dsn_of(url)) as conn:
        return conn.execute(sql.replace("?", "%s"), params).fetchall()


def _shape(value: Any) -> Any:
    """A payload's keys and value types, nested: what two orders' events share."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return type(value).__name__


def event_shapes(url: str, keys: Sequence[OrderKey]) -> list[tuple[str, Any]]:
    """The events of these orders in the order written: each one's name and payload shape."""
    ids = sorted(k.order_id for k in keys)
    found = _query(
        url,
        "SELECT name, payload FROM event WHERE order_id BETWEEN ? AND ? ORDER BY event_id",
        (ids[0], ids[-1]),
    )
    return [
        (str(name), _shape(json.loads(payload) if isinstance(payload, str) else payload))
        for name, payload in found
    ]


def stock_levels(url: str) -> dict[str, int]:
    return {str(sku): int(qty) for sku, qty in _query(url, "SELECT sku, qty FROM inventory")}


def units_ordered(url: str, keys: Sequence[OrderKey]) -> Counter[str]:
    """Units per SKU on these orders' lines."""
    ids = sorted(k.order_id for k in keys)
    found = _query(
        url,
        "SELECT sku, SUM(qty) FROM order_item WHERE order_id BETWEEN ? AND ? GROUP BY sku",
        (ids[0], ids[-1]),
    )
    if ids[-1] - ids[0] + 1 != len(ids):
        raise ValueError("units_ordered expects a contiguous run of order ids")
    return Counter({str(sku): int(qty) for sku, qty in found})


def order_statuses(url: str, keys: Sequence[OrderKey]) -> Counter[str]:
    """How many of these (contiguous) orders are in each order status."""
    ids = sorted(k.order_id for k in keys)
    found = _query(
        url,
        'SELECT status, COUNT(*) FROM "order" WHERE order_id BETWEEN ? AND ? GROUP BY status',
        (ids[0], ids[-1]),
    )
    return Counter({str(s): int(n) for s, n in found})


def rows_written(url: str, keys: Sequence[OrderKey]) -> dict[str, int]:
    """Rows these (contiguous) orders have in each table W1 and W2 write."""
    ids = sorted(k.order_id for k in keys)
    low, high = ids[0], ids[-1]
    parts = [
        "(SELECT COUNT(*) FROM shipment WHERE order_id BETWEEN ? AND ?)",
        "(SELECT COUNT(*) FROM shipment_item si JOIN shipment s USING (shipment_id)"
        " WHERE s.order_id BETWEEN ? AND ?)",
        "(SELECT COUNT(*) FROM order_activity WHERE order_id BETWEEN ? AND ?)",
        "(SELECT COUNT(*) FROM order_status_history WHERE order_id BETWEEN ? AND ?)",
        "(SELECT COUNT(*) FROM event WHERE order_id BETWEEN ? AND ?)",
    ]
    [row] = _query(url, "SELECT " + ", ".join(parts), (low, high) * len(parts))
    return {table: int(n) for table, n in zip(WRITTEN_TABLES, row, strict=True)}

"""Row locks, and the one global order in which every service takes them.

    1. the order row                      (lock_order, lock_order_where,
                                           lock_shipment_order)
    2. its items and shipments, by id     (taken implicitly: they are only
                                           written under the order's lock)
    3. inventory rows, by SKU ascending   (lock_inventory)

Every service that writes an order locks its row first and then re-reads the
state it decides on (lock, then check, then write). Two services touching the
same order therefore queue on the order row, and any two transactions take
inventory locks in the same order, so they cannot deadlock.

On PostgreSQL the locks are ``SELECT ... FOR UPDATE``. On SQLite the whole
database is locked by ``BEGIN IMMEDIATE`` (see ``engine.py``) and ``FOR
UPDATE`` is left out by SQLAlchemy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Row

from ordermill.db.tables import inventory, order, shipment

__all__ = [
    "OrderKeyColumn",
    "lock_inventory",
    "lock_order",
    "lock_order_by",
    "lock_order_id_by",
    "lock_order_where",
    "lock_shipment_order",
    "locks_disabled",
]


def locks_disabled() -> bool:
    """The test-only switch that turns row locks off, to prove the race tests can fail.

    It is read only when ``ORDERMILL_ENV=test``, so a production process
    cannot turn locking off by accident or on purpose.
    """
    return (
        os.environ.get("ORDERMILL_ENV") == "test"
        and os.environ.get("ORDERMILL_TEST_DISABLE_LOCKS") == "1"
    )


def _pause_after_lock() -> None:
    """The test-only pause that widens race windows (``ORDERMILL_TEST_PAUSE_AFTER_LOCK`` seconds).

    Like the switch above it is read only when ``ORDERMILL_ENV=test``: with locks
    disabled it lets every racing transaction read the same state before any writes.
    """
    if os.environ.get("ORDERMILL_ENV") != "test":
        return
    pause = os.environ.get("ORDERMILL_TEST_PAUSE_AFTER_LOCK")
    if pause:
        time.sleep(float(pause))


OrderKeyColumn = Literal["order_id", "uuid", "order_number"]


def _for_update(stmt: sa.Select[tuple[object, ...]]) -> dict[bool, sa.Select[tuple[object, ...]]]:
    """The statement with and without FOR UPDATE, keyed by "lock"."""
    return {True: stmt.with_for_update(), False: stmt}


# Built once: a statement object reused across calls keeps its memoized cache key, so
# SQLAlchemy neither rebuilds nor re-hashes it on the hot path.
_LOCK_ORDER_BY = {
    column: _for_update(sa.select(order).where(order.c[column] == sa.bindparam("key")))
    for column in ("order_id", "uuid", "order_number")
}
_LOCK_ORDER_ID_BY = {
    column: _for_update(
        sa.select(order.c.order_id, order.c.uuid).where(order.c[column] == sa.bindparam("key"))
    )
    for column in ("order_id", "uuid", "order_number")
}
_LOCK_SHIPMENT_ORDER = _for_update(
    sa.select(order).where(
        order.c.order_id
        == sa.select(shipment.c.order_id)
        .where(shipment.c.uuid == sa.bindparam("shipment_uuid"))
        .scalar_subquery()
    )
)
# On PostgreSQL the SKUs are one array parameter (= ANY): one SQL text whatever their
# number, where an expanding IN is rendered anew on every call. SQLite has no arrays.
_LOCK_INVENTORY = {
    dialect: _for_update(sa.select(inventory).where(condition).order_by(inventory.c.sku))
    for dialect, condition in (
        (
            "postgresql",
            inventory.c.sku == sa.any_(sa.bindparam("skus", type_=postgresql.ARRAY(sa.Text()))),
        ),
        ("sqlite", inventory.c.sku.in_(sa.bindparam("skus", expanding=True))),
    )
}


def lock_order_by(
    conn: Connection, column: OrderKeyColumn, value: object
) -> Row[tuple[object, ...]] | None:
    """Lock and return the order row whose ``column`` (a unique key) is ``value``, or None."""
    row = conn.execute(_LOCK_ORDER_BY[column][not locks_disabled()], {"key": value}).first()
    _pause_after_lock()
    return row


def lock_order_id_by(
    conn: Connection, column: OrderKeyColumn, value: object
) -> tuple[int, str] | None:
    """``lock_order_by`` that returns only the order's id and uuid (for writers that need
    no more: the uuid names the order in the events they write)."""
    found = conn.execute(_LOCK_ORDER_ID_BY[column][not locks_disabled()], {"key": value})
    row: Any = found.one_or_none()
    _pause_after_lock()
    return None if row is None else (int(row.order_id), str(row.uuid))


def lock_order(
    conn: Connection, *, order_id: int | None = None, uuid: str | None = None
) -> Row[tuple[object, ...]] | None:
    """Lock and return the order row (or None when there is no such order)."""
    if (order_id is None) == (uuid is None):
        raise TypeError("lock_order takes exactly one of order_id and uuid")
    if uuid is None:
        return lock_order_by(conn, "order_id", order_id)
    return lock_order_by(conn, "uuid", uuid)


def lock_order_where(
    conn: Connection, condition: sa.ColumnElement[bool]
) -> Row[tuple[object, ...]] | None:
    """Lock and return the order row matching ``condition`` (a unique key), or None."""
    stmt = sa.select(order).where(condition)
    if not locks_disabled():
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    _pause_after_lock()
    return row


def lock_shipment_order(conn: Connection, shipment_uuid: str) -> Row[tuple[object, ...]] | None:
    """Lock and return the order row of the shipment with this uuid, or None.

    Only the order row is locked: shipments are written under their order's lock,
    so the caller re-reads the shipment after this returns (a value joined into
    this statement could predate a transaction this one waited for).
    """
    stmt = _LOCK_SHIPMENT_ORDER[not locks_disabled()]
    row = conn.execute(stmt, {"shipment_uuid": shipment_uuid}).first()
    _pause_after_lock()
    return row


def lock_inventory(conn: Connection, skus: Iterable[str]) -> dict[str, Row[tuple[object, ...]]]:
    """Lock the inventory rows of these SKUs in ascending SKU order; SKUs without a row are absent.

    ``ORDER BY`` under ``FOR UPDATE`` makes PostgreSQL lock the rows in that
    order, which is what keeps two orders with overlapping SKUs from deadlocking.
    """
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    stmt = _LOCK_INVENTORY[conn.dialect.name][not locks_disabled()]
    return {row.sku: row for row in conn.execute(stmt, {"skus": wanted})}

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

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ordermill.db.tables import inventory, order, shipment

__all__ = [
    "lock_inventory",
    "lock_order",
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


def lock_order(
    conn: Connection, *, order_id: int | None = None, uuid: str | None = None
) -> Row[tuple[object, ...]] | None:
    """Lock and return the order row (or None when there is no such order)."""
    if (order_id is None) == (uuid is None):
        raise TypeError("lock_order takes exactly one of order_id and uuid")
    condition = order.c.order_id == order_id if uuid is None else order.c.uuid == uuid
    return lock_order_where(conn, condition)


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
    owner = sa.select(shipment.c.order_id).where(shipment.c.uuid == shipment_uuid)
    return lock_order_where(conn, order.c.order_id == owner.scalar_subquery())


def lock_inventory(conn: Connection, skus: Iterable[str]) -> dict[str, Row[tuple[object, ...]]]:
    """Lock the inventory rows of these SKUs in ascending SKU order; SKUs without a row are absent.

    ``ORDER BY`` under ``FOR UPDATE`` makes PostgreSQL lock the rows in that
    order, which is what keeps two orders with overlapping SKUs from deadlocking.
    """
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    stmt = sa.select(inventory).where(inventory.c.sku.in_(wanted)).order_by(inventory.c.sku)
    if not locks_disabled():
        stmt = stmt.with_for_update()
    return {row.sku: row for row in conn.execute(stmt)}

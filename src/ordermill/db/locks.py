"""Row locks, and the one global order in which every service takes them.

    1. the order row                      (lock_order)
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
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ordermill.db.tables import inventory, order

__all__ = ["lock_inventory", "lock_order", "locks_disabled"]


def locks_disabled() -> bool:
    """The test-only switch that turns row locks off, to prove the race tests can fail.

    It is read only when ``ORDERMILL_ENV=test``, so a production process
    cannot turn locking off by accident or on purpose.
    """
    return (
        os.environ.get("ORDERMILL_ENV") == "test"
        and os.environ.get("ORDERMILL_TEST_DISABLE_LOCKS") == "1"
    )


def lock_order(
    conn: Connection, *, order_id: int | None = None, uuid: str | None = None
) -> Row[tuple[object, ...]] | None:
    """Lock and return the order row (or None when there is no such order)."""
    if (order_id is None) == (uuid is None):
        raise TypeError("lock_order takes exactly one of order_id and uuid")
    condition = order.c.order_id == order_id if uuid is None else order.c.uuid == uuid
    stmt = sa.select(order).where(condition)
    if not locks_disabled():
        stmt = stmt.with_for_update()
    return conn.execute(stmt).first()


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

"""Row locks, and the one global order in which every service takes them.

    1. the order row                      (lock_order, lock_order_where,
                                           lock_shipment_order, lock_return_order)
    2. its items, shipments and returns   (taken implicitly: they are only
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
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Row

from ordermill.db.return_tables import order_return
from ordermill.db.tables import inventory, order, shipment
from ordermill.domain.order_ref import OrderRefColumn

__all__ = [
    "LockSwitches",
    "lock_inventory",
    "lock_order",
    "lock_order_by",
    "lock_order_id_by",
    "lock_order_where",
    "lock_return_order",
    "lock_shipment_order",
    "lock_switches",
    "locks_disabled",
]


@dataclass(slots=True)
class LockSwitches:
    """The test-only switches that prove the race tests can fail.

    ``disable_locks`` leaves ``FOR UPDATE`` out of every lock; ``pause_after_lock``
    (seconds) sleeps after each locking read, so that with locks disabled every racing
    transaction reads the same state before any writes.

    They come from ``ORDERMILL_TEST_DISABLE_LOCKS=1`` and
    ``ORDERMILL_TEST_PAUSE_AFTER_LOCK=<seconds>``, read once, at the first lock of
    the process (not at import: a test runner may set ``ORDERMILL_ENV`` after
    importing ordermill), and only when ``ORDERMILL_ENV=test``, so a production
    process cannot turn locking off by accident or on purpose. A test changes them
    on the object ``lock_switches()`` returns (e.g. with ``monkeypatch.setattr``).
    """

    disable_locks: bool = False
    pause_after_lock: float = 0.0

    @classmethod
    def from_environment(cls) -> LockSwitches:
        if os.environ.get("ORDERMILL_ENV") != "test":
            return cls()
        pause = os.environ.get("ORDERMILL_TEST_PAUSE_AFTER_LOCK")
        return cls(
            disable_locks=os.environ.get("ORDERMILL_TEST_DISABLE_LOCKS") == "1",
            pause_after_lock=float(pause) if pause else 0.0,
        )


_switches: LockSwitches | None = None


def lock_switches() -> LockSwitches:
    """The process's switches, read from the environment on the first call."""
    global _switches
    if _switches is None:
        _switches = LockSwitches.from_environment()
    return _switches


def locks_disabled() -> bool:
    """Whether the test-only switch has turned row locks off (see ``LockSwitches``)."""
    return lock_switches().disable_locks


def _pause_after_lock() -> None:
    pause = lock_switches().pause_after_lock
    if pause:
        time.sleep(pause)


def _for_update(stmt: sa.Select[tuple[object, ...]]) -> dict[bool, sa.Select[tuple[object, ...]]]:
    """The statement with and without FOR UPDATE, keyed by "lock"."""
    return {True: stmt.with_for_update(), False: stmt}


# Built once: a statement object reused across calls keeps its memoized cache key, so
# SQLAlchemy neither rebuilds nor re-hashes it on the hot path.
_LOCK_ORDER_BY = {
    column: _for_update(sa.select(order).where(order.c[column] == sa.bindparam("key")))
    for column in ("order_id", "uuid", "order_number", "external_reference")
}
_LOCK_ORDER_ID_BY = {
    column: _for_update(
        sa.select(order.c.order_id, order.c.uuid, order.c.order_number, order.c.version).where(
            order.c[column] == sa.bindparam("key")
        )
    )
    for column in ("order_id", "uuid", "order_number", "external_reference")
}
_LOCK_SHIPMENT_ORDER = _for_update(
    sa.select(order).where(
        order.c.order_id
        == sa.select(shipment.c.order_id)
        .where(shipment.c.uuid == sa.bindparam("shipment_uuid"))
        .scalar_subquery()
    )
)
_LOCK_RETURN_ORDER = _for_update(
    sa.select(order).where(
        order.c.order_id
        == sa.select(order_return.c.order_id)
        .where(order_return.c.uuid == sa.bindparam("return_uuid"))
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
    conn: Connection, column: OrderRefColumn, value: object
) -> Row[tuple[object, ...]] | None:
    """Lock and return the order row whose ``column`` (a unique key) is ``value``, or None."""
    row = conn.execute(_LOCK_ORDER_BY[column][not locks_disabled()], {"key": value}).first()
    _pause_after_lock()
    return row


def lock_order_id_by(conn: Connection, column: OrderRefColumn, value: object) -> Any | None:
    """``lock_order_by`` that returns only the order's id, uuid, number and version (for
    writers that need no more: the uuid names the order in the events they write)."""
    found = conn.execute(_LOCK_ORDER_ID_BY[column][not locks_disabled()], {"key": value})
    row: Any = found.one_or_none()
    _pause_after_lock()
    return row


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


def lock_return_order(conn: Connection, return_uuid: str) -> Row[tuple[object, ...]] | None:
    """Lock and return the order row of the return with this uuid, or None; as
    ``lock_shipment_order``, the caller re-reads the return under the lock."""
    stmt = _LOCK_RETURN_ORDER[not locks_disabled()]
    row = conn.execute(stmt, {"return_uuid": return_uuid}).first()
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

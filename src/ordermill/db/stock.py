"""Inventory rows: the stock level of a SKU, set or read."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.tables import inventory, utcnow
from ordermill.domain.records import StockLevel

__all__ = ["find_stock", "upsert_stock"]


def upsert_stock(tx: Connection, sku: str, qty: int, *, manage_stock: bool) -> StockLevel:
    """Set the stock of ``sku`` to ``qty``, creating its inventory row if needed."""
    values = {"sku": sku, "qty": qty, "manage_stock": manage_stock, "updated_at": utcnow()}
    insert = (postgresql.insert if tx.dialect.name == "postgresql" else sqlite.insert)(inventory)
    stmt = insert.values(values).on_conflict_do_update(
        index_elements=["sku"],
        set_={"qty": qty, "manage_stock": manage_stock, "updated_at": values["updated_at"]},
    )
    return rows.stock_from_row(tx.execute(stmt.returning(*inventory.c)).one())


def find_stock(conn: Connection, sku: str) -> StockLevel | None:
    """The SKU's stock level, or None when it has no inventory row (it is unmanaged)."""
    row = conn.execute(sa.select(inventory).where(inventory.c.sku == sku)).first()
    return None if row is None else rows.stock_from_row(row)

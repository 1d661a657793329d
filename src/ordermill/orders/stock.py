"""Stock levels per SKU. A SKU without an inventory row is unmanaged: never short."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.tables import inventory, utcnow
from ordermill.domain.errors import InvalidInput, StockNotFound
from ordermill.domain.records import StockLevel
from ordermill.domain.text import unstorable
from ordermill.orders.context import Context

__all__ = ["get_stock", "set_stock"]


def _sku(sku: object) -> str:
    if not isinstance(sku, str) or not sku.strip() or len(sku.strip()) > 64 or unstorable(sku):
        raise InvalidInput(f"sku: {sku!r} is not a SKU (1 to 64 characters)", field="sku")
    return sku.strip()


def set_stock(
    ctx: Context, sku: str, qty: int, *, manage_stock: bool = True, conn: Connection | None = None
) -> StockLevel:
    """Set the stock of a SKU to ``qty`` (creating its inventory row if needed)."""
    sku = _sku(sku)
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 0:
        raise InvalidInput(f"qty: {qty!r} is not a whole number >= 0 (sku {sku})", field="qty")
    values = {"sku": sku, "qty": qty, "manage_stock": manage_stock, "updated_at": utcnow()}
    insert = (postgresql.insert if ctx.dialect == "postgresql" else sqlite.insert)(inventory)
    stmt = insert.values(values).on_conflict_do_update(
        index_elements=["sku"],
        set_={"qty": qty, "manage_stock": manage_stock, "updated_at": values["updated_at"]},
    )
    hooked = {"sku": sku, "qty": qty, "manage_stock": manage_stock}
    with ctx.transaction(conn) as tx:
        ctx.plugins.call("before_set_stock", conn=tx, **hooked)
        level = rows.stock_from_row(tx.execute(stmt.returning(*inventory.c)).one())
        ctx.plugins.call("after_set_stock", conn=tx, result=level, **hooked)
    return level


def get_stock(ctx: Context, sku: str, *, conn: Connection | None = None) -> StockLevel:
    sku = _sku(sku)
    with ctx.reading(conn) as c:
        row = c.execute(sa.select(inventory).where(inventory.c.sku == sku)).first()
    if row is None:
        raise StockNotFound(f"No stock record for SKU {sku!r} (it is unmanaged)", sku=sku)
    return rows.stock_from_row(row)

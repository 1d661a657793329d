"""Stock levels per SKU. A SKU without an inventory row is unmanaged: never short."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ordermill.db.stock import find_stock, upsert_stock
from ordermill.domain.errors import InvalidInput, StockNotFound
from ordermill.domain.records import StockLevel
from ordermill.domain.text import unstorable
from ordermill.orders.context import Context

__all__ = ["MAX_STOCK", "get_stock", "set_stock"]

# The most units a SKU's stock can be set to (the API and the CLI refuse more). The
# column is 64-bit, so a cancel can always put an order's units back on top of it.
MAX_STOCK = 2**31 - 1


def _sku(sku: object) -> str:
    if not isinstance(sku, str) or not sku.strip() or len(sku.strip()) > 64 or unstorable(sku):
        raise InvalidInput(f"sku: {sku!r} is not a SKU (1 to 64 characters)", field="sku")
    return sku.strip()


def set_stock(
    ctx: Context, sku: str, qty: int, *, manage_stock: bool = True, conn: Connection | None = None
) -> StockLevel:
    """Set the stock of a SKU to ``qty`` (creating its inventory row if needed).

    Stock is a whole number of units from 0 to ``MAX_STOCK`` (2,147,483,647) when set;
    ``InvalidInput`` names anything else. Placing takes units (never below 0); a
    cancel puts them back and may pass ``MAX_STOCK``: the column is 64-bit, so a
    cancel never fails for want of room.
    """
    sku = _sku(sku)
    if isinstance(qty, bool) or not isinstance(qty, int) or not 0 <= qty <= MAX_STOCK:
        raise InvalidInput(
            f"qty: {qty!r} is not a whole number from 0 to {MAX_STOCK} (sku {sku})",
            field="qty",
            sku=sku,
        )
    hooked = {"sku": sku, "qty": qty, "manage_stock": manage_stock}
    with ctx.transaction(conn) as tx:
        ctx.plugins.call("before_set_stock", conn=tx, **hooked)
        level = upsert_stock(tx, sku, qty, manage_stock=manage_stock)
        ctx.plugins.call("after_set_stock", conn=tx, result=level, **hooked)
    return level


def get_stock(ctx: Context, sku: str, *, conn: Connection | None = None) -> StockLevel:
    sku = _sku(sku)
    with ctx.reading(conn) as c:
        found = find_stock(c, sku)
    if found is None:
        raise StockNotFound(f"No stock record for SKU {sku!r} (it is unmanaged)", sku=sku)
    return found

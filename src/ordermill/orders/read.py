"""Reading one order with everything an operator needs to act on it."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ordermill.db.orders import load_order
from ordermill.db.relations import RELATIONS, load_relations
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.records import Order
from ordermill.orders.context import Context

__all__ = ["get_order", "order_details"]


def get_order(
    ctx: Context,
    order_ref: OrderRef,
    *,
    customer_visible_only: bool = False,
    conn: Connection | None = None,
) -> Order:
    """The order with its items, addresses, customer, shipments, activities and status history."""
    with ctx.reading(conn) as c:
        return load_order(c, order_ref, customer_visible_only=customer_visible_only)


def order_details(found: Order, *, customer_visible_only: bool = False, conn: Connection) -> Order:
    """``found``, an order a use case just locked or wrote in ``conn``'s transaction, with
    what ``get_order`` loads: what the API answers a mutation with, without reading the
    order row a second time."""
    [loaded] = load_relations(conn, [found], RELATIONS, customer_visible_only=customer_visible_only)
    return loaded

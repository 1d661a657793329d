"""Reading one order with everything an operator needs to act on it."""

from __future__ import annotations

import uuid as uuid_lib

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.locks import OrderKeyColumn
from ordermill.db.relations import RELATIONS, load_relations
from ordermill.db.tables import order
from ordermill.domain.errors import OrderNotFound
from ordermill.domain.records import Order
from ordermill.domain.text import unstorable
from ordermill.orders.context import Context

__all__ = ["get_order", "order_details", "order_key", "order_key_condition"]

_BIGINT_LIMIT = 2**63  # order ids are BIGINT on PostgreSQL (64-bit integers on SQLite)


def order_key(order_id_or_uuid: int | str) -> tuple[OrderKeyColumn, int | str]:
    """The unique column and value naming an order: its id, its uuid or its order number.

    Anything that names no order raises ``OrderNotFound`` with the value, among them
    values no order column can hold (an id outside BIGINT, text with a NUL or an
    unpaired surrogate), which the database would refuse with an error of its own.
    """
    if isinstance(order_id_or_uuid, bool):
        raise OrderNotFound(f"Order not found: {order_id_or_uuid!r}", order=repr(order_id_or_uuid))
    if isinstance(order_id_or_uuid, int):
        if -_BIGINT_LIMIT <= order_id_or_uuid < _BIGINT_LIMIT:
            return "order_id", order_id_or_uuid
    elif isinstance(order_id_or_uuid, str):
        text = order_id_or_uuid.strip()
        try:
            return "uuid", str(uuid_lib.UUID(text))
        except ValueError:
            pass
        if text and len(text) <= 32 and not unstorable(text):
            return "order_number", text
    raise OrderNotFound(f"Order not found: {order_id_or_uuid!r}", order=str(order_id_or_uuid))


def order_key_condition(order_id_or_uuid: int | str) -> sa.ColumnElement[bool]:
    """The WHERE condition for an order named by its id, its uuid or its order number."""
    column, value = order_key(order_id_or_uuid)
    return order.c[column] == value


# Built once (see db/locks.py), one per column an order can be named by.
_ORDER_BY = {
    column: sa.select(order).where(order.c[column] == sa.bindparam("key"))
    for column in ("order_id", "uuid", "order_number")
}


def get_order(
    ctx: Context,
    order_id_or_uuid: int | str,
    *,
    customer_visible_only: bool = False,
    conn: Connection | None = None,
) -> Order:
    """The order with its items, addresses, customer, shipments, activities and status history."""
    column, value = order_key(order_id_or_uuid)
    with ctx.reading(conn) as c:
        found = c.execute(_ORDER_BY[column], {"key": value}).first()
        if found is None:
            raise OrderNotFound(f"Order not found: {order_id_or_uuid}", order=str(order_id_or_uuid))
        [loaded] = load_relations(
            c, [rows.order_from_row(found)], RELATIONS, customer_visible_only=customer_visible_only
        )
    return loaded


def order_details(found: Order, *, customer_visible_only: bool = False, conn: Connection) -> Order:
    """``found``, an order a service just locked or wrote in ``conn``'s transaction, with
    what ``get_order`` loads: what the API answers a mutation with, without reading the
    order row a second time."""
    [loaded] = load_relations(conn, [found], RELATIONS, customer_visible_only=customer_visible_only)
    return loaded

"""Reading one order with everything an operator needs to act on it."""

from __future__ import annotations

import uuid as uuid_lib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.locks import OrderKeyColumn
from ordermill.db.relations import RELATIONS, load_relations
from ordermill.db.tables import order
from ordermill.domain.errors import OrderNotFound
from ordermill.domain.records import Order
from ordermill.orders.context import Context

__all__ = [
    "get_order",
    "order_by_keys_statement",
    "order_details",
    "order_key",
    "order_key_condition",
    "order_key_conditions",
    "order_keys",
]


# The longest order number and external reference (db/tables.py): longer text names no order.
_ORDER_NUMBER_MAX = 32
_EXTERNAL_REFERENCE_MAX = 255


def order_keys(order_id_or_uuid: int | str) -> list[tuple[OrderKeyColumn, int | str]]:
    """The unique columns and values that may name an order, in precedence order.

    An int is an order id. Text is tried as a uuid (when it parses as one) or an order
    number (when it is short enough), then as an external reference: a reference that
    looks like another order's uuid or number names that other order, never two. A
    caller tries the next pair only when the one before names no order, so a lookup by
    id, uuid or number costs what it always cost. Anything that can name no order
    raises ``OrderNotFound`` with the value.
    """
    if isinstance(order_id_or_uuid, bool):
        raise OrderNotFound(f"Order not found: {order_id_or_uuid!r}", order=repr(order_id_or_uuid))
    if isinstance(order_id_or_uuid, int):
        return [("order_id", order_id_or_uuid)]
    keys: list[tuple[OrderKeyColumn, int | str]] = []
    if isinstance(order_id_or_uuid, str):
        text = order_id_or_uuid.strip()
        try:
            keys.append(("uuid", str(uuid_lib.UUID(text))))
        except ValueError:
            if text and len(text) <= _ORDER_NUMBER_MAX:
                keys.append(("order_number", text))
        if text and len(text) <= _EXTERNAL_REFERENCE_MAX:
            keys.append(("external_reference", text))
    if not keys:
        raise OrderNotFound(f"Order not found: {order_id_or_uuid!r}", order=str(order_id_or_uuid))
    return keys


def order_key(order_id_or_uuid: int | str) -> tuple[OrderKeyColumn, int | str]:
    """The first column and value ``order_keys`` tries: its id, its uuid or its order number."""
    return order_keys(order_id_or_uuid)[0]


def order_key_conditions(order_id_or_uuid: int | str) -> list[sa.ColumnElement[bool]]:
    """The WHERE conditions of ``order_keys``, to try one after the other until one matches."""
    return [order.c[column] == value for column, value in order_keys(order_id_or_uuid)]


def order_by_keys_statement(
    columns: sa.ColumnElement[object], order_id_or_uuid: int | str
) -> sa.Select[Any]:
    """``columns`` of the order ``order_keys`` names, as ONE statement whatever matches.

    Every key is tried at once and the first in precedence wins: a lookup costs the
    same whether the order exists or not, which is what an access check needs (a
    customer must not tell another customer's order from a missing one by timing).
    """
    keys = order_keys(order_id_or_uuid)
    matches = [order.c[column] == value for column, value in keys]
    if len(matches) == 1:
        return sa.select(columns).where(matches[0])
    rank = sa.case(*((match, rank) for rank, match in enumerate(matches)))
    return sa.select(columns).where(sa.or_(*matches)).order_by(rank).limit(1)


def order_key_condition(order_id_or_uuid: int | str) -> sa.ColumnElement[bool]:
    """The WHERE condition of ``order_key``: the order's id, uuid or order number only."""
    column, value = order_key(order_id_or_uuid)
    return order.c[column] == value


# Built once (see db/locks.py), one per column an order can be named by.
_ORDER_BY = {
    column: sa.select(order).where(order.c[column] == sa.bindparam("key"))
    for column in ("order_id", "uuid", "order_number", "external_reference")
}


def get_order(
    ctx: Context,
    order_id_or_uuid: int | str,
    *,
    customer_visible_only: bool = False,
    conn: Connection | None = None,
) -> Order:
    """The order with its items, addresses, customer, shipments, activities and status history.

    The order is named by its id, uuid, order number or external reference (``order_keys``).
    """
    with ctx.reading(conn) as c:
        for column, value in order_keys(order_id_or_uuid):
            found = c.execute(_ORDER_BY[column], {"key": value}).first()
            if found is not None:
                break
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

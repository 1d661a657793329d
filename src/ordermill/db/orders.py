"""Reading orders by reference: one order with its relations, its owner, its shipments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ordermill.db import rows
from ordermill.db.relations import RELATIONS, load_relations
from ordermill.db.return_tables import order_return
from ordermill.db.tables import order, shipment
from ordermill.domain.order_ref import OrderRef, order_not_found, order_ref_keys
from ordermill.domain.records import Order

__all__ = [
    "count_orders",
    "has_external_reference",
    "load_order",
    "order_owner",
    "ping",
    "return_owner",
    "shipment_owner",
]

# Built once (see db/locks.py), one per column an order can be named by.
_ORDER_BY = {
    column: sa.select(order).where(order.c[column] == sa.bindparam("key"))
    for column in ("order_id", "uuid", "order_number", "external_reference")
}


def load_order(
    conn: Connection,
    order_ref: OrderRef,
    relations: Iterable[str] = RELATIONS,
    *,
    customer_visible_only: bool = False,
) -> Order:
    """The order with these relations (default: all); ``OrderNotFound`` if there is none."""
    for column, value in order_ref_keys(order_ref):
        found = conn.execute(_ORDER_BY[column], {"key": value}).first()
        if found is not None:
            break
    else:
        raise order_not_found(order_ref)
    [loaded] = load_relations(
        conn, [rows.order_from_row(found)], relations, customer_visible_only=customer_visible_only
    )
    return loaded


def order_owner(conn: Connection, order_ref: OrderRef) -> Row[Any] | None:
    """``(customer_id,)`` of the order, or None when there is no such order.

    ONE statement whatever matches: every key of ``order_ref_keys`` is tried at once and
    the first in precedence wins, so the check costs the same whether the order exists
    or not (a customer must not tell another customer's order from a missing one by
    timing).
    """
    matches = [order.c[column] == value for column, value in order_ref_keys(order_ref)]
    if len(matches) == 1:
        return conn.execute(sa.select(order.c.customer_id).where(matches[0])).first()
    rank = sa.case(*((match, rank) for rank, match in enumerate(matches)))
    return conn.execute(
        sa.select(order.c.customer_id).where(sa.or_(*matches)).order_by(rank).limit(1)
    ).first()


def shipment_owner(conn: Connection, shipment_uuid: str) -> Row[Any] | None:
    """``(customer_id,)`` of the shipment's order, or None when there is no such shipment."""
    return conn.execute(
        sa.select(order.c.customer_id)
        .select_from(shipment.join(order, shipment.c.order_id == order.c.order_id))
        .where(shipment.c.uuid == shipment_uuid)
    ).first()


def return_owner(conn: Connection, return_uuid: str) -> Row[Any] | None:
    """``(customer_id,)`` of the return's order, or None when there is no such return."""
    return conn.execute(
        sa.select(order.c.customer_id)
        .select_from(order_return.join(order, order_return.c.order_id == order.c.order_id))
        .where(order_return.c.uuid == return_uuid)
    ).first()


def ping(conn: Connection) -> None:
    """A trivial query; raises the driver's error when the database cannot be reached."""
    conn.execute(sa.select(sa.literal(1))).scalar_one()


def count_orders(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(order)).scalar_one())


def has_external_reference(conn: Connection, external_reference: str) -> bool:
    """Whether an order carries this external reference."""
    found = conn.execute(
        sa.select(order.c.order_id).where(order.c.external_reference == external_reference)
    ).first()
    return found is not None

"""Every statement of placing an order: taking stock, numbering, and writing a ``Placement``.

The decision (statuses, history, the event's payload) is made in
``domain.new_order``; this module only writes it. The statements are the fewest
that still return what the caller needs: the order row (its generated id, uuid and
number) and the item rows (their ids), so the ``Order`` record is built from what
was written without reading it back. ``tests/services/test_statement_counts.py``
pins how many each database gets.
"""

from __future__ import annotations

import uuid as uuid_lib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from ordermill.db.locks import lock_inventory
from ordermill.db.outbox import Event, append_events
from ordermill.db.tables import (
    activity,
    address,
    customer,
    inventory,
    order,
    order_item,
    order_number_seq,
    status_history,
    utcnow,
)
from ordermill.domain import events
from ordermill.domain.new_order import ORDER_CREATED, Placement, check_stock

__all__ = [
    "FIRST_ORDER_NUMBER",
    "order_number_expression",
    "take_stock",
    "upsert_customers",
    "write_placement",
]

# Order numbers start here: the first order of an empty shop is 10001.
FIRST_ORDER_NUMBER = 10001


def order_number_expression(dialect: str) -> sa.ColumnElement[str]:
    """The next order number, unique under concurrency, computed inside the INSERT.

    PostgreSQL takes it from a sequence (an import moves it past the numbers it
    brings). SQLite serialises writers (BEGIN IMMEDIATE), so the number can be
    derived from what is there: the largest id plus the base, or one past the
    latest order's number if that is larger. Only when that is already taken (an
    import brought it) does it look for one past the largest numeric number, a
    scan paid once: the next order follows the one it numbered.
    """
    if dialect == "postgresql":
        return sa.cast(order_number_seq.next_value(), sa.String)
    return _SQLITE_ORDER_NUMBER


def _sqlite_order_number() -> sa.ColumnElement[str]:
    largest_id = sa.select(sa.func.coalesce(sa.func.max(order.c.order_id), 0)).scalar_subquery()
    latest_number = (
        sa.select(sa.cast(order.c.order_number, sa.Integer))
        .where(order.c.order_id == largest_id)
        .scalar_subquery()
    )
    # SQLite's max() with two arguments is the larger of the two.
    candidate = sa.func.max(largest_id + FIRST_ORDER_NUMBER, sa.func.coalesce(latest_number, 0) + 1)
    taken = sa.exists().where(order.c.order_number == sa.cast(candidate, sa.String))
    past_every_number = sa.select(
        sa.func.coalesce(sa.func.max(sa.cast(order.c.order_number, sa.Integer)), 0) + 1
    ).scalar_subquery()
    return sa.cast(sa.case((taken, past_every_number), else_=candidate), sa.String)


_SQLITE_ORDER_NUMBER = _sqlite_order_number()


def take_stock(conn: Connection, needed: Mapping[str, int]) -> None:
    """Lock, check and decrement managed stock for these SKU quantities.

    Raises ``InsufficientStock`` (``domain.new_order.check_stock``) before writing.
    SKUs without an inventory row, or with ``manage_stock`` off, are unmanaged.
    """
    locked = lock_inventory(conn, needed)
    managed = {sku: row.qty for sku, row in locked.items() if row.manage_stock}
    check_stock(needed, managed)
    if managed:
        conn.execute(
            inventory.update()
            .where(inventory.c.sku == sa.bindparam("b_sku"))
            .values(qty=inventory.c.qty - sa.bindparam("b_qty"), updated_at=utcnow()),
            [{"b_sku": sku, "b_qty": needed[sku]} for sku in sorted(managed)],
        )


def upsert_customers(
    conn: Connection, dialect: str, customers: Iterable[Mapping[str, Any]]
) -> None:
    """Create the customer records not seen before; existing ones are left as they are."""
    values = [dict(c) for c in customers]
    if not values:
        return
    insert = postgresql.insert(customer) if dialect == "postgresql" else sqlite.insert(customer)
    conn.execute(insert.on_conflict_do_nothing(index_elements=["customer_id"]), values)


def write_placement(
    tx: Connection, dialect: str, placement: Placement, now: datetime
) -> tuple[Row[Any], list[Row[Any]]]:
    """Write a placed order; returns its order row and item rows as inserted.

    The caller has taken the stock in the same transaction (``take_stock``).
    """
    new = placement.order
    if new.customer_id is not None:
        upsert_customers(
            tx,
            dialect,
            [
                {
                    "customer_id": new.customer_id,
                    "email": new.customer_email,
                    "full_name": new.customer_full_name,
                    "created_at": now,
                }
            ],
        )
    order_row = _insert_order(tx, dialect, placement, now)
    order_id = order_row.order_id
    item_rows = tx.execute(
        order_item.insert().returning(*order_item.c, sort_by_parameter_order=True),
        [
            {
                "order_id": order_id,
                "sku": line.sku,
                "name": line.name,
                "product_id": line.product_id,
                "qty": line.qty,
                "unit_price": line.price,
                "line_total": line.line_total,
                "requires_shipping": line.requires_shipping,
                "qty_restocked": 0,
            }
            for line in new.lines
        ],
    ).all()
    _insert_relations(tx, order_id, placement, now)
    payload = placement.event_payload(
        order_id, str(order_row.uuid), order_row.order_number, [r.order_item_id for r in item_rows]
    )
    append_events(tx, [Event(events.ORDER_PLACED, order_id, payload)])
    return order_row, list(item_rows)


def _insert_order(tx: Connection, dialect: str, placement: Placement, now: datetime) -> Row[Any]:
    new = placement.order
    return tx.execute(
        order.insert()
        .values(
            uuid=str(uuid_lib.uuid4()),
            order_number=order_number_expression(dialect),
            external_reference=new.external_reference,
            customer_id=new.customer_id,
            customer_email=new.customer_email,
            customer_full_name=new.customer_full_name,
            currency=new.currency,
            sub_total=new.sub_total,
            tax_amount=new.tax_amount,
            shipping_fee=new.shipping_fee,
            discount_amount=new.discount_amount,
            grand_total=new.grand_total,
            payment_method=new.payment_method,
            shipping_method=new.shipping_method,
            payment_status=placement.payment_status,
            shipment_status=placement.shipment_status,
            status=placement.status,
            created_at=now,
            updated_at=now,
        )
        .returning(*order.c)
    ).one()


def _insert_relations(tx: Connection, order_id: int, placement: Placement, now: datetime) -> None:
    """The addresses, the first activity and the status history of a new order."""
    new = placement.order
    addresses = [
        {"order_id": order_id, "kind": kind, **values}
        for kind, values in (("shipping", new.shipping_address), ("billing", new.billing_address))
        if values is not None
    ]
    if addresses:
        tx.execute(address.insert(), addresses)
    tx.execute(
        activity.insert(),
        {
            "order_id": order_id,
            "message": ORDER_CREATED,
            "customer_notified": False,
            "created_at": now,
        },
    )
    tx.execute(
        status_history.insert(),
        [
            {
                "order_id": order_id,
                "field": field,
                "from_status": None,
                "to_status": value,
                "reason": placement.reason,
                "changed_at": now,
            }
            for field, value in placement.history()
        ],
    )

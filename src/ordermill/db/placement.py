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
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from ordermill.db.change_statement import write_change
from ordermill.db.locks import lock_inventory
from ordermill.db.tables import (
    address,
    customer,
    inventory,
    order,
    order_item,
    order_number_seq,
    utcnow,
)
from ordermill.domain.errors import DuplicateExternalReference
from ordermill.domain.new_order import Placement, check_stock

__all__ = [
    "FIRST_ORDER_NUMBER",
    "order_number_expression",
    "take_stock",
    "upsert_customers",
    "write_placement",
]

_MONEY_COLUMNS = ("sub_total", "tax_amount", "shipping_fee", "discount_amount", "grand_total")
_MONEY_SCALE = Decimal("0.0001")  # NUMERIC(12, 4)

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
) -> tuple[dict[str, Any], list[Row[Any]]]:
    """Write a placed order; returns its order row (as written) and item rows (as inserted).

    The caller has taken the stock in the same transaction (``take_stock``).
    Raises ``DuplicateExternalReference`` when another order (committed, or one
    that commits while this insert waits for it) has the same ``external_reference``;
    the caller's transaction then rolls back, so nothing is written and the stock
    is untouched.
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
    if order_row is None:
        raise _duplicate_reference(tx, new.external_reference)
    order_id = order_row["order_id"]
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
    _insert_addresses(tx, order_id, placement)
    item_ids = [r.order_item_id for r in item_rows]
    plan = placement.plan(order_id, order_row["uuid"], order_row["order_number"], item_ids, now)
    write_change(tx, plan)
    return order_row, list(item_rows)


def _insert_order(
    tx: Connection, dialect: str, placement: Placement, now: datetime
) -> dict[str, Any] | None:
    """The order row as written, or None when its ``external_reference`` is already taken.

    Only the generated id and number come back (RETURNING): the rest is what was
    written, so the 20-column row is not read back and decoded. Amounts are given the
    scale the column stores (4 places), as a read would return them.

    ON CONFLICT DO NOTHING (rather than catching the unique violation) keeps the
    transaction usable on PostgreSQL, so the existing order can be named; a racing
    placement with the same reference waits for the first to commit, then gets None.
    """
    new = placement.order
    values: dict[str, Any] = {
        "uuid": str(uuid_lib.uuid4()),
        "external_reference": new.external_reference,
        "customer_id": new.customer_id,
        "customer_email": new.customer_email,
        "customer_full_name": new.customer_full_name,
        "currency": new.currency,
        "sub_total": new.sub_total,
        "tax_amount": new.tax_amount,
        "shipping_fee": new.shipping_fee,
        "discount_amount": new.discount_amount,
        "grand_total": new.grand_total,
        "payment_method": new.payment_method,
        "shipping_method": new.shipping_method,
        "payment_status": placement.payment_status,
        "shipment_status": placement.shipment_status,
        "status": placement.status,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(order)
    if new.external_reference is not None:
        insert = insert.on_conflict_do_nothing(index_elements=["external_reference"])
    generated = tx.execute(
        insert.values(order_number=order_number_expression(dialect), **values).returning(
            order.c.order_id, order.c.order_number
        )
    ).one_or_none()
    if generated is None:
        return None
    for money in _MONEY_COLUMNS:
        values[money] = values[money].quantize(_MONEY_SCALE)
    return {**values, "order_id": generated.order_id, "order_number": generated.order_number}


def _duplicate_reference(tx: Connection, reference: str | None) -> DuplicateExternalReference:
    existing = tx.execute(
        sa.select(order.c.order_number).where(order.c.external_reference == reference)
    ).scalar_one_or_none()
    return DuplicateExternalReference(
        f"external_reference {reference!r} is already used by order {existing}",
        external_reference=reference,
        order_number=existing,
    )


def _insert_addresses(tx: Connection, order_id: int, placement: Placement) -> None:
    new = placement.order
    addresses = [
        {"order_id": order_id, "kind": kind, **values}
        for kind, values in (("shipping", new.shipping_address), ("billing", new.billing_address))
        if values is not None
    ]
    if addresses:
        tx.execute(address.insert(), addresses)

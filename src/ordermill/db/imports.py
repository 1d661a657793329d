"""The reads and writes of an import batch (``transfer/batch.py``): a few statements per
batch, none per order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ordermill.db import bulk
from ordermill.db.placement import upsert_customers
from ordermill.db.tables import (
    customer,
    inventory,
    order,
    order_item,
    order_number_seq,
    payment,
    shipment,
    utcnow,
)

__all__ = [
    "BatchTable",
    "advance_order_number_sequence",
    "allocate_item_ids",
    "allocate_order_ids",
    "allocate_shipment_ids",
    "existing_orders",
    "existing_payment_keys",
    "existing_shipment_uuids",
    "insert_customers",
    "insert_table_rows",
    "next_order_numbers",
    "order_numbers_in_use",
    "take_inventory",
]

# A table of the batch, as ``transfer/tables.py`` lists them.
BatchTable = sa.Table


def existing_orders(
    tx: Connection, *, refs: list[str], uuids: list[str], numbers: list[str]
) -> Sequence[Row[Any, Any, Any, Any]]:
    """(order_id, external_reference, uuid, order_number) of every order with one of these
    external references, uuids or order numbers."""
    dialect = tx.dialect.name
    conditions = []
    if refs:
        conditions.append(bulk.any_of(order.c.external_reference, refs, dialect))
    if uuids:
        conditions.append(bulk.any_of(order.c.uuid, uuids, dialect))
    if numbers:
        conditions.append(bulk.any_of(order.c.order_number, numbers, dialect))
    return tx.execute(
        sa.select(
            order.c.order_id, order.c.external_reference, order.c.uuid, order.c.order_number
        ).where(sa.or_(*conditions))
    ).all()


def existing_shipment_uuids(tx: Connection, uuids: list[str]) -> set[str]:
    query = sa.select(shipment.c.uuid).where(bulk.any_of(shipment.c.uuid, uuids, tx.dialect.name))
    return {str(u) for u in tx.execute(query).scalars()}


def existing_payment_keys(tx: Connection, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (gateway, reference) pairs of ``keys`` already in the ledger (one statement,
    on the unique (gateway, reference) index)."""
    wanted = set(keys)
    dialect = tx.dialect.name
    query = sa.select(payment.c.gateway, payment.c.reference).where(
        bulk.any_of(payment.c.gateway, sorted({g for g, _ in wanted}), dialect),
        bulk.any_of(payment.c.reference, sorted({r for _, r in wanted}), dialect),
    )
    return {(g, r) for g, r in tx.execute(query)} & wanted


def take_inventory(tx: Connection, taken: dict[str, int]) -> None:
    """Take these units from stock (rows the caller locked)."""
    tx.execute(
        inventory.update()
        .where(inventory.c.sku == sa.bindparam("b_sku"))
        .values(qty=inventory.c.qty - sa.bindparam("b_qty"), updated_at=utcnow()),
        [{"b_sku": sku, "b_qty": taken[sku]} for sku in sorted(taken)],
    )


def next_order_numbers(tx: Connection, count: int) -> list[int]:
    """``count`` values of PostgreSQL's order number sequence."""
    return list(bulk.next_sequence_values(tx, order_number_seq, count))


def order_numbers_in_use(tx: Connection, numbers: list[str]) -> set[str]:
    in_use = sa.select(order.c.order_number).where(
        bulk.any_of(order.c.order_number, numbers, tx.dialect.name)
    )
    return set(tx.execute(in_use).scalars())


def advance_order_number_sequence(tx: Connection, largest: int) -> None:
    """Make PostgreSQL's next order number follow the largest imported numeric one."""
    sequence = sa.table("order_number_seq", sa.column("last_value"), sa.column("is_called"))
    state = tx.execute(sa.select(sequence.c.last_value, sequence.c.is_called)).one()
    next_value = state.last_value + 1 if state.is_called else state.last_value
    if largest >= next_value:
        tx.execute(sa.select(sa.func.setval("order_number_seq", largest)))


def allocate_order_ids(tx: Connection, count: int) -> list[int]:
    return list(bulk.allocate_ids(tx, order, count))


def allocate_item_ids(tx: Connection, count: int) -> list[int]:
    return list(bulk.allocate_ids(tx, order_item, count))


def allocate_shipment_ids(tx: Connection, count: int) -> list[int]:
    return list(bulk.allocate_ids(tx, shipment, count))


def insert_customers(
    tx: Connection, columns: tuple[str, ...], customers: list[tuple[Any, ...]]
) -> None:
    """Insert the customers that do not exist yet (rows of ``columns``)."""
    if tx.dialect.name == "postgresql":
        bulk.insert_missing(tx, customer, columns, customers, key=("customer_id",))
    else:
        upsert_customers(
            tx, tx.dialect.name, (dict(zip(columns, c, strict=True)) for c in customers)
        )


def insert_table_rows(
    tx: Connection, tables: Iterable[tuple[BatchTable, tuple[str, ...], list[tuple[Any, ...]]]]
) -> None:
    """Each table's rows in one statement (COPY on PostgreSQL), in the order given."""
    for table, columns, table_rows in tables:
        if table_rows:
            bulk.insert_rows(tx, table, columns, table_rows)

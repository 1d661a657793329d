"""The reads of the Python export path: orders streamed in chunks, each chunk's items,
addresses, shipments and payments loaded with one query per relation
(``transfer/exports.py``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine

from ordermill.db.tables import address, order_item, payment, shipment, shipment_item
from ordermill.domain.order_file import ADDRESS_FIELDS

__all__ = ["Chunk", "OrdersStatement", "Row", "ShipmentRows", "read_chunks"]

# A statement selecting order rows (``OrderQuery.statement()``).
OrdersStatement = sa.Select[Any]


def _ids_condition(column: sa.Column[Any], ids: Sequence[int], dialect: str) -> Any:
    if dialect == "postgresql":
        # One array parameter instead of thousands of IN parameters.
        return column == sa.any_(sa.bindparam("ids", list(ids), type_=ARRAY(sa.BigInteger)))
    return column.in_(ids)


_ITEM_COLUMNS = (
    order_item.c.order_id, order_item.c.order_item_id, order_item.c.sku, order_item.c.name,
    order_item.c.product_id, order_item.c.qty, order_item.c.unit_price,
    order_item.c.requires_shipping, order_item.c.qty_restocked,
)  # fmt: skip
_SHIPMENT_COLUMNS = (
    shipment.c.order_id, shipment.c.shipment_id, shipment.c.uuid, shipment.c.carrier,
    shipment.c.tracking_number, shipment.c.status, shipment.c.created_at, shipment.c.shipped_at,
    shipment.c.delivered_at, shipment.c.canceled_at, shipment_item.c.order_item_id,
    shipment_item.c.qty,
)  # fmt: skip

_PAYMENT_COLUMNS = (
    payment.c.order_id, payment.c.kind, payment.c.status, payment.c.amount, payment.c.gateway,
    payment.c.reference, payment.c.actor, payment.c.note, payment.c.created_at,
)  # fmt: skip

# Rows of explicit column lists, read by position (their static types carry no names).
Row = Any
ShipmentRows = tuple[Row, list[tuple[int, int]]]
Chunk = tuple[
    Sequence[Row],
    dict[int, list[Row]],
    dict[tuple[int, str], dict[str, Any]],
    dict[int, list[ShipmentRows]],
    dict[int, list[Row]],
]


def _chunk(conn: Connection, partition: Sequence[Row]) -> Chunk:
    """A chunk of order rows with their items, addresses, shipments and payments: 4 queries."""
    dialect = conn.dialect.name
    ids = [row.order_id for row in partition]
    items: dict[int, list[Row]] = defaultdict(list)
    item_rows: Any = conn.execute(
        sa.select(*_ITEM_COLUMNS)
        .where(_ids_condition(order_item.c.order_id, ids, dialect))
        .order_by(order_item.c.order_id, order_item.c.order_item_id)
    )
    for item in item_rows:
        items[item[0]].append(item)
    addresses = {
        (row[0], row[1]): dict(zip(ADDRESS_FIELDS, row[2:], strict=True))
        for row in conn.execute(
            sa.select(
                address.c.order_id, address.c.kind, *(address.c[f] for f in ADDRESS_FIELDS)
            ).where(_ids_condition(address.c.order_id, ids, dialect))
        )
    }
    shipments: dict[int, list[ShipmentRows]] = defaultdict(list)
    current: ShipmentRows | None = None
    shipment_rows: Any = conn.execute(
        sa.select(*_SHIPMENT_COLUMNS)
        .select_from(shipment.outerjoin(shipment_item))
        .where(_ids_condition(shipment.c.order_id, ids, dialect))
        .order_by(shipment.c.shipment_id, shipment_item.c.shipment_item_id)
    )
    for found in shipment_rows:
        if current is None or current[0][1] != found[1]:
            current = (found, [])
            shipments[found[0]].append(current)
        if found[10] is not None:
            current[1].append((found[10], found[11]))
    payments: dict[int, list[Row]] = defaultdict(list)
    payment_rows: Any = conn.execute(
        sa.select(*_PAYMENT_COLUMNS)
        .where(_ids_condition(payment.c.order_id, ids, dialect))
        .order_by(payment.c.payment_id)
    )
    for paid in payment_rows:
        payments[paid[0]].append(paid)
    return partition, items, addresses, shipments, payments


def read_chunks(
    engine: Engine, options: dict[str, Any], statement: OrdersStatement, size: int
) -> Generator[Chunk]:
    """The orders ``statement`` selects, ``size`` at a time, with their relations; one
    connection (with ``options``) and one snapshot. Close the iterator to stop early."""
    with engine.connect() as conn:
        conn = conn.execution_options(**options)
        result = conn.execution_options(stream_results=True, yield_per=size).execute(statement)
        for partition in result.partitions():
            yield _chunk(conn, partition)
        result.close()
        conn.rollback()

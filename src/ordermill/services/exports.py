"""Streaming export of orders to JSON Lines or CSV (layout: ``services.orderfile``).

Memory stays flat whatever the number of orders: the orders query is read through a
server-side cursor (``stream_results``) in chunks, and each chunk's items, addresses
and shipments are loaded with one query per relation. The whole export reads one
snapshot (REPEATABLE READ on PostgreSQL, one read transaction on SQLite), so an order
and its shipments always agree even while orders change.

What an export writes imports back identically: the same file comes out of a database
that imported it.
"""

from __future__ import annotations

import csv
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Row

from ordermill.db.engine import READ_ONLY
from ordermill.db.tables import address, order_item, shipment, shipment_item
from ordermill.errors import InvalidInput
from ordermill.query import OrderQuery
from ordermill.services.context import Context
from ordermill.services.orderfile import (
    ADDRESS_FIELDS,
    CSV_COLUMNS,
    FileFormat,
    datetime_text,
    detect_format,
    money_text,
    open_for_writing,
    record_to_csv_rows,
)

__all__ = ["CHUNK_SIZE", "ExportProgress", "ExportResult", "export_orders", "iter_records"]

CHUNK_SIZE = 5000


@dataclass(frozen=True, slots=True)
class ExportProgress:
    orders_written: int
    total: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportResult:
    orders: int
    items: int
    file_format: FileFormat


def _ids_condition(column: sa.Column[Any], ids: Sequence[int], dialect: str) -> Any:
    if dialect == "postgresql":
        # One array parameter instead of thousands of IN parameters.
        return column == sa.any_(sa.bindparam("ids", list(ids), type_=ARRAY(sa.BigInteger)))
    return column.in_(ids)


def _chunk_relations(
    conn: Connection, ids: Sequence[int]
) -> tuple[dict[int, list[Row[Any]]], dict[tuple[int, str], Row[Any]], dict[int, list[Any]]]:
    dialect = conn.dialect.name
    items: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in conn.execute(
        sa.select(order_item)
        .where(_ids_condition(order_item.c.order_id, ids, dialect))
        .order_by(order_item.c.order_id, order_item.c.order_item_id)
    ):
        items[row.order_id].append(row)
    addresses = {
        (row.order_id, row.kind): row
        for row in conn.execute(
            sa.select(address).where(_ids_condition(address.c.order_id, ids, dialect))
        )
    }
    shipments: dict[int, list[Any]] = defaultdict(list)
    joined = conn.execute(
        sa.select(
            shipment,
            shipment_item.c.order_item_id,
            shipment_item.c.qty.label("item_qty"),
        )
        .select_from(shipment.outerjoin(shipment_item))
        .where(_ids_condition(shipment.c.order_id, ids, dialect))
        .order_by(shipment.c.shipment_id, shipment_item.c.shipment_item_id)
    )
    current: list[Any] | None = None
    for row in joined:
        if current is None or current[0].shipment_id != row.shipment_id:
            current = [row, []]
            shipments[row.order_id].append(current)
        if row.order_item_id is not None:
            current[1].append((row.order_item_id, row.item_qty))
    return items, addresses, shipments


def _address(row: Row[Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {f: getattr(row, f) for f in ADDRESS_FIELDS}


def _record(
    o: Row[Any],
    items: list[Row[Any]],
    addresses: dict[tuple[int, str], Row[Any]],
    shipments: list[Any],
) -> dict[str, Any]:
    lines = {item.order_item_id: n for n, item in enumerate(items, start=1)}
    return {
        "external_reference": o.external_reference,
        "uuid": str(o.uuid),
        "order_number": o.order_number,
        "created_at": datetime_text(o.created_at),
        "updated_at": datetime_text(o.updated_at),
        "customer_email": o.customer_email,
        "customer_id": o.customer_id,
        "customer_full_name": o.customer_full_name,
        "currency": o.currency,
        "payment_method": o.payment_method,
        "shipping_method": o.shipping_method,
        "payment_status": o.payment_status,
        "shipment_status": o.shipment_status,
        "status": o.status,
        "sub_total": money_text(o.sub_total),
        "shipping_fee": money_text(o.shipping_fee),
        "tax_amount": money_text(o.tax_amount),
        "discount_amount": money_text(o.discount_amount),
        "grand_total": money_text(o.grand_total),
        "items": [
            {
                "sku": i.sku,
                "name": i.name,
                "product_id": i.product_id,
                "qty": i.qty,
                "price": money_text(i.unit_price),
                "requires_shipping": bool(i.requires_shipping),
                "qty_restocked": i.qty_restocked,
            }
            for i in items
        ],
        "shipping_address": _address(addresses.get((o.order_id, "shipping"))),
        "billing_address": _address(addresses.get((o.order_id, "billing"))),
        "shipments": [
            {
                "uuid": str(s.uuid),
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
                "status": s.status,
                "created_at": datetime_text(s.created_at),
                "shipped_at": datetime_text(s.shipped_at),
                "delivered_at": datetime_text(s.delivered_at),
                "canceled_at": datetime_text(s.canceled_at),
                "items": [{"line": lines[item_id], "qty": qty} for item_id, qty in s_items],
            }
            for s, s_items in shipments
        ],
    }


def iter_records(
    conn: Connection, statement: sa.Select[Any], *, chunk_size: int = CHUNK_SIZE
) -> Iterator[dict[str, Any]]:
    """The export records of the orders ``statement`` selects, in its order, streamed."""
    result = conn.execution_options(stream_results=True, yield_per=chunk_size).execute(statement)
    for partition in result.partitions():
        ids = [row.order_id for row in partition]
        items, addresses, shipments = _chunk_relations(conn, ids)
        for row in partition:
            yield _record(row, items.get(row.order_id, []), addresses, shipments[row.order_id])


def _writer(stream: IO[str], file_format: FileFormat) -> Callable[[dict[str, Any]], None]:
    if file_format == "jsonl":
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        write = stream.write

        def write_jsonl(record: dict[str, Any]) -> None:
            write(encode(record))
            write("\n")

        return write_jsonl
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def write_csv(record: dict[str, Any]) -> None:
        writer.writerows(record_to_csv_rows(record))

    return write_csv


def export_orders(
    ctx: Context,
    target: str | os.PathLike[str] | IO[str],
    query: OrderQuery,
    *,
    file_format: FileFormat | None = None,
    chunk_size: int = CHUNK_SIZE,
    on_progress: Callable[[ExportProgress], None] | None = None,
) -> ExportResult:
    """Write the orders ``query`` selects, in its order, to ``target`` (a path or text stream).

    A path ending in ``.gz`` is compressed. ``on_progress`` is called after every chunk.
    """
    if isinstance(target, (str, os.PathLike)):
        file_format = file_format or detect_format(target)
    elif file_format is None:
        raise InvalidInput("the format of an open stream must be given (jsonl or csv)")
    if file_format not in ("jsonl", "csv"):
        raise InvalidInput(f"unknown format {file_format!r}; use jsonl or csv")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise InvalidInput(f"chunk_size: {chunk_size!r} is not a positive integer")
    total = query.count() if on_progress is not None else None
    options: dict[str, Any] = dict(READ_ONLY)
    if ctx.dialect == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    stream = open_for_writing(target) if isinstance(target, (str, os.PathLike)) else target
    orders = items = 0
    try:
        write = _writer(stream, file_format)
        with ctx.engine.connect() as conn:
            conn = conn.execution_options(**options)
            for record in iter_records(conn, query.statement(), chunk_size=chunk_size):
                write(record)
                orders += 1
                items += len(record["items"])
                if on_progress is not None and orders % chunk_size == 0:
                    on_progress(ExportProgress(orders, total))
            conn.rollback()
        if on_progress is not None:
            on_progress(ExportProgress(orders, total))
    finally:
        if stream is not target:
            stream.close()
        else:
            stream.flush()
    return ExportResult(orders=orders, items=items, file_format=file_format)

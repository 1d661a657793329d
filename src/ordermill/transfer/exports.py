"""Streaming export of orders to JSON Lines or CSV (layout: ``transfer.orderfile``).

Memory stays flat whatever the number of orders: the orders query is read through a
server-side cursor (``stream_results``) in chunks, and each chunk's items, addresses
and shipments are loaded with one query per relation. The whole export reads one
snapshot (REPEATABLE READ on PostgreSQL, one read transaction on SQLite), so an order
and its shipments always agree even while orders change.

What an export writes imports back identically: the same file comes out of a database
that imported it.

On PostgreSQL the server builds the text of both formats (``db.pgexport``); the
Python path here serves SQLite and is the reference that text is tested against.
"""

from __future__ import annotations

import csv
import json
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy.engine import Engine

from ordermill.db.engine import READ_ONLY
from ordermill.db.exports import Chunk, OrdersStatement, Row, ShipmentRows, read_chunks
from ordermill.db.pgexport import export_lines
from ordermill.db.query import OrderQuery
from ordermill.domain.errors import InvalidInput
from ordermill.orders.context import Context
from ordermill.transfer.orderfile import (
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


def _record(
    o: Row,
    items: list[Row],
    addresses: dict[tuple[int, str], dict[str, Any]],
    shipments: list[ShipmentRows],
    payments: list[Row],
) -> dict[str, Any]:
    lines = {item[1]: n for n, item in enumerate(items, start=1)}
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
                "sku": sku,
                "name": name,
                "product_id": product_id,
                "qty": qty,
                "price": money_text(price),
                "requires_shipping": bool(ships),
                "qty_restocked": restocked,
            }
            for _, _, sku, name, product_id, qty, price, ships, restocked in items
        ],
        "shipping_address": addresses.get((o.order_id, "shipping")),
        "billing_address": addresses.get((o.order_id, "billing")),
        "shipments": [
            {
                "uuid": str(s[2]),
                "carrier": s[3],
                "tracking_number": s[4],
                "status": s[5],
                "created_at": datetime_text(s[6]),
                "shipped_at": datetime_text(s[7]),
                "delivered_at": datetime_text(s[8]),
                "canceled_at": datetime_text(s[9]),
                "items": [{"line": lines[item_id], "qty": qty} for item_id, qty in s_items],
            }
            for s, s_items in shipments
        ],
        "payments": [
            {
                "kind": kind,
                "status": status,
                "amount": money_text(amount),
                "gateway": gateway or None,
                "reference": reference,
                "actor": actor,
                "note": note,
                "created_at": datetime_text(created_at),
            }
            for _, kind, status, amount, gateway, reference, actor, note, created_at in payments
        ],
    }


class _Reader:
    """Reads chunks on a second thread while the caller writes the previous one out: the
    database and the driver (which releases the GIL while it waits) work in parallel with
    the Python that formats records. Only this thread uses the connection."""

    def __init__(
        self, engine: Engine, options: dict[str, Any], statement: OrdersStatement, size: int
    ) -> None:
        self._queue: queue.Queue[Chunk | None] = queue.Queue(maxsize=2)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._work, args=(engine, options, statement, size), daemon=True
        )
        self._thread.start()

    def _put(self, item: Chunk | None) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(
        self, engine: Engine, options: dict[str, Any], statement: OrdersStatement, size: int
    ) -> None:
        try:
            chunks = read_chunks(engine, options, statement, size)
            try:
                for chunk in chunks:
                    if not self._put(chunk):
                        break
            finally:
                chunks.close()
        except BaseException as exc:
            self._error = exc
        finally:
            self._put(None)

    def chunks(self) -> Iterator[Chunk]:
        try:
            while (chunk := self._queue.get()) is not None:
                yield chunk
        finally:
            self._stop.set()
            self._thread.join()
        if self._error is not None:
            raise self._error


def iter_records(
    engine: Engine,
    statement: OrdersStatement,
    *,
    chunk_size: int = CHUNK_SIZE,
    options: dict[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """The export records of the orders ``statement`` selects, in its order, streamed."""
    reader = _Reader(engine, options or {}, statement, chunk_size)
    for partition, items, addresses, shipments, payments in reader.chunks():
        for row in partition:
            order_id = row.order_id
            yield _record(
                row, items.get(order_id, []), addresses, shipments[order_id], payments[order_id]
            )


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


def _export_on_server(
    engine: Engine,
    query: OrderQuery,
    stream: IO[str],
    file_format: FileFormat,
    options: dict[str, Any],
    chunk_size: int,
    on_progress: Callable[[ExportProgress], None] | None,
    total: int | None,
) -> tuple[int, int]:
    """The PostgreSQL fast path (``db.pgexport``): the server writes the text."""

    def on_chunk(orders: int) -> None:
        if on_progress is not None and orders % chunk_size == 0:
            on_progress(ExportProgress(orders, total))

    written = export_lines(
        engine,
        query.statement(),
        stream,
        file_format=file_format,
        chunk_size=chunk_size,
        options=options,
        on_chunk=on_chunk,
    )
    if on_progress is not None:
        on_progress(ExportProgress(written[0], total))
    return written


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
    # An export may lag (a read replica, see Context); it reads one snapshot of ONE server,
    # so the server is chosen once, here.
    engine = ctx.read_engine.current()
    stream = open_for_writing(target) if isinstance(target, (str, os.PathLike)) else target
    orders = items = 0
    try:
        if ctx.dialect == "postgresql":
            orders, items = _export_on_server(
                engine, query, stream, file_format, options, chunk_size, on_progress, total
            )
            return ExportResult(orders=orders, items=items, file_format=file_format)
        write = _writer(stream, file_format)
        records = iter_records(engine, query.statement(), chunk_size=chunk_size, options=options)
        for record in records:
            write(record)
            orders += 1
            items += len(record["items"])
            if on_progress is not None and orders % chunk_size == 0:
                on_progress(ExportProgress(orders, total))
        if on_progress is not None:
            on_progress(ExportProgress(orders, total))
    finally:
        if stream is not target:
            stream.close()
        else:
            stream.flush()
    return ExportResult(orders=orders, items=items, file_format=file_format)

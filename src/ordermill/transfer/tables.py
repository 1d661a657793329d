"""The rows an import writes for one batch of validated orders, table by table.

Separate from the writer (``transfer.batch``) so that what the import writes can be
built without a database: ``bench/import_floor.py`` COPYs exactly these rows to measure
the database's side alone.
"""

from __future__ import annotations

import os
import uuid as uuid_lib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ordermill.db.imports import BatchTable
from ordermill.db.tables import (
    activity,
    address,
    event,
    order,
    order_item,
    payment,
    shipment,
    shipment_item,
    status_history,
)
from ordermill.domain import events
from ordermill.domain.actor import current_actor
from ordermill.domain.order_state import CANCELED, DELIVERED
from ordermill.transfer.records import ImportRow

__all__ = ["CUSTOMER_COLUMNS", "BatchRows", "build_rows", "random_uuids"]

Row = tuple[Any, ...]

CUSTOMER_COLUMNS = ("customer_id", "email", "full_name", "created_at")
_ORDER_COLUMNS = (
    "order_id", "uuid", "order_number", "external_reference", "customer_id", "customer_email",
    "customer_full_name", "currency", "sub_total", "tax_amount", "shipping_fee",
    "discount_amount", "grand_total", "payment_method", "shipping_method", "payment_status",
    "shipment_status", "status", "created_at", "updated_at", "amount_authorized",
    "amount_captured", "amount_voided", "amount_refunded",
)  # fmt: skip
_ITEM_COLUMNS = (
    "order_item_id", "order_id", "sku", "name", "product_id", "qty", "unit_price",
    "line_total", "requires_shipping", "qty_restocked",
)  # fmt: skip
_ADDRESS_COLUMNS = (
    "order_id", "kind", "full_name", "address_1", "address_2", "city", "province", "country",
    "postcode", "telephone",
)  # fmt: skip
_PAYMENT_COLUMNS = (
    "order_id", "kind", "status", "amount", "currency", "gateway", "reference", "actor",
    "note", "created_at",
)  # fmt: skip
_SHIPMENT_COLUMNS = (
    "shipment_id", "uuid", "order_id", "carrier", "tracking_number", "status", "shipped_at",
    "delivered_at", "canceled_at", "created_at", "updated_at", "actor", "actor_name",
)  # fmt: skip


_ACTOR = ("actor", "actor_name")


@dataclass
class BatchRows:
    """One batch's rows, each a tuple in its table's column order (``tables()``).

    ``customers`` holds the batch's customers (first occurrence of each id), which the
    writer inserts unless they already exist.
    """

    customers: dict[int, Row] = field(default_factory=dict)
    orders: list[Row] = field(default_factory=list)
    items: list[Row] = field(default_factory=list)
    addresses: list[Row] = field(default_factory=list)
    shipments: list[Row] = field(default_factory=list)
    shipment_items: list[Row] = field(default_factory=list)
    payments: list[Row] = field(default_factory=list)
    activities: list[Row] = field(default_factory=list)
    history: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)

    def tables(self) -> list[tuple[BatchTable, tuple[str, ...], list[Row]]]:
        """(table, columns, rows) in the order they are written (parents first);
        customers excepted."""
        return [
            (order, _ORDER_COLUMNS, self.orders),
            (order_item, _ITEM_COLUMNS, self.items),
            (address, _ADDRESS_COLUMNS, self.addresses),
            (shipment, _SHIPMENT_COLUMNS, self.shipments),
            (shipment_item, ("shipment_id", "order_item_id", "qty"), self.shipment_items),
            (payment, _PAYMENT_COLUMNS, self.payments),
            (
                activity,
                ("order_id", "message", "customer_notified", "created_at", *_ACTOR),
                self.activities,
            ),
            (
                status_history,
                ("order_id", "field", "from_status", "to_status", "reason", "changed_at", *_ACTOR),
                self.history,
            ),
            (event, ("name", "payload", "order_id", "created_at"), self.events),
        ]


def build_rows(
    kept: list[tuple[ImportRow, int, str]],
    *,
    item_ids: Iterator[int],
    shipment_ids: Iterator[int],
    new_uuids: Iterator[str],
    activity_message: str,
    now: datetime,
) -> BatchRows:
    """The rows of ``kept`` (row, order id, order number), given the ids allocated for
    their items and shipments and enough new uuids for orders and shipments without one.
    Every row records the actor of the import (``domain/actor.py``)."""
    out = BatchRows()
    actor = current_actor()
    by = (actor.ref, actor.name)
    for row, order_id, number in kept:
        new = row.new
        uuid = row.uuid or next(new_uuids)
        created = row.created_at or now
        sub_total = new.sub_total
        grand_total = sub_total + new.tax_amount + new.shipping_fee - new.discount_amount
        out.orders.append(
            (order_id, uuid, number, new.external_reference, new.customer_id,
             new.customer_email, new.customer_full_name, new.currency, sub_total,
             new.tax_amount, new.shipping_fee, new.discount_amount, grand_total,
             new.payment_method, new.shipping_method, row.payment_status,
             row.shipment_status, row.status, created, row.updated_at or created,
             row.totals.authorized, row.totals.captured, row.totals.voided,
             row.totals.refunded)
        )  # fmt: skip
        for p in row.payments:
            paid = p.payment
            out.payments.append(
                (order_id, paid.kind, paid.status, paid.amount, new.currency,
                 paid.gateway or "", paid.reference, p.actor, paid.note, p.created_at or created)
            )  # fmt: skip
        line_ids = []
        for line, restocked in zip(new.lines, row.restocked, strict=True):
            item_id = next(item_ids)
            line_ids.append(item_id)
            out.items.append(
                (item_id, order_id, line.sku, line.name, line.product_id, line.qty,
                 line.price, line.line_total, line.requires_shipping, restocked)
            )  # fmt: skip
        for kind, values in (
            ("shipping", new.shipping_address),
            ("billing", new.billing_address),
        ):
            if values is not None:
                out.addresses.append((order_id, kind, *values.values()))
        for s in row.shipments:
            shipment_id = next(shipment_ids)
            # A shipment's missing timestamps are its creation time, as if it had
            # reached its status when it was made.
            made = s.created_at or created
            out.shipments.append(
                (shipment_id, s.uuid or next(new_uuids), order_id, s.carrier,
                 s.tracking_number, s.status, s.shipped_at or made,
                 s.delivered_at or (made if s.status == DELIVERED else None),
                 s.canceled_at or (made if s.status == CANCELED else None), made, made, *by)
            )  # fmt: skip
            out.shipment_items.extend((shipment_id, line_ids[index], qty) for index, qty in s.items)
        out.activities.append((order_id, activity_message, False, now, *by))
        out.history.extend(
            (order_id, kind, None, value, "imported", now, *by)
            for kind, value in (
                ("payment", row.payment_status),
                ("shipment", row.shipment_status),
                ("order", row.status),
            )
        )
        payload = {
            "order_id": order_id,
            "order_uuid": uuid,
            "order_number": number,
            "external_reference": new.external_reference,
            "customer_id": new.customer_id,
            "customer_email": new.customer_email,
            "grand_total": str(grand_total),
            "currency": new.currency,
            "payment_status": row.payment_status,
            "shipment_status": row.shipment_status,
            "status": row.status,
            "actor": actor.as_dict(),
        }
        out.events.append((events.ORDER_IMPORTED, payload, order_id, now))
        if new.customer_id is not None and new.customer_id not in out.customers:
            out.customers[new.customer_id] = (
                new.customer_id,
                new.customer_email,
                new.customer_full_name,
                created,
            )
    return out


def random_uuids(count: int) -> Iterator[str]:
    """Version 4 uuids from one read of the OS's random source (uuid4() reads it per uuid)."""
    pool = os.urandom(16 * count)
    for i in range(count):
        yield str(uuid_lib.UUID(bytes=pool[16 * i : 16 * i + 16], version=4))

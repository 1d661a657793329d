"""The OMS use cases, as module-level functions over the default instance.

``ordermill.configure(url, config)`` sets that instance; without it one is
created from ``$ORDERMILL_DATABASE_URL`` on first use. Each function is the
method of the same name on ``Oms``; see its docstring there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from ordermill.query import OrderQuery
from ordermill.records import Activity, Order, SalesReport, Shipment, StockLevel
from ordermill.services.exports import ExportResult
from ordermill.services.imports import ImportResult
from ordermill.services.oms import Oms, configure, connect, default_oms
from ordermill.services.shipments import UNSET, Unset

__all__ = [
    "UNSET",
    "Oms",
    "Unset",
    "add_order_activity_log",
    "cancel_order",
    "cancel_shipment",
    "configure",
    "connect",
    "create_shipment",
    "default_oms",
    "export_orders",
    "get_order",
    "get_orders_base_query",
    "get_shipment",
    "get_stock",
    "import_orders",
    "list_shipments",
    "mark_delivered",
    "place_order",
    "resolve_order_status",
    "sales_report",
    "set_stock",
    "update_payment_status",
    "update_shipment",
    "update_shipment_status",
]


def resolve_order_status(payment_status: str, shipment_status: str) -> str:
    return default_oms().resolve_order_status(payment_status, shipment_status)


def place_order(items: Sequence[Mapping[str, Any]], **options: Any) -> Order:
    return default_oms().place_order(items, **options)


def get_order(
    order_id_or_uuid: int | str,
    *,
    customer_visible_only: bool = False,
    conn: Connection | None = None,
) -> Order:
    return default_oms().get_order(
        order_id_or_uuid, customer_visible_only=customer_visible_only, conn=conn
    )


def get_orders_base_query() -> OrderQuery:
    return default_oms().get_orders_base_query()


def set_stock(
    sku: str, qty: int, manage_stock: bool = True, *, conn: Connection | None = None
) -> StockLevel:
    return default_oms().set_stock(sku, qty, manage_stock, conn=conn)


def get_stock(sku: str, *, conn: Connection | None = None) -> StockLevel:
    return default_oms().get_stock(sku, conn=conn)


def update_payment_status(
    order_id: int | str, status: str, conn: Connection | None = None
) -> Order:
    return default_oms().update_payment_status(order_id, status, conn)


def update_shipment_status(
    order_id: int | str, status: str, conn: Connection | None = None
) -> Order:
    return default_oms().update_shipment_status(order_id, status, conn)


def cancel_order(
    uuid: int | str, reason: str | None = None, conn: Connection | None = None
) -> Order:
    return default_oms().cancel_order(uuid, reason, conn)


def add_order_activity_log(
    order_id: int | str,
    message: str,
    customer_notified: bool = False,
    conn: Connection | None = None,
) -> Activity:
    return default_oms().add_order_activity_log(order_id, message, customer_notified, conn)


def create_shipment(
    order_uuid: int | str,
    carrier: str | None = None,
    tracking_number: str | None = None,
    conn: Connection | None = None,
    items: Sequence[Mapping[str, Any]] | None = None,
) -> Shipment:
    return default_oms().create_shipment(order_uuid, carrier, tracking_number, conn, items)


def mark_delivered(shipment_uuid: str, conn: Connection | None = None) -> Shipment:
    return default_oms().mark_delivered(shipment_uuid, conn)


def cancel_shipment(shipment_uuid: str, conn: Connection | None = None) -> Shipment:
    return default_oms().cancel_shipment(shipment_uuid, conn)


def update_shipment(
    shipment_uuid: str,
    *,
    carrier: str | Unset | None = UNSET,
    tracking_number: str | Unset | None = UNSET,
    conn: Connection | None = None,
) -> Shipment:
    return default_oms().update_shipment(
        shipment_uuid, carrier=carrier, tracking_number=tracking_number, conn=conn
    )


def get_shipment(shipment_uuid: str, conn: Connection | None = None) -> Shipment:
    return default_oms().get_shipment(shipment_uuid, conn)


def list_shipments(order_id_or_uuid: int | str, conn: Connection | None = None) -> list[Shipment]:
    return default_oms().list_shipments(order_id_or_uuid, conn)


def sales_report(*, date_from: date, date_to: date) -> SalesReport:
    return default_oms().sales_report(date_from=date_from, date_to=date_to)


def import_orders(source: Any, **options: Any) -> ImportResult:
    return default_oms().import_orders(source, **options)


def export_orders(target: Any, **options: Any) -> ExportResult:
    return default_oms().export_orders(target, **options)

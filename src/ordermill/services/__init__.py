"""The OMS use cases, as module-level functions over the default instance.

``ordermill.configure(url, config)`` sets that instance; without it one is
created from ``$ORDERMILL_DATABASE_URL`` on first use. Each function is the
method of the same name on ``Oms``; see its docstring there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from ordermill.records import Order, StockLevel
from ordermill.services.oms import Oms, configure, connect, default_oms

__all__ = [
    "Oms",
    "configure",
    "connect",
    "default_oms",
    "get_order",
    "get_stock",
    "place_order",
    "resolve_order_status",
    "set_stock",
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


def set_stock(
    sku: str, qty: int, manage_stock: bool = True, *, conn: Connection | None = None
) -> StockLevel:
    return default_oms().set_stock(sku, qty, manage_stock, conn=conn)


def get_stock(sku: str, *, conn: Connection | None = None) -> StockLevel:
    return default_oms().get_stock(sku, conn=conn)

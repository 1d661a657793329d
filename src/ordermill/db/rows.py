"""Rows to records: one small mapping function per table, used by every read path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from sqlalchemy.engine import Row, RowMapping

from ordermill.domain.actor import Actor
from ordermill.domain.records import (
    Activity,
    Address,
    Customer,
    Order,
    OrderItem,
    Payment,
    Shipment,
    ShipmentItem,
    StatusChange,
    StockLevel,
)

__all__ = [
    "activity_from_row",
    "address_from_row",
    "customer_from_row",
    "item_from_row",
    "order_from_row",
    "payment_from_row",
    "shipment_from_row",
    "shipment_item_from_row",
    "status_change_from_row",
    "stock_from_row",
]

_ZERO = Decimal(0)

AnyRow = Row[Any] | RowMapping | Mapping[str, Any]


def _m(row: AnyRow) -> Mapping[str, Any]:
    return cast(Mapping[str, Any], row._mapping if isinstance(row, Row) else row)


def order_from_row(row: AnyRow, **relations: Any) -> Order:
    m = _m(row)
    return Order(
        order_id=m["order_id"],
        uuid=str(m["uuid"]),
        order_number=m["order_number"],
        external_reference=m["external_reference"],
        customer_id=m["customer_id"],
        customer_email=m["customer_email"],
        customer_full_name=m["customer_full_name"],
        currency=m["currency"],
        sub_total=m["sub_total"],
        tax_amount=m["tax_amount"],
        shipping_fee=m["shipping_fee"],
        discount_amount=m["discount_amount"],
        grand_total=m["grand_total"],
        payment_method=m["payment_method"],
        shipping_method=m["shipping_method"],
        payment_status=m["payment_status"],
        shipment_status=m["shipment_status"],
        status=m["status"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        # A row built by a writer that did not read the order back (placement) has
        # no totals: a new order has none.
        amount_authorized=m.get("amount_authorized", _ZERO),
        amount_captured=m.get("amount_captured", _ZERO),
        amount_voided=m.get("amount_voided", _ZERO),
        amount_refunded=m.get("amount_refunded", _ZERO),
        version=m["version"],
        **relations,
    )


def _actor(m: Mapping[str, Any]) -> Actor:
    return Actor.from_stored(m["actor"], m["actor_name"])


def payment_from_row(row: AnyRow) -> Payment:
    m = _m(row)
    return Payment(
        payment_id=m["payment_id"],
        order_id=m["order_id"],
        kind=m["kind"],
        status=m["status"],
        amount=m["amount"],
        currency=m["currency"],
        gateway=m["gateway"] or None,
        reference=m["reference"],
        actor=_actor(m),
        note=m["note"],
        created_at=m["created_at"],
    )


def item_from_row(row: AnyRow, **extra: Any) -> OrderItem:
    m = _m(row)
    return OrderItem(
        order_item_id=m["order_item_id"],
        order_id=m["order_id"],
        sku=m["sku"],
        name=m["name"],
        product_id=m["product_id"],
        qty=m["qty"],
        unit_price=m["unit_price"],
        line_total=m["line_total"],
        requires_shipping=bool(m["requires_shipping"]),
        qty_restocked=m["qty_restocked"],
        qty_refunded=m.get("qty_refunded", 0),
        **extra,
    )


def address_from_row(row: AnyRow) -> Address:
    m = _m(row)
    return Address(
        address_id=m["address_id"],
        order_id=m["order_id"],
        kind=m["kind"],
        full_name=m["full_name"],
        address_1=m["address_1"],
        address_2=m["address_2"],
        city=m["city"],
        province=m["province"],
        country=m["country"],
        postcode=m["postcode"],
        telephone=m["telephone"],
    )


def shipment_item_from_row(row: AnyRow) -> ShipmentItem:
    m = _m(row)
    return ShipmentItem(
        shipment_item_id=m["shipment_item_id"],
        shipment_id=m["shipment_id"],
        order_item_id=m["order_item_id"],
        qty=m["qty"],
    )


def shipment_from_row(row: AnyRow, items: Sequence[ShipmentItem] = ()) -> Shipment:
    m = _m(row)
    return Shipment(
        shipment_id=m["shipment_id"],
        uuid=str(m["uuid"]),
        shipment_order_id=m["order_id"],
        carrier=m["carrier"],
        tracking_number=m["tracking_number"],
        status=m["status"],
        shipped_at=m["shipped_at"],
        delivered_at=m["delivered_at"],
        canceled_at=m["canceled_at"],
        created_at=m["created_at"],
        items=tuple(items),
        actor=_actor(m),
    )


def activity_from_row(row: AnyRow) -> Activity:
    m = _m(row)
    return Activity(
        activity_id=m["activity_id"],
        order_id=m["order_id"],
        message=m["message"],
        customer_notified=bool(m["customer_notified"]),
        created_at=m["created_at"],
        actor=_actor(m),
    )


def status_change_from_row(row: AnyRow) -> StatusChange:
    m = _m(row)
    return StatusChange(
        history_id=m["history_id"],
        order_id=m["order_id"],
        field=m["field"],
        from_status=m["from_status"],
        to_status=m["to_status"],
        reason=m["reason"],
        changed_at=m["changed_at"],
        actor=_actor(m),
    )


def customer_from_row(row: AnyRow) -> Customer:
    m = _m(row)
    return Customer(
        customer_id=m["customer_id"],
        email=m["email"],
        full_name=m["full_name"],
        created_at=m["created_at"],
    )


def stock_from_row(row: AnyRow) -> StockLevel:
    m = _m(row)
    return StockLevel(sku=m["sku"], qty=m["qty"], manage_stock=bool(m["manage_stock"]))

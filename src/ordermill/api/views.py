"""Records to response models, one audience at a time.

The customer builders copy fields one by one into the customer models of
``schemas``, and drop activities the customer was not notified of; a record field
reaches a customer only when it is named here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ordermill.api.customer_schemas import (
    CustomerActivity,
    CustomerActivityList,
    CustomerOrder,
    CustomerOrderItem,
    CustomerOrderPage,
    CustomerOrderSummary,
    CustomerStatusChange,
)
from ordermill.api.schemas import (
    ActorView,
    AddressView,
    OrderPage,
    ShipmentItemView,
    ShipmentView,
    StaffActivity,
    StaffActivityList,
    StaffOrder,
    StaffOrderItem,
    StaffOrderSummary,
    StaffStatusChange,
    StockResponse,
)
from ordermill.domain.carriers import tracking_url
from ordermill.domain.config import Config
from ordermill.domain.records import (
    Activity,
    Address,
    Order,
    OrderItem,
    Shipment,
    StatusChange,
    StockLevel,
)
from ordermill.domain.status import can_cancel_order

__all__ = [
    "activity_list",
    "customer_activity",
    "customer_order",
    "customer_order_summary",
    "order_page",
    "order_view",
    "shipment_view",
    "staff_activity",
    "staff_order",
    "staff_order_summary",
    "stock_view",
]


def _address(value: Address | None) -> AddressView | None:
    if value is None:
        return None
    return AddressView(
        full_name=value.full_name,
        address_1=value.address_1,
        address_2=value.address_2,
        city=value.city,
        province=value.province,
        country=value.country,
        postcode=value.postcode,
        telephone=value.telephone,
    )


def shipment_view(value: Shipment, config: Config) -> ShipmentView:
    """The shipment, with its tracking URL from the configuration's carriers registry."""
    return ShipmentView(
        uuid=value.uuid,
        status=value.status,
        carrier=value.carrier,
        tracking_number=value.tracking_number,
        tracking_url=tracking_url(config.carriers, value.carrier, value.tracking_number),
        shipped_at=value.shipped_at,
        delivered_at=value.delivered_at,
        canceled_at=value.canceled_at,
        created_at=value.created_at,
        items=[ShipmentItemView(order_item_id=i.order_item_id, qty=i.qty) for i in value.items],
    )


def stock_view(value: StockLevel) -> StockResponse:
    return StockResponse(sku=value.sku, qty=value.qty, manage_stock=value.manage_stock)


def staff_activity(value: Activity) -> StaffActivity:
    return StaffActivity(
        activity_id=value.activity_id,
        message=value.message,
        customer_notified=value.customer_notified,
        created_at=value.created_at,
        actor=ActorView.of(value.actor),
    )


def customer_activity(value: Activity) -> CustomerActivity | None:
    """The customer's view of an activity, or None when it is internal."""
    if not value.customer_notified:
        return None
    return CustomerActivity(message=value.message, created_at=value.created_at)


def _staff_item(value: OrderItem) -> StaffOrderItem:
    return StaffOrderItem(
        order_item_id=value.order_item_id,
        sku=value.sku,
        name=value.name,
        product_id=value.product_id,
        qty=value.qty,
        unit_price=value.unit_price,
        line_total=value.line_total,
        requires_shipping=value.requires_shipping,
        qty_restocked=value.qty_restocked,
        qty_refunded=value.qty_refunded,
        qty_shipped=value.qty_shipped,
        qty_delivered=value.qty_delivered,
        qty_returned=value.qty_returned,
    )


def _customer_item(value: OrderItem) -> CustomerOrderItem:
    return CustomerOrderItem(
        order_item_id=value.order_item_id,
        sku=value.sku,
        name=value.name,
        qty=value.qty,
        unit_price=value.unit_price,
        line_total=value.line_total,
        requires_shipping=value.requires_shipping,
        qty_shipped=value.qty_shipped,
        qty_delivered=value.qty_delivered,
        qty_returned=value.qty_returned,
    )


def _staff_change(value: StatusChange) -> StaffStatusChange:
    return StaffStatusChange(
        field=value.field,
        from_status=value.from_status,
        to_status=value.to_status,
        reason=value.reason,
        changed_at=value.changed_at,
        actor=ActorView.of(value.actor),
    )


def _customer_change(value: StatusChange) -> CustomerStatusChange:
    return CustomerStatusChange(
        field=value.field,
        from_status=value.from_status,
        to_status=value.to_status,
        changed_at=value.changed_at,
    )


def _summary_fields(value: Order, config: Config) -> dict[str, Any]:
    """The fields both audiences' summaries share."""
    return {
        "uuid": value.uuid,
        "order_number": value.order_number,
        "customer_email": value.customer_email,
        "customer_full_name": value.customer_full_name,
        "currency": value.currency,
        "sub_total": value.sub_total,
        "tax_amount": value.tax_amount,
        "shipping_fee": value.shipping_fee,
        "discount_amount": value.discount_amount,
        "grand_total": value.grand_total,
        "payment_method": value.payment_method,
        "shipping_method": value.shipping_method,
        "payment_status": value.payment_status,
        "shipment_status": value.shipment_status,
        "status": value.status,
        "is_cancelable": can_cancel_order(
            config, value.status, value.payment_status, value.shipment_status
        ),
        "created_at": value.created_at,
        "updated_at": value.updated_at,
        "amount_authorized": value.amount_authorized,
        "amount_captured": value.amount_captured,
        "amount_refunded": value.amount_refunded,
        "net_paid": value.net_paid,
        "balance_due": value.balance_due,
    }


def staff_order_summary(value: Order, config: Config) -> StaffOrderSummary:
    return StaffOrderSummary(
        order_id=value.order_id,
        external_reference=value.external_reference,
        customer_id=value.customer_id,
        **_summary_fields(value, config),
    )


def customer_order_summary(value: Order, config: Config) -> CustomerOrderSummary:
    return CustomerOrderSummary(**_summary_fields(value, config))


def staff_order(value: Order, config: Config) -> StaffOrder:
    return StaffOrder(
        order_id=value.order_id,
        external_reference=value.external_reference,
        customer_id=value.customer_id,
        items=[_staff_item(i) for i in value.items or ()],
        shipping_address=_address(value.shipping_address),
        billing_address=_address(value.billing_address),
        shipments=[shipment_view(s, config) for s in value.shipments or ()],
        activities=[staff_activity(a) for a in value.activities or ()],
        history=[_staff_change(h) for h in value.history or ()],
        **_summary_fields(value, config),
    )


def customer_order(value: Order, config: Config) -> CustomerOrder:
    activities = [customer_activity(a) for a in value.activities or ()]
    return CustomerOrder(
        items=[_customer_item(i) for i in value.items or ()],
        shipping_address=_address(value.shipping_address),
        billing_address=_address(value.billing_address),
        shipments=[shipment_view(s, config) for s in value.shipments or ()],
        activities=[a for a in activities if a is not None],
        history=[_customer_change(h) for h in value.history or ()],
        **_summary_fields(value, config),
    )


def order_view(value: Order, *, admin: bool, config: Config) -> StaffOrder | CustomerOrder:
    """The order as its audience sees it."""
    return staff_order(value, config) if admin else customer_order(value, config)


def activity_list(
    values: tuple[Activity, ...] | None, *, admin: bool
) -> StaffActivityList | CustomerActivityList:
    """The activity log as its audience sees it (customers: only what they were notified of)."""
    if admin:
        return StaffActivityList(items=[staff_activity(a) for a in values or ()])
    views = [customer_activity(a) for a in values or ()]
    return CustomerActivityList(items=[v for v in views if v is not None])


def order_page(
    items: Sequence[Order], next_cursor: str | None, *, admin: bool, config: Config
) -> OrderPage | CustomerOrderPage:
    """A page of the listing as its audience sees it."""
    if admin:
        return OrderPage(
            items=[staff_order_summary(o, config) for o in items], next_cursor=next_cursor
        )
    return CustomerOrderPage(
        items=[customer_order_summary(o, config) for o in items], next_cursor=next_cursor
    )

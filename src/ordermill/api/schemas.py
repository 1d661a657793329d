"""Request and response bodies of the REST API (Pydantic, at the edge only).

Responses come in two audiences with explicit fields each. Staff models show
everything an operator acts on. Customer models are built by
``customer_order`` and friends, field by field: a customer activity has no
``customer_notified`` flag because only notified activities are ever put in
one, status history has no free-text ``reason`` (staff write it), and internal
ids and inventory details are absent. A column added to a record therefore
reaches customers only when someone adds it to a customer model here.

Money is a decimal string in both directions (requests may also give whole
numbers); a JSON float is refused, since binary floats cannot hold cents exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from ordermill.config import ROLLUP_WORDS, Config
from ordermill.records import (
    Activity,
    Address,
    Order,
    OrderItem,
    Shipment,
    StatusChange,
    StockLevel,
)
from ordermill.services.activities import MESSAGE_MAX
from ordermill.status import display, is_cancelable

__all__ = [
    "MAX_ORDER_LINES",
    "AddActivityRequest",
    "CancelOrderRequest",
    "CreateShipmentRequest",
    "CustomerActivity",
    "CustomerActivityList",
    "CustomerOrder",
    "CustomerOrderItem",
    "CustomerOrderPage",
    "CustomerOrderSummary",
    "CustomerStatusChange",
    "OrderPage",
    "PlaceOrderRequest",
    "SetStockRequest",
    "ShipmentList",
    "StaffActivity",
    "StaffActivityList",
    "StaffOrder",
    "StaffOrderItem",
    "StaffOrderSummary",
    "StaffStatusChange",
    "StatusCode",
    "StatusUpdateRequest",
    "StatusesResponse",
    "StockResponse",
    "UpdateShipmentRequest",
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
    "statuses_view",
    "stock_view",
]

MAX_ORDER_LINES = 500
_NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL: refuse it at the door


Name255 = Annotated[str, StringConstraints(max_length=255, pattern=_NO_NUL)]
MoneyString = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,8}(\.[0-9]{1,4})?$"),
    Field(description="A decimal amount as a string, at most 4 decimal places", examples=["9.90"]),
]
Money = MoneyString | Annotated[StrictInt, Field(ge=0, le=99_999_999)]
StatusCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Response(BaseModel):
    model_config = ConfigDict(frozen=True)


# -- requests -----------------------------------------------------------------


class NewOrderLine(_Request):
    sku: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_NO_NUL)]
    qty: Annotated[StrictInt, Field(ge=1, le=1_000_000)]
    price: Money
    name: Name255 | None = None
    product_id: Annotated[str, StringConstraints(max_length=64, pattern=_NO_NUL)] | None = None
    requires_shipping: StrictBool = True


class AddressIn(_Request):
    full_name: Name255 | None = None
    address_1: Name255 | None = None
    address_2: Name255 | None = None
    city: Name255 | None = None
    province: Name255 | None = None
    country: Name255 | None = None
    postcode: Name255 | None = None
    telephone: Name255 | None = None


class PlaceOrderRequest(_Request):
    items: Annotated[list[NewOrderLine], Field(min_length=1, max_length=MAX_ORDER_LINES)]
    customer_email: Annotated[str, StringConstraints(min_length=3, max_length=255, pattern=_NO_NUL)]
    customer_id: Annotated[StrictInt, Field(ge=1, le=2**63 - 1)] | None = None
    customer_full_name: Name255 | None = None
    shipping_address: AddressIn | None = None
    billing_address: AddressIn | None = None
    shipping_fee: Money = "0"
    tax_amount: Money = "0"
    discount_amount: Money = "0"
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")] = "USD"
    payment_method: Annotated[str, StringConstraints(max_length=64, pattern=_NO_NUL)] | None = None
    shipping_method: Annotated[str, StringConstraints(max_length=64, pattern=_NO_NUL)] | None = None
    external_reference: Name255 | None = None


class StatusUpdateRequest(_Request):
    status: StatusCode


class CancelOrderRequest(_Request):
    reason: Annotated[str, StringConstraints(max_length=255, pattern=_NO_NUL)] | None = None


class ShipmentLineIn(_Request):
    order_item_id: Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]
    qty: Annotated[StrictInt, Field(ge=1, le=1_000_000)]


class CreateShipmentRequest(_Request):
    carrier: Annotated[str, StringConstraints(max_length=64, pattern=_NO_NUL)] | None = None
    tracking_number: Annotated[str, StringConstraints(max_length=128, pattern=_NO_NUL)] | None = (
        None
    )
    items: (
        Annotated[list[ShipmentLineIn], Field(min_length=1, max_length=MAX_ORDER_LINES)] | None
    ) = Field(
        default=None, description="Lines and quantities to ship; all unshipped ones if absent"
    )


class UpdateShipmentRequest(_Request):
    """Only the fields present are changed; ``null`` clears a field."""

    carrier: Annotated[str, StringConstraints(max_length=64, pattern=_NO_NUL)] | None = None
    tracking_number: Annotated[str, StringConstraints(max_length=128, pattern=_NO_NUL)] | None = (
        None
    )


class AddActivityRequest(_Request):
    message: Annotated[
        str, StringConstraints(min_length=1, max_length=MESSAGE_MAX, pattern=_NO_NUL)
    ]
    customer_notified: StrictBool = False


class SetStockRequest(_Request):
    qty: Annotated[StrictInt, Field(ge=0, le=2_147_483_647)]
    manage_stock: StrictBool = True


# -- responses shared by both audiences -------------------------------------------


class AddressView(_Response):
    full_name: str | None
    address_1: str | None
    address_2: str | None
    city: str | None
    province: str | None
    country: str | None
    postcode: str | None
    telephone: str | None


class ShipmentItemView(_Response):
    order_item_id: int
    qty: int


class ShipmentView(_Response):
    uuid: str
    status: str
    carrier: str | None
    tracking_number: str | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    canceled_at: datetime | None
    created_at: datetime
    items: list[ShipmentItemView]


class ShipmentList(_Response):
    items: list[ShipmentView]


class StockResponse(_Response):
    sku: str
    qty: int
    manage_stock: bool


# -- staff responses ----------------------------------------------------------------


class StaffOrderItem(_Response):
    order_item_id: int
    sku: str
    name: str | None
    product_id: str | None
    qty: int
    unit_price: Decimal
    line_total: Decimal
    requires_shipping: bool
    qty_restocked: int
    qty_shipped: int | None
    qty_delivered: int | None


class StaffActivity(_Response):
    activity_id: int
    message: str
    customer_notified: bool
    created_at: datetime


class StaffActivityList(_Response):
    items: list[StaffActivity]


class StaffStatusChange(_Response):
    field: str
    from_status: str | None
    to_status: str
    reason: str | None
    changed_at: datetime


class StaffOrderSummary(_Response):
    order_id: int
    uuid: str
    order_number: str
    external_reference: str | None
    customer_id: int | None
    customer_email: str
    customer_full_name: str | None
    currency: str
    sub_total: Decimal
    tax_amount: Decimal
    shipping_fee: Decimal
    discount_amount: Decimal
    grand_total: Decimal
    payment_method: str | None
    shipping_method: str | None
    payment_status: str
    shipment_status: str
    status: str
    is_cancelable: bool = Field(description="Whether the order may be canceled now")
    created_at: datetime
    updated_at: datetime


class StaffOrder(StaffOrderSummary):
    items: list[StaffOrderItem]
    shipping_address: AddressView | None
    billing_address: AddressView | None
    shipments: list[ShipmentView]
    activities: list[StaffActivity]
    history: list[StaffStatusChange]


class OrderPage(_Response):
    items: list[StaffOrderSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )


# -- customer responses ---------------------------------------------------------------


class CustomerOrderItem(_Response):
    order_item_id: int
    sku: str
    name: str | None
    qty: int
    unit_price: Decimal
    line_total: Decimal
    requires_shipping: bool
    qty_shipped: int | None
    qty_delivered: int | None


class CustomerActivity(_Response):
    message: str
    created_at: datetime


class CustomerActivityList(_Response):
    items: list[CustomerActivity]


class CustomerStatusChange(_Response):
    field: str
    from_status: str | None
    to_status: str
    changed_at: datetime


class CustomerOrderSummary(_Response):
    uuid: str
    order_number: str
    customer_email: str
    customer_full_name: str | None
    currency: str
    sub_total: Decimal
    tax_amount: Decimal
    shipping_fee: Decimal
    discount_amount: Decimal
    grand_total: Decimal
    payment_method: str | None
    shipping_method: str | None
    payment_status: str
    shipment_status: str
    status: str
    is_cancelable: bool = Field(description="Whether the order may be canceled now")
    created_at: datetime
    updated_at: datetime


class CustomerOrder(CustomerOrderSummary):
    items: list[CustomerOrderItem]
    shipping_address: AddressView | None
    billing_address: AddressView | None
    shipments: list[ShipmentView]
    activities: list[CustomerActivity] = Field(
        description="Only the activities the customer was notified of"
    )
    history: list[CustomerStatusChange]


class CustomerOrderPage(_Response):
    items: list[CustomerOrderSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )


# -- statuses -----------------------------------------------------------------------


class PaymentStatusView(_Response):
    code: str
    name: str
    badge: str
    is_default: bool
    is_cancelable: bool


class ShipmentStatusView(_Response):
    code: str
    name: str
    badge: str
    is_default: bool
    is_cancelable: bool | None = Field(
        description="null for a rollup word: its cancelability follows the shipments"
    )
    phase: Literal["shipped", "delivered", "canceled"] | None
    rollup: bool = Field(
        description="A word derived from the order's shipments rather than a configured status"
    )


class OrderStatusView(_Response):
    code: str
    name: str
    badge: str
    is_default: bool
    next: list[str]


class StatusesResponse(_Response):
    payment: list[PaymentStatusView]
    shipment: list[ShipmentStatusView]
    order: list[OrderStatusView] = Field(description="In flow order")


# -- builders: record -> view -------------------------------------------------------


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


def shipment_view(value: Shipment) -> ShipmentView:
    return ShipmentView(
        uuid=value.uuid,
        status=value.status,
        carrier=value.carrier,
        tracking_number=value.tracking_number,
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
        qty_shipped=value.qty_shipped,
        qty_delivered=value.qty_delivered,
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
    )


def _staff_change(value: StatusChange) -> StaffStatusChange:
    return StaffStatusChange(
        field=value.field,
        from_status=value.from_status,
        to_status=value.to_status,
        reason=value.reason,
        changed_at=value.changed_at,
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
        "is_cancelable": is_cancelable(config, value.payment_status, value.shipment_status),
        "created_at": value.created_at,
        "updated_at": value.updated_at,
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
        shipments=[shipment_view(s) for s in value.shipments or ()],
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
        shipments=[shipment_view(s) for s in value.shipments or ()],
        activities=[a for a in activities if a is not None],
        history=[_customer_change(h) for h in value.history or ()],
        **_summary_fields(value, config),
    )


def statuses_view(config: Config) -> StatusesResponse:
    payment = [
        PaymentStatusView(
            code=code,
            name=s.name,
            badge=s.badge,
            is_default=s.is_default,
            is_cancelable=s.is_cancelable,
        )
        for code, s in config.payment_statuses.items()
    ]
    shipment = [
        ShipmentStatusView(
            code=code,
            name=s.name,
            badge=s.badge,
            is_default=s.is_default,
            is_cancelable=s.is_cancelable,
            phase=s.phase,
            rollup=False,
        )
        for code, s in config.shipment_statuses.items()
    ]
    for word in ROLLUP_WORDS:
        if word not in config.shipment_statuses:
            name, badge = display(config, "shipment", word)
            shipment.append(
                ShipmentStatusView(
                    code=word,
                    name=name,
                    badge=badge,
                    is_default=False,
                    is_cancelable=None,
                    phase=None,
                    rollup=True,
                )
            )
    order = [
        OrderStatusView(
            code=code,
            name=config.order_statuses[code].name,
            badge=config.order_statuses[code].badge,
            is_default=config.order_statuses[code].is_default,
            next=list(config.order_statuses[code].next),
        )
        for code in config.order_status_flow
    ]
    return StatusesResponse(payment=payment, shipment=shipment, order=order)


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

"""The customer's view of an order over REST: only what a customer may see of it
(no staff notes, no ledger, no actor names)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from ordermill.api.schemas import _AUTHORIZED, AddressView, MoneyOut, ShipmentView, _Response

# -- customer responses ---------------------------------------------------------------


class CustomerOrderItem(_Response):
    order_item_id: int
    sku: str
    name: str | None
    qty: int
    unit_price: MoneyOut
    line_total: MoneyOut
    requires_shipping: bool
    qty_shipped: int | None
    qty_delivered: int | None
    qty_returned: int | None


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
    sub_total: MoneyOut
    tax_amount: MoneyOut
    shipping_fee: MoneyOut
    discount_amount: MoneyOut
    grand_total: MoneyOut
    payment_method: str | None
    shipping_method: str | None
    payment_status: str
    shipment_status: str
    status: str
    is_cancelable: bool = Field(description="Whether the order may be canceled now")
    created_at: datetime
    updated_at: datetime
    amount_authorized: Decimal = Field(description=_AUTHORIZED)
    amount_captured: Decimal
    amount_refunded: Decimal
    net_paid: Decimal = Field(description="Captured minus refunded")
    balance_due: Decimal = Field(description="The grand total minus the net paid")


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

"""What services and queries return: frozen, typed, free of the database.

Records are plain frozen dataclasses (no validation cost per row when a page of
orders is read, no dependency of the domain on Pydantic). Relations of an
``Order`` are ``None`` when they were not loaded and a tuple when they were, so
"not loaded" is never mistaken for "has none".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ordermill.domain.actor import SYSTEM, Actor

__all__ = [
    "Activity",
    "Actor",
    "Address",
    "ApiToken",
    "Customer",
    "DaySales",
    "Order",
    "OrderItem",
    "Payment",
    "Principal",
    "SalesReport",
    "Shipment",
    "ShipmentItem",
    "StatusChange",
    "StockLevel",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Customer:
    customer_id: int
    email: str
    full_name: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    address_id: int
    order_id: int
    kind: str  # "shipping" or "billing"
    full_name: str | None
    address_1: str | None
    address_2: str | None
    city: str | None
    province: str | None
    country: str | None
    postcode: str | None
    telephone: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderItem:
    order_item_id: int
    order_id: int
    sku: str
    name: str | None
    product_id: str | None
    qty: int
    unit_price: Decimal
    line_total: Decimal
    requires_shipping: bool
    qty_restocked: int = 0
    # Filled by the order detail read: units in live (shipped) and delivered shipments.
    qty_shipped: int | None = None
    qty_delivered: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipmentItem:
    shipment_item_id: int
    shipment_id: int
    order_item_id: int
    qty: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Shipment:
    shipment_id: int
    uuid: str
    shipment_order_id: int
    carrier: str | None
    tracking_number: str | None
    status: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    canceled_at: datetime | None
    created_at: datetime
    items: tuple[ShipmentItem, ...] = ()
    actor: Actor = SYSTEM  # who created it

    @property
    def order_id(self) -> int:
        return self.shipment_order_id


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity:
    activity_id: int
    order_id: int
    message: str
    customer_notified: bool
    created_at: datetime
    actor: Actor = SYSTEM


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    history_id: int
    order_id: int
    field: str  # "payment", "shipment" or "order"
    from_status: str | None
    to_status: str
    reason: str | None
    changed_at: datetime
    actor: Actor = SYSTEM


@dataclass(frozen=True, slots=True, kw_only=True)
class Payment:
    """One row of an order's payment ledger, as recorded (rows are never changed).

    ``kind`` is authorization, capture, sale (authorized and captured at once), void or
    refund; ``status`` succeeded or failed (a failed attempt moves no money).
    ``reference`` is the payment provider's id of the transaction, unique per
    ``gateway``; ``actor`` says who recorded it.
    """

    payment_id: int
    order_id: int
    kind: str
    status: str
    amount: Decimal
    currency: str
    gateway: str | None
    reference: str | None
    actor: Actor
    note: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StockLevel:
    sku: str
    qty: int
    manage_stock: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
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
    created_at: datetime
    updated_at: datetime
    items: tuple[OrderItem, ...] | None = None
    customer: Customer | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    shipments: tuple[Shipment, ...] | None = None
    activities: tuple[Activity, ...] | None = None
    history: tuple[StatusChange, ...] | None = None
    # The payment ledger's running totals (sums of the succeeded ledger rows, stored on
    # the order row): authorized includes sales, which authorize and capture at once.
    amount_authorized: Decimal = Decimal(0)
    amount_captured: Decimal = Decimal(0)
    amount_voided: Decimal = Decimal(0)
    amount_refunded: Decimal = Decimal(0)

    @property
    def id(self) -> int:
        return self.order_id

    @property
    def net_paid(self) -> Decimal:
        """What the customer has paid and kept paid: captured minus refunded."""
        return self.amount_captured - self.amount_refunded

    @property
    def balance_due(self) -> Decimal:
        """What is still to be paid: the grand total minus the net paid."""
        return self.grand_total - self.net_paid

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping of the order and its loaded relations (money as strings)."""
        from ordermill.domain.serialize import to_jsonable

        result = to_jsonable(self)
        assert isinstance(result, dict)
        return result


Role = Literal["admin", "customer"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiToken:
    """An API token as stored: its secret is never kept, only a hash of it."""

    token_id: int
    role: Role
    customer_id: int | None
    label: str | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who is calling: the token that authenticated, its role and (customers) whose orders."""

    token_id: int
    role: Role
    customer_id: int | None
    label: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> Actor:
        """Who this caller is in the history: the customer, or the staff token by name."""
        if self.role == "customer":
            return Actor("customer", str(self.customer_id), f"customer {self.customer_id}")
        return Actor("staff", str(self.token_id), self.label or f"token {self.token_id}")


@dataclass(frozen=True, slots=True, kw_only=True)
class DaySales:
    """One day of a sales report (UTC days).

    ``orders`` counts every order created that day, canceled ones included.
    ``sales`` sums the grand totals of the day's orders that are not canceled, in the
    report's ``currency`` only (amounts are never converted); ``sales_by_currency`` has
    every currency.
    """

    day: date
    orders: int
    sales: Decimal
    sales_by_currency: dict[str, Decimal]


@dataclass(frozen=True, slots=True, kw_only=True)
class SalesReport:
    """Orders created from ``date_from`` to ``date_to`` (inclusive, UTC days).

    Canceled orders count in ``orders`` and in the status counts but not in any sales
    figure. ``currency`` is the currency of most of the period's orders (ties: the first
    code alphabetically; ``None`` when there are no orders) and is the currency of every
    ``DaySales.sales``; ``sales_by_currency`` totals each currency separately.
    """

    date_from: date
    date_to: date
    orders: int
    currency: str | None
    sales_by_currency: dict[str, Decimal]
    counts_by_status: dict[str, int]
    counts_by_payment_status: dict[str, int]
    counts_by_shipment_status: dict[str, int]
    days: list[DaySales]

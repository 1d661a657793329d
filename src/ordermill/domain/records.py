"""What services and queries return: frozen, typed, free of the database.

Records are plain frozen dataclasses (no validation cost per row when a page of
orders is read, no dependency of the domain on Pydantic). Relations of an
``Order`` are ``None`` when they were not loaded and a tuple when they were, so
"not loaded" is never mistaken for "has none".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ordermill.domain.actor import SYSTEM, Actor
from ordermill.domain.money_records import (
    Payment,
    Refund,
    RefundLine,
    Return,
    ReturnLine,
    ReturnStatusChange,
)

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
    "Refund",
    "RefundLine",
    "Return",
    "ReturnLine",
    "ReturnStatusChange",
    "SalesReport",
    "Shipment",
    "ShipmentItem",
    "StatusChange",
    "StockLevel",
    "TrackingLink",
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
    # Units refunded so far (``refund``): at most ``qty``.
    qty_refunded: int = 0
    # Filled by the order detail read: units in live (shipped) and delivered shipments.
    qty_shipped: int | None = None
    qty_delivered: int | None = None
    # Filled by the order detail read: units in returns that count against the delivered
    # ones (requested, approved, received; refunded: the units received).
    qty_returned: int | None = None


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
    # 1 when placed, one more with every change: ``expected_version=`` / If-Match.
    version: int = 1

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
    # What a staff token may do (every scope for the admin preset); empty for a
    # customer token, whose role says what it may do.
    scopes: frozenset[str] = frozenset()
    name: str | None = None  # a display name, kept after revocation

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who is calling: the token that authenticated, its role and (customers) whose orders."""

    token_id: int
    role: Role
    customer_id: int | None
    scopes: frozenset[str] = frozenset()
    label: str | None = None

    @property
    def is_admin(self) -> bool:
        """A staff token (sees every order, staff views); its scopes say what it may do."""
        return self.role == "admin"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

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
    ``gross`` sums the grand totals of the day's orders that are not canceled (a canceled
    order counts only what was captured for it: its refund is then one of ``refunds``);
    ``refunds`` sums the refunds recorded that day (succeeded ledger rows of kind
    ``refund``), whenever their orders were placed; ``sales`` is the net: ``gross -
    refunds``, negative on a day that refunded more than it sold. All three are in the
    report's ``currency`` only (amounts are never converted); the ``*_by_currency``
    dicts have every currency with an amount that day.
    """

    day: date
    orders: int
    sales: Decimal
    sales_by_currency: dict[str, Decimal]
    gross: Decimal = Decimal(0)
    refunds: Decimal = Decimal(0)
    gross_by_currency: dict[str, Decimal] = field(default_factory=dict)
    refunds_by_currency: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class SalesReport:
    """Orders created from ``date_from`` to ``date_to`` (inclusive, UTC days), and the
    refunds recorded on those days.

    Sales are net: gross sales (grand totals of the orders placed in the period that are
    not canceled; a canceled order counts what was captured for it) less the refunds
    recorded in the period, on the day each was recorded, so that a refund next week
    lowers next week's sales, never those of the day the order was placed. Canceled
    orders count in ``orders`` and in the status counts. ``currency`` is the currency of
    most of the period's orders (ties: the first code alphabetically; ``None`` when there
    are no orders: the first refunded currency, or ``None``) and is the currency of every
    ``DaySales`` amount; ``sales_by_currency``
    (net), ``gross_by_currency`` and ``refunds_by_currency`` total each currency
    separately.
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
    gross_by_currency: dict[str, Decimal] = field(default_factory=dict)
    refunds_by_currency: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingLink:
    """An order's guest tracking link. ``token`` is the secret, given only by the call
    that issued the link (the database keeps its hash): ``/track/<token>`` is the page."""

    link_id: int
    order_id: int
    order_uuid: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    token: str | None = None

    @property
    def path(self) -> str | None:
        """``/track/<token>`` when the token is at hand, else None."""
        return None if self.token is None else f"/track/{self.token}"

    def active(self, now: datetime) -> bool:
        """Not revoked and not expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

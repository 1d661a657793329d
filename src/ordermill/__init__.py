"""ordermill: an order management system for Python.

    >>> import ordermill
    >>> oms = ordermill.connect("sqlite:///ordermill.db")
    >>> oms.migrate()
    >>> order = oms.place_order([{"sku": "A-1", "qty": 2, "price": "9.90"}],
    ...                         customer_email="ada@example.com")

Every use case is a method of ``oms`` and a function of ``ordermill.services``.
"""

from __future__ import annotations

from ordermill.domain.config import Config, load_config
from ordermill.errors import (
    AccessDenied,
    ConfigError,
    Conflict,
    DuplicateExternalReference,
    EventNotFound,
    HookRejected,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidEventPattern,
    InvalidIdempotencyKey,
    InvalidImport,
    InvalidInput,
    InvalidOrder,
    InvalidShipmentItems,
    InvalidStatus,
    InvalidWebhookUrl,
    NotAuthenticated,
    NotFound,
    OmsError,
    OrderNotCancelable,
    OrderNotFound,
    PermissionDenied,
    QueryError,
    SecretKeyMissing,
    ShipmentAlreadyExists,
    ShipmentNotFound,
    ShipmentTransitionError,
    StatusTransitionError,
    StockNotFound,
    TokenNotFound,
    WebhookDisabled,
    WebhookNotFound,
)
from ordermill.oms import Oms
from ordermill.orders.hooks import hookimpl
from ordermill.query import OrderFilters, OrderQuery
from ordermill.records import (
    Activity,
    Address,
    ApiToken,
    Customer,
    DaySales,
    Order,
    OrderItem,
    Principal,
    SalesReport,
    Shipment,
    ShipmentItem,
    StatusChange,
    StockLevel,
)
from ordermill.services import configure, connect, resolve_order_status

__version__ = "0.1.0"

__all__ = [
    "AccessDenied",
    "Activity",
    "Address",
    "ApiToken",
    "Config",
    "ConfigError",
    "Conflict",
    "Customer",
    "DaySales",
    "DuplicateExternalReference",
    "EventNotFound",
    "HookRejected",
    "IdempotencyKeyInFlight",
    "IdempotencyKeyReused",
    "InsufficientStock",
    "InvalidEventPattern",
    "InvalidIdempotencyKey",
    "InvalidImport",
    "InvalidInput",
    "InvalidOrder",
    "InvalidShipmentItems",
    "InvalidStatus",
    "InvalidWebhookUrl",
    "NotAuthenticated",
    "NotFound",
    "Oms",
    "OmsError",
    "Order",
    "OrderFilters",
    "OrderItem",
    "OrderNotCancelable",
    "OrderNotFound",
    "OrderQuery",
    "PermissionDenied",
    "Principal",
    "QueryError",
    "SalesReport",
    "SecretKeyMissing",
    "Shipment",
    "ShipmentAlreadyExists",
    "ShipmentItem",
    "ShipmentNotFound",
    "ShipmentTransitionError",
    "StatusChange",
    "StatusTransitionError",
    "StockLevel",
    "StockNotFound",
    "TokenNotFound",
    "WebhookDisabled",
    "WebhookNotFound",
    "configure",
    "connect",
    "hookimpl",
    "load_config",
    "resolve_order_status",
]

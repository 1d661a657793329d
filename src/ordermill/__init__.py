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
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidIdempotencyKey,
    InvalidImport,
    InvalidInput,
    InvalidOrder,
    InvalidPayment,
    InvalidPaymentAmount,
    InvalidShipmentItems,
    InvalidStatus,
    NotAuthenticated,
    NotFound,
    OmsError,
    OrderNotCancelable,
    OrderNotFound,
    PaymentReferenceConflict,
    PermissionDenied,
    QueryError,
    ShipmentAlreadyExists,
    ShipmentNotFound,
    ShipmentTransitionError,
    StatusTransitionError,
    StockNotFound,
    TokenNotFound,
)
from ordermill.oms import Oms
from ordermill.query import OrderFilters, OrderQuery
from ordermill.records import (
    Activity,
    Address,
    ApiToken,
    Customer,
    DaySales,
    Order,
    OrderItem,
    Payment,
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
    "IdempotencyKeyInFlight",
    "IdempotencyKeyReused",
    "InsufficientStock",
    "InvalidIdempotencyKey",
    "InvalidImport",
    "InvalidInput",
    "InvalidOrder",
    "InvalidPayment",
    "InvalidPaymentAmount",
    "InvalidShipmentItems",
    "InvalidStatus",
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
    "Payment",
    "PaymentReferenceConflict",
    "PermissionDenied",
    "Principal",
    "QueryError",
    "SalesReport",
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
    "configure",
    "connect",
    "load_config",
    "resolve_order_status",
]

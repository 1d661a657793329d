"""The ordermill error tree.

Every error a user can meet is an ``OmsError``. Each class carries a stable
``code`` (what API clients and scripts match on; never reworded) besides its
message (what a person reads; it names the value and the reason). Adapters map
the families below to HTTP statuses and exit codes in one table each. The classes
live in ``base`` (the families, orders, access, the service), ``money`` (ledger,
refunds, returns) and ``relay`` (webhooks, events, tracking links); import them from
here.

::

    OmsError
    ├── NotFound                      404 / exit 1
    │   ├── OrderNotFound
    │   ├── ShipmentNotFound
    │   ├── StockNotFound
    │   ├── TokenNotFound
    │   ├── TrackingLinkNotFound      a wrong, revoked or expired tracking token (no hint which)
    │   ├── WebhookNotFound
    │   ├── EventNotFound
    │   └── ReturnNotFound
    ├── InvalidInput (ValueError)     422 / exit 2
    │   ├── InvalidStatus
    │   ├── InvalidOrder
    │   ├── InvalidShipmentItems
    │   ├── QueryError
    │   ├── InvalidPayment            a payment kind, status or text that can never be
    │   ├── InvalidPaymentAmount      recorded; an amount the ledger does not allow now
    │   ├── InvalidRefund             a refund's lines, shipping, amount or note malformed
    │   │   ├── UnknownRefundReason   a reason code the configuration does not list
    │   │   └── RefundLineNotFound    an order_item_id that is not a line of the order
    │   ├── InvalidIdempotencyKey     400 (a malformed Idempotency-Key header)
    │   ├── InvalidIfMatch            400 (a malformed If-Match header)
    │   ├── IdempotencyKeyReused
    │   ├── InvalidImport             an import file with bad rows, or unreadable
    │   ├── InvalidWebhookUrl         not http(s), or a private address not allowed
    │   ├── InvalidEventPattern
    │   ├── InvalidReturn             a return's lines, condition or text can never be taken
    │   └── SecretKeyMissing          ORDERMILL_SECRET_KEY unset (webhook secrets)
    ├── Conflict                      409 / exit 1
    │   ├── StatusTransitionError
    │   ├── InsufficientStock
    │   ├── DuplicateExternalReference
    │   ├── ShipmentAlreadyExists
    │   ├── ShipmentTransitionError
    │   ├── HookRejected              a plugin's hook refused the call (orders/hooks.py)
    │   ├── PaymentReferenceConflict
    │   ├── RefundExceedsBalance      more than the net paid, or the shipping left
    │   ├── RefundQtyExceedsRefundable  more units of a line than are left to refund
    │   ├── OrderNotCancelable
    │   │   └── OrderShippedNotRefundable  cancel-and-refund of an order with shipped goods
    │   ├── IdempotencyKeyInFlight
    │   ├── WebhookDisabled           the endpoint is disabled (redeliver)
    │   ├── ReturnExceedsDelivered    more units than delivered and not yet returned
    │   ├── ReturnReceiptExceeded     more units received than the return asked for
    │   ├── ReturnTransitionError     a return's status may not move so (forward only)
    │   └── StaleOrder                412: the order changed since the version given
    ├── RateLimited                   429 (too many requests from one client address)
    ├── AccessDenied
    │   ├── NotAuthenticated          401 (no token, or a bad or revoked one)
    │   └── PermissionDenied          403 (the role may not do this)
    │       └── MissingScope          403 (the token lacks the scope the operation needs)
    ├── ServiceUnavailable            503 + Retry-After / exit 75: the database is
    │   │                             unreachable or dropped the connection; retry
    │   └── StatementTimeout          a statement ran past the statement timeout
    └── ConfigError (ValueError)      a broken status configuration

``ServiceUnavailable`` is never raised by a use case: ``db.errors.unavailable`` turns
the database driver's errors into it for the adapters, in one place.
"""

from __future__ import annotations

from ordermill.domain.errors.base import (
    AccessDenied,
    ConfigError,
    Conflict,
    DuplicateExternalReference,
    HookRejected,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidIdempotencyKey,
    InvalidIfMatch,
    InvalidImport,
    InvalidInput,
    InvalidOrder,
    InvalidShipmentItems,
    InvalidStatus,
    MissingScope,
    NotAuthenticated,
    NotFound,
    OmsError,
    OrderNotCancelable,
    OrderNotFound,
    PermissionDenied,
    QueryError,
    RateLimited,
    ServiceUnavailable,
    ShipmentAlreadyExists,
    ShipmentNotFound,
    ShipmentTransitionError,
    StaleOrder,
    StatementTimeout,
    StatusTransitionError,
    StockNotFound,
    TokenNotFound,
)
from ordermill.domain.errors.money import (
    InvalidPayment,
    InvalidPaymentAmount,
    InvalidRefund,
    InvalidReturn,
    OrderShippedNotRefundable,
    PaymentReferenceConflict,
    RefundExceedsBalance,
    RefundLineNotFound,
    RefundQtyExceedsRefundable,
    ReturnExceedsDelivered,
    ReturnNotFound,
    ReturnReceiptExceeded,
    ReturnTransitionError,
    UnknownRefundReason,
)
from ordermill.domain.errors.relay import (
    EventNotFound,
    InvalidEventPattern,
    InvalidWebhookUrl,
    SecretKeyMissing,
    TrackingLinkNotFound,
    WebhookDisabled,
    WebhookNotFound,
)

__all__ = [
    "AccessDenied",
    "ConfigError",
    "Conflict",
    "DuplicateExternalReference",
    "EventNotFound",
    "HookRejected",
    "IdempotencyKeyInFlight",
    "IdempotencyKeyReused",
    "InsufficientStock",
    "InvalidEventPattern",
    "InvalidIdempotencyKey",
    "InvalidIfMatch",
    "InvalidImport",
    "InvalidInput",
    "InvalidOrder",
    "InvalidPayment",
    "InvalidPaymentAmount",
    "InvalidRefund",
    "InvalidReturn",
    "InvalidShipmentItems",
    "InvalidStatus",
    "InvalidWebhookUrl",
    "MissingScope",
    "NotAuthenticated",
    "NotFound",
    "OmsError",
    "OrderNotCancelable",
    "OrderNotFound",
    "OrderShippedNotRefundable",
    "PaymentReferenceConflict",
    "PermissionDenied",
    "QueryError",
    "RateLimited",
    "RefundExceedsBalance",
    "RefundLineNotFound",
    "RefundQtyExceedsRefundable",
    "ReturnExceedsDelivered",
    "ReturnNotFound",
    "ReturnReceiptExceeded",
    "ReturnTransitionError",
    "SecretKeyMissing",
    "ServiceUnavailable",
    "ShipmentAlreadyExists",
    "ShipmentNotFound",
    "ShipmentTransitionError",
    "StaleOrder",
    "StatementTimeout",
    "StatusTransitionError",
    "StockNotFound",
    "TokenNotFound",
    "TrackingLinkNotFound",
    "UnknownRefundReason",
    "WebhookDisabled",
    "WebhookNotFound",
]

"""The ordermill error tree.

Every error a user can meet is an ``OmsError``. Each class carries a stable
``code`` (what API clients and scripts match on; never reworded) besides its
message (what a person reads; it names the value and the reason). Adapters map
the families below to HTTP statuses and exit codes in one table each.

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
    │   ├── OrderNotCancelable
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

from typing import Any, ClassVar

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


class OmsError(Exception):
    """Base of every error ordermill raises on purpose.

    ``details`` holds the values the message names (the SKU, the statuses, the
    offending field), so that an API can return them as structured data.
    """

    code: ClassVar[str] = "oms_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details

    def __str__(self) -> str:
        return self.message


class NotFound(OmsError):
    """The order, shipment or other record named does not exist."""

    code = "not_found"


class InvalidInput(OmsError, ValueError):
    """The caller passed a value that can never be accepted; nothing was written."""

    code = "invalid_input"


class Conflict(OmsError):
    """The request is well formed but the current state of the order refuses it."""

    code = "conflict"


class ConfigError(OmsError, ValueError):
    """The status configuration is invalid; ``problems`` lists each key path and reason."""

    code = "config_error"

    def __init__(self, message: str, *, problems: list[str] | None = None, **details: Any) -> None:
        super().__init__(message, problems=problems or [], **details)
        self.problems: list[str] = problems or []


class OrderNotFound(NotFound):
    code = "order_not_found"


class ShipmentNotFound(NotFound):
    code = "shipment_not_found"


class StockNotFound(NotFound):
    """The SKU has no inventory record (its stock is not managed)."""

    code = "stock_not_found"


class InvalidStatus(InvalidInput):
    """A payment, shipment or order status that the configuration does not know."""

    code = "invalid_status"


class InvalidOrder(InvalidInput):
    """An order to place (or import) has a bad line, amount, address or customer."""

    code = "invalid_order"


class InvalidPayment(InvalidInput):
    """A payment to record with an unknown kind or status, or an unstorable text."""

    code = "invalid_payment"


class InvalidPaymentAmount(InvalidInput):
    """A payment amount that is not money in the order's currency, or more than its kind
    allows now (a capture beyond the open authorization, a refund beyond what was
    captured, a charge beyond the grand total). ``details`` names the amount, the
    kind and the most that was allowed."""

    code = "invalid_payment_amount"


class InvalidRefund(InvalidInput):
    """A refund asked with a malformed line, shipping amount, custom amount or note, or
    asking for nothing; nothing was written. ``details`` names the field and value."""

    code = "invalid_refund"


class UnknownRefundReason(InvalidRefund):
    """A refund reason code the status configuration does not list (``refund_reasons``)."""

    code = "unknown_refund_reason"


class RefundLineNotFound(InvalidRefund):
    """A refund line names an ``order_item_id`` that is not a line of the order."""

    code = "refund_line_not_found"


class InvalidShipmentItems(InvalidInput):
    code = "invalid_shipment_items"


class InvalidImport(InvalidInput):
    """An import file that cannot be read, or whose bad rows refused the whole import.

    ``problems`` lists the first bad rows as ``"line N: reason"``; ``invalid`` counts them all.
    """

    code = "invalid_import"

    def __init__(self, message: str, *, problems: list[str] | None = None, **details: Any) -> None:
        super().__init__(message, problems=problems or [], **details)
        self.problems: list[str] = problems or []


class QueryError(InvalidInput):
    """A query named a column, relation, operator or direction outside the allow-list."""

    code = "invalid_query"


class StatusTransitionError(Conflict):
    """The order status would move backwards, or leave a terminal status."""

    code = "status_transition_refused"


class InsufficientStock(Conflict):
    code = "insufficient_stock"


class DuplicateExternalReference(Conflict):
    """Another order already carries this ``external_reference`` (it names one order only).

    ``details`` names the reference and the existing order's number.
    """

    code = "duplicate_external_reference"


class OrderNotCancelable(Conflict):
    code = "order_not_cancelable"


class OrderShippedNotRefundable(OrderNotCancelable):
    """``cancel_and_refund`` of an order with goods shipped or delivered: a shipped order
    is refunded line by line (``refund``), never canceled."""

    code = "order_shipped_not_refundable"


class RefundExceedsBalance(Conflict):
    """A refund of more than the order's net paid (captured - refunded), or of more
    shipping than is left to refund; ``details`` name the amount and the most allowed."""

    code = "refund_exceeds_balance"


class RefundQtyExceedsRefundable(Conflict):
    """A refund of more units of a line than are left to refund (its qty less the units
    already refunded); ``details`` name the line, the qty asked and the qty left."""

    code = "refund_qty_exceeds_refundable"


class ShipmentAlreadyExists(Conflict):
    code = "shipment_already_exists"


class ShipmentTransitionError(Conflict):
    code = "shipment_transition_refused"


class HookRejected(Conflict):
    """A plugin's hook refused the call; the message is the plugin's own, and nothing
    was written. ``details`` name the ``plugin`` and the ``hook``."""

    code = "hook_rejected"


class PaymentReferenceConflict(Conflict):
    """A provider's (gateway, reference) already names a ledger row of another order,
    kind, amount or status: a retried webhook repeats its row, it never changes it."""

    code = "payment_reference_conflict"


class TokenNotFound(NotFound):
    code = "token_not_found"


class TrackingLinkNotFound(NotFound):
    """No live tracking link has this token. The same error, message and timing whether
    the token is wrong, revoked or expired, so that a guess learns nothing."""

    code = "tracking_link_not_found"


class RateLimited(OmsError):
    """Too many requests from one client address; ``retry_after`` is in whole seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **details: object) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class WebhookNotFound(NotFound):
    code = "webhook_not_found"


class EventNotFound(NotFound):
    """No outbox event has this id."""

    code = "event_not_found"


class InvalidWebhookUrl(InvalidInput):
    """A webhook URL that is not http(s), or that points into a private network
    (loopback, private, link-local) without the allow-list option."""

    code = "invalid_webhook_url"


class InvalidEventPattern(InvalidInput):
    """An event type pattern that is empty or not of ``ordermill.`` types."""

    code = "invalid_event_pattern"


class SecretKeyMissing(InvalidInput):
    """Webhook secrets are encrypted with ORDERMILL_SECRET_KEY, which is not set."""

    code = "secret_key_missing"


class WebhookDisabled(Conflict):
    code = "webhook_disabled"


class ReturnNotFound(NotFound):
    code = "return_not_found"


class InvalidReturn(InvalidInput):
    code = "invalid_return"


class ReturnExceedsDelivered(Conflict):
    code = "return_exceeds_delivered"


class ReturnReceiptExceeded(Conflict):
    code = "return_receipt_exceeded"


class ReturnTransitionError(Conflict):
    code = "return_transition_refused"


class InvalidIdempotencyKey(InvalidInput):
    """An ``Idempotency-Key`` that is empty, longer than 255 characters or not printable."""

    code = "invalid_idempotency_key"


class IdempotencyKeyReused(InvalidInput):
    """The idempotency key was already used by this caller for a different request."""

    code = "idempotency_key_reused"


class IdempotencyKeyInFlight(Conflict):
    """A request with this idempotency key is still running; retry once it has finished."""

    code = "idempotency_key_in_flight"


class AccessDenied(OmsError):
    """The caller may not make this request."""

    code = "access_denied"


class NotAuthenticated(AccessDenied):
    """No credentials, or credentials that name no active token."""

    code = "not_authenticated"


class PermissionDenied(AccessDenied):
    """The caller is known but its role does not allow this operation."""

    code = "permission_denied"


class MissingScope(PermissionDenied):
    """A staff token without the scope the operation needs; ``details`` name the
    ``scope`` and the ``operation``."""

    code = "missing_scope"


class StaleOrder(Conflict):
    """The order changed since the version the caller read (``expected_version=``,
    ``If-Match``); nothing was written. ``details`` name the ``order``, the
    ``expected_version`` and the ``current_version``."""

    code = "stale_order"


class InvalidIfMatch(InvalidInput):
    """An ``If-Match`` header that is not ``*`` or one quoted order version (``"3"``)."""

    code = "invalid_if_match"


class ServiceUnavailable(OmsError):
    """The database cannot be reached now (down, restarting, the connection dropped, no
    free connection in the pool, a lock it could not get): nothing was changed, and
    the same request may succeed in ``retry_after`` seconds."""

    code = "service_unavailable"
    retry_after: ClassVar[int] = 1


class StatementTimeout(ServiceUnavailable):
    """A statement ran longer than the statement timeout (blocked behind a lock, or the
    database overloaded) and was cancelled; the transaction was rolled back."""

    code = "statement_timeout"
    retry_after = 2

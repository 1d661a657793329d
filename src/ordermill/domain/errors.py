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
    │   ├── WebhookNotFound
    │   └── EventNotFound
    ├── InvalidInput (ValueError)     422 / exit 2
    │   ├── InvalidStatus
    │   ├── InvalidOrder
    │   ├── InvalidShipmentItems
    │   ├── QueryError
    │   ├── InvalidPayment            a payment kind, status or text that can never be
    │   ├── InvalidPaymentAmount      recorded; an amount the ledger does not allow now
    │   ├── InvalidIdempotencyKey     400 (a malformed Idempotency-Key header)
    │   ├── IdempotencyKeyReused
    │   ├── InvalidImport             an import file with bad rows, or unreadable
    │   ├── InvalidWebhookUrl         not http(s), or a private address not allowed
    │   ├── InvalidEventPattern
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
    │   ├── IdempotencyKeyInFlight
    │   └── WebhookDisabled           the endpoint is disabled (redeliver)
    ├── AccessDenied
    │   ├── NotAuthenticated          401 (no token, or a bad or revoked one)
    │   └── PermissionDenied          403 (the role may not do this)
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
    "InvalidImport",
    "InvalidInput",
    "InvalidOrder",
    "InvalidPayment",
    "InvalidPaymentAmount",
    "InvalidShipmentItems",
    "InvalidStatus",
    "InvalidWebhookUrl",
    "NotAuthenticated",
    "NotFound",
    "OmsError",
    "OrderNotCancelable",
    "OrderNotFound",
    "PaymentReferenceConflict",
    "PermissionDenied",
    "QueryError",
    "SecretKeyMissing",
    "ServiceUnavailable",
    "ShipmentAlreadyExists",
    "ShipmentNotFound",
    "ShipmentTransitionError",
    "StatementTimeout",
    "StatusTransitionError",
    "StockNotFound",
    "TokenNotFound",
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

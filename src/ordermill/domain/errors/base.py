"""The error families and the errors of orders, shipments, stock, imports, access
and the service's state (the tree: ``ordermill.domain.errors``)."""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AccessDenied",
    "ConfigError",
    "Conflict",
    "DuplicateExternalReference",
    "HookRejected",
    "IdempotencyKeyInFlight",
    "IdempotencyKeyReused",
    "InsufficientStock",
    "InvalidIdempotencyKey",
    "InvalidIfMatch",
    "InvalidImport",
    "InvalidInput",
    "InvalidOrder",
    "InvalidShipmentItems",
    "InvalidStatus",
    "MissingScope",
    "NotAuthenticated",
    "NotFound",
    "OmsError",
    "OrderNotCancelable",
    "OrderNotFound",
    "PermissionDenied",
    "QueryError",
    "RateLimited",
    "ServiceUnavailable",
    "ShipmentAlreadyExists",
    "ShipmentNotFound",
    "ShipmentTransitionError",
    "StaleOrder",
    "StatementTimeout",
    "StatusTransitionError",
    "StockNotFound",
    "TokenNotFound",
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


class TokenNotFound(NotFound):
    code = "token_not_found"


class RateLimited(OmsError):
    """Too many requests from one client address; ``retry_after`` is in whole seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **details: object) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


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

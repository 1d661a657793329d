"""Scopes: what a staff token may do, and THE table of what every operation needs.

A staff token (role ``admin``) carries scopes; a customer token carries none and may do
what ``customer=True`` rows below allow, on its own orders only (``api/access.py``).

``OPERATIONS`` maps every REST operation (by its operation id, the route function's
name) and every admin page and action (``admin:<route name>``) to the scope it needs.
The REST dependency (``api/deps.Authorized``), the admin pages (``admin/web``) and the
OpenAPI document (``x-required-scope``) all read it; an operation missing from it is
refused (403) and fails ``tests/api/test_auth_matrix.py``. Adding an operation is one
line here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from ordermill.domain.errors import InvalidInput
from ordermill.domain.records import Principal

__all__ = [
    "ALL",
    "OPERATIONS",
    "PRESETS",
    "PUBLIC",
    "SCOPES",
    "Rule",
    "allows",
    "format_scopes",
    "parse_scopes",
    "preset_scopes",
    "rule_for",
    "stored_scopes",
]

SCOPES: Final = (
    "orders:read",
    "orders:write",  # place, payment and shipment status, notes, cancel
    "shipments:write",
    "payments:write",  # the ledger, refunds, returns
    "stock:read",
    "stock:write",
    "import",
    "webhooks:manage",
    "tokens:manage",
    "metrics:read",
)
ALL: Final = "*"  # stored for the admin preset: every scope, including later ones

PRESETS: Final[dict[str, frozenset[str]]] = {
    "admin": frozenset(SCOPES),
    "warehouse": frozenset({"orders:read", "shipments:write", "stock:read", "stock:write"}),
    "customer_service": frozenset({"orders:read", "orders:write", "payments:write"}),
}


@dataclass(frozen=True, slots=True)
class Rule:
    """What an operation needs: ``scope`` (None: no token at all, e.g. health probes),
    and whether a customer token may call it (on its own orders)."""

    scope: str | None
    customer: bool = False


PUBLIC: Final = Rule(None)

# operation id -> rule. REST: the route function's name; admin: "admin:" + route name.
OPERATIONS: Final[dict[str, Rule]] = {
    # -- REST ------------------------------------------------------------------------
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "list_orders": Rule("orders:read", customer=True),
    "get_order": Rule("orders:read", customer=True),
    "list_order_shipments": Rule("orders:read", customer=True),
    "list_order_activities": Rule("orders:read", customer=True),
    "get_shipment": Rule("orders:read", customer=True),
    "list_statuses": Rule("orders:read", customer=True),
    "list_order_payments": Rule("orders:read"),
    "place_order": Rule("orders:write"),
    "update_payment_status": Rule("orders:write"),
    "update_shipment_status": Rule("orders:write"),
    "cancel_order": Rule("orders:write", customer=True),
    "add_order_activity": Rule("orders:write"),
    "create_shipment": Rule("shipments:write"),
    "update_shipment": Rule("shipments:write"),
    "mark_shipment_delivered": Rule("shipments:write"),
    "cancel_shipment": Rule("shipments:write"),
    "record_payment": Rule("payments:write"),
    "create_refund": Rule("payments:write"),
    "list_order_refunds": Rule("orders:read"),
    "cancel_and_refund": Rule("payments:write"),
    "request_return": Rule("orders:write", customer=True),
    "list_order_returns": Rule("orders:read", customer=True),
    "get_return": Rule("orders:read", customer=True),
    "approve_return": Rule("orders:write"),
    "decline_return": Rule("orders:write"),
    "cancel_return": Rule("orders:write"),
    "receive_return": Rule("shipments:write"),
    "refund_return": Rule("payments:write"),
    "issue_tracking_link": Rule("orders:write"),
    "get_tracking_link": Rule("orders:read"),
    "revoke_tracking_link": Rule("orders:write"),
    "track": PUBLIC,  # the tracking token is the key
    "metrics": Rule("metrics:read"),  # not in the OpenAPI document (Prometheus's format)
    "get_stock": Rule("stock:read"),
    "set_stock": Rule("stock:write"),
    "list_webhooks": Rule("webhooks:manage"),
    "create_webhook": Rule("webhooks:manage"),
    "get_webhook": Rule("webhooks:manage"),
    "update_webhook": Rule("webhooks:manage"),
    "rotate_webhook_secret": Rule("webhooks:manage"),
    "list_webhook_deliveries": Rule("webhooks:manage"),
    "redeliver_webhook_event": Rule("webhooks:manage"),
    # -- admin pages and actions -------------------------------------------------------
    "admin:dashboard": Rule("orders:read"),
    "admin:orders": Rule("orders:read"),
    "admin:order": Rule("orders:read"),
    "admin:set_payment_status": Rule("orders:write"),
    "admin:cancel_order": Rule("orders:write"),
    "admin:add_note": Rule("orders:write"),
    "admin:create_shipment": Rule("shipments:write"),
    "admin:edit_tracking": Rule("shipments:write"),
    "admin:mark_delivered": Rule("shipments:write"),
    "admin:cancel_shipment": Rule("shipments:write"),
    "admin:refund_preview": Rule("payments:write"),
    "admin:make_refund": Rule("payments:write"),
    "admin:cancel_and_refund": Rule("payments:write"),
    "admin:return_action": Rule("orders:write"),
    "admin:issue_tracking_link": Rule("orders:write"),
    "admin:revoke_tracking_link": Rule("orders:write"),
    "admin:webhooks": Rule("webhooks:manage"),
    "admin:add_webhook": Rule("webhooks:manage"),
    "admin:enable_webhook": Rule("webhooks:manage"),
    "admin:disable_webhook": Rule("webhooks:manage"),
    "admin:rotate_webhook_secret": Rule("webhooks:manage"),
    "admin:redeliver_webhook_event": Rule("webhooks:manage"),
}


def allows(principal: Principal, operation: str) -> bool:
    """Whether the principal may call ``operation``: a staff token holding the row's
    scope, a customer token where the row allows customers; no row, nobody."""
    rule = OPERATIONS.get(operation)
    if rule is None:
        return False
    if rule.scope is None:
        return True
    if principal.is_admin:
        return principal.has_scope(rule.scope)
    return rule.customer


def rule_for(operation: str) -> Rule | None:
    """The operation's rule, or None when the table has no row for it (refused)."""
    return OPERATIONS.get(operation)


def parse_scopes(scopes: Iterable[object]) -> frozenset[str]:
    """Known scopes, or ``InvalidInput`` naming the first unknown one."""
    found = set()
    for scope in scopes:
        if scope not in SCOPES:
            raise InvalidInput(
                f"scope: {scope!r} is not a scope; allowed: {', '.join(SCOPES)}",
                field="scope",
                value=repr(scope),
            )
        found.add(str(scope))
    return frozenset(found)


def preset_scopes(preset: object) -> frozenset[str]:
    if not isinstance(preset, str) or preset not in PRESETS:
        raise InvalidInput(
            f"preset: {preset!r} is not a preset; allowed: {', '.join(PRESETS)}",
            field="preset",
            value=repr(preset),
        )
    return PRESETS[preset]


def format_scopes(scopes: frozenset[str]) -> str:
    """As stored: ``*`` for every scope, else the scopes in ``SCOPES`` order."""
    if scopes >= PRESETS["admin"]:
        return ALL
    return " ".join(s for s in SCOPES if s in scopes)


def stored_scopes(text: str) -> frozenset[str]:
    """The scopes a stored value grants (``*``: every scope this release knows)."""
    if text.strip() == ALL:
        return PRESETS["admin"]
    return frozenset(s for s in text.split() if s in SCOPES)

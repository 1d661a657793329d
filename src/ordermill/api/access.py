"""Who may do what: the one place that decides it, for every adapter.

An admin may do everything. A customer may read their own orders (with only the
activities marked customer-visible), read the status vocabulary, and cancel
their own order when the cancellation service accepts it. Anything else is
refused with ``PermissionDenied``.

Another customer's order is answered exactly as an order that does not exist
(``OrderNotFound`` with the same message), so an order's existence cannot be
probed by guessing its uuid or number.
"""

from __future__ import annotations

import uuid as uuid_lib
from typing import Literal, get_args

from sqlalchemy.engine import Connection

from ordermill.db.orders import order_owner, shipment_owner
from ordermill.db.query import OrderQuery
from ordermill.domain.errors import OrderNotFound, PermissionDenied, ShipmentNotFound
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.order_ref import order_not_found as _order_not_found
from ordermill.domain.records import Order, Principal
from ordermill.orders.context import Context
from ordermill.orders.read import get_order, order_details

__all__ = [
    "ACTIONS",
    "CUSTOMER_ACTIONS",
    "Action",
    "authorize",
    "check_order_access",
    "check_shipment_access",
    "customer_scope",
    "details_for",
    "get_order_for",
    "order_not_found",
    "scope_orders",
]

Action = Literal[
    "orders:read",
    "orders:place",
    "orders:cancel",
    "orders:update_payment",
    "orders:update_shipment",
    "activities:add",
    "payments:read",
    "payments:record",
    "shipments:manage",
    "statuses:read",
    "stock:read",
    "stock:write",
    "webhooks:manage",
    "metrics:read",
]
ACTIONS: frozenset[Action] = frozenset(get_args(Action))
# Reading statuses is harmless (names and badges); stock levels are operational data.
CUSTOMER_ACTIONS: frozenset[Action] = frozenset({"orders:read", "orders:cancel", "statuses:read"})
_DOING: dict[Action, str] = {
    "orders:read": "read orders",
    "orders:place": "place orders",
    "orders:cancel": "cancel orders",
    "orders:update_payment": "change payment statuses",
    "orders:update_shipment": "change shipment statuses",
    "activities:add": "add activities",
    # The ledger holds the provider's references and staff notes: staff data.
    "payments:read": "read the payment ledger",
    "payments:record": "record payments",
    "shipments:manage": "create or change shipments",
    "statuses:read": "read statuses",
    "stock:read": "read stock levels",
    "stock:write": "set stock levels",
    "webhooks:manage": "manage webhook endpoints",
    "metrics:read": "read the service's metrics",
}


def authorize(principal: Principal, action: Action) -> None:
    """Raise ``PermissionDenied`` unless the principal's role allows ``action``."""
    if principal.is_admin or action in CUSTOMER_ACTIONS:
        return
    raise PermissionDenied(
        f"Only an admin token may {_DOING[action]}; a customer token may read its own"
        " orders and cancel them",
        action=action,
    )


def customer_scope(principal: Principal) -> int | None:
    """The customer whose orders alone the principal sees, or None for an admin (all orders)."""
    return None if principal.is_admin else principal.customer_id


def scope_orders(query: OrderQuery, principal: Principal) -> OrderQuery:
    """``query`` limited to what the principal may list: a customer's own orders (and only
    their customer-visible activities); everything for an admin."""
    scope = customer_scope(principal)
    return query if scope is None else query.for_customer(scope)


def order_not_found(order_ref: OrderRef) -> OrderNotFound:
    """The error for an order that is absent *or* not the caller's: the same in both cases."""
    return _order_not_found(order_ref)


def check_order_access(
    ctx: Context, principal: Principal, order_ref: OrderRef, *, conn: Connection | None = None
) -> None:
    """Raise ``OrderNotFound`` unless the order exists and the principal may see it.

    For an admin this checks nothing: the service called next reports a missing order.
    """
    scope = customer_scope(principal)
    if scope is None:
        return
    with ctx.reading(conn) as c:
        owner = order_owner(c, order_ref)
    if owner is None or owner.customer_id != scope:
        raise order_not_found(order_ref)


def check_shipment_access(
    ctx: Context, principal: Principal, shipment_uuid: str, *, conn: Connection | None = None
) -> None:
    """Raise ``ShipmentNotFound`` unless the shipment's order is the principal's to see."""
    scope = customer_scope(principal)
    if scope is None:
        return
    missing = ShipmentNotFound(f"Shipment not found: {shipment_uuid}", shipment=shipment_uuid)
    try:
        key = str(uuid_lib.UUID(shipment_uuid))
    except ValueError:
        raise missing from None
    with ctx.reading(conn) as c:
        owner = shipment_owner(c, key)
    if owner is None or owner.customer_id != scope:
        raise missing


def get_order_for(
    ctx: Context, principal: Principal, order_ref: OrderRef, *, conn: Connection | None = None
) -> Order:
    """The order as the principal may see it: a customer's own, with customer-visible activities.

    For a customer the owner is checked first with one small query, so that another
    customer's order costs what a missing one costs (no timing difference to probe).
    """
    scope = customer_scope(principal)
    if scope is None:
        return get_order(ctx, order_ref, conn=conn)
    check_order_access(ctx, principal, order_ref, conn=conn)
    try:
        return get_order(ctx, order_ref, customer_visible_only=True, conn=conn)
    except OrderNotFound:
        raise order_not_found(order_ref) from None


def details_for(principal: Principal, found: Order, *, conn: Connection) -> Order:
    """An order the principal was allowed to change, just returned by the service in
    ``conn``'s transaction, with its relations as the principal may see them."""
    visible_only = customer_scope(principal) is not None
    return order_details(found, customer_visible_only=visible_only, conn=conn)

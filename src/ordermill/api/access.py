"""Who may do what: the one place that decides it, for every adapter.

What each operation needs is a row of ``domain/scopes.OPERATIONS``: a staff token
(role ``admin``) may call it when it holds the row's scope; a customer token when the
row allows customers, on its own orders and with only the activities marked
customer-visible. An operation without a row is refused for everyone. Anything
refused raises ``MissingScope`` (403) naming the scope; a customer token calling a staff
operation gets ``PermissionDenied`` (403, code ``permission_denied`` as before), also
naming the scope.

Another customer's order (or return) is answered exactly as one that does not exist
(``OrderNotFound``, ``ReturnNotFound`` with the same message), so its existence
cannot be probed by guessing its uuid or number.
"""

from __future__ import annotations

import uuid as uuid_lib

from sqlalchemy.engine import Connection

from ordermill.db.orders import order_owner, return_owner, shipment_owner
from ordermill.db.query import OrderQuery
from ordermill.domain.errors import (
    MissingScope,
    OrderNotFound,
    PermissionDenied,
    ReturnNotFound,
    ShipmentNotFound,
)
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.order_ref import order_not_found as _order_not_found
from ordermill.domain.records import Order, Principal
from ordermill.domain.scopes import allows, rule_for
from ordermill.orders.context import Context
from ordermill.orders.read import get_order, order_details

__all__ = [
    "authorize",
    "check_order_access",
    "check_return_access",
    "check_shipment_access",
    "customer_scope",
    "details_for",
    "get_order_for",
    "order_not_found",
    "scope_orders",
]


def authorize(principal: Principal, operation: str) -> None:
    """Raise ``MissingScope`` unless the principal may call ``operation``."""
    if allows(principal, operation):
        return
    rule = rule_for(operation)
    if rule is None:
        raise MissingScope(
            f"Operation {operation!r} declares no scope, so no token may call it",
            operation=operation,
            scope=None,
        )
    if principal.is_admin:
        raise MissingScope(
            f"This token lacks the scope {rule.scope!r}, which {operation} needs",
            operation=operation,
            scope=rule.scope,
        )
    # A customer token keeps the code it has always had (permission_denied).
    raise PermissionDenied(
        f"A customer token may not call {operation} (it needs the scope {rule.scope!r}); a"
        " customer token may read its own orders, cancel them and request returns of them",
        operation=operation,
        scope=rule.scope,
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


def check_return_access(
    ctx: Context, principal: Principal, return_uuid: str, *, conn: Connection | None = None
) -> None:
    """Raise ``ReturnNotFound`` unless the return's order is the principal's to see."""
    scope = customer_scope(principal)
    if scope is None:
        return
    missing = ReturnNotFound(f"Return not found: {return_uuid}", **{"return": return_uuid})
    try:
        key = str(uuid_lib.UUID(return_uuid))
    except ValueError:
        raise missing from None
    with ctx.reading(conn) as c:
        owner = return_owner(c, key)
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

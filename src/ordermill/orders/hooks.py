"""The hook specifications: a before and an after hook around every public mutation.

A plugin is any object (a module, a class instance) with functions named like the
specifications below and marked ``@ordermill.hookimpl`` (optionally
``@ordermill.hookimpl(priority=10)``). Every argument is passed by name, and an
implementation takes only the ones it needs.

Invariant: a hook runs inside the service's transaction, on ``conn``, after the
service has locked the order and checked its rules (status flow, cancelability,
stock), and before it writes anything; an after-hook runs after the writes, still
inside the transaction. So a hook can neither bypass a lock nor a rule, and a hook
that raises rolls the whole call back: no order, no stock change, no event. The
caller gets ``HookRejected`` (409 in the REST service, exit 1 on the command line);
see ``orders.plugins`` for how other exceptions are turned into it.

``order`` is the locked order as it was before the call (an ``Order`` without its
relations), except for placement, where it is the validated ``NewOrder`` about to
be written. ``result`` is what the service returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, overload

import pluggy
from sqlalchemy.engine import Connection

from ordermill.domain.new_order import NewOrder
from ordermill.domain.records import Activity, Order, Return, Shipment, StockLevel

__all__ = ["PRIORITY_ATTRIBUTE", "PROJECT", "hookimpl", "hookspec"]

PROJECT = "ordermill"
PRIORITY_ATTRIBUTE = "ordermill_priority"

hookspec = pluggy.HookspecMarker(PROJECT)
_mark = pluggy.HookimplMarker(PROJECT)

F = TypeVar("F", bound=Callable[..., Any])


@overload
def hookimpl(function: F, *, priority: int = 0) -> F: ...
@overload
def hookimpl(function: None = None, *, priority: int = 0) -> Callable[[F], F]: ...
def hookimpl(function: F | None = None, *, priority: int = 0) -> F | Callable[[F], F]:
    """Mark a plugin's function as a hook implementation.

    Implementations of one hook run by ``priority``, highest first, and in
    registration order among equal priorities (pluggy's own order, last registered
    first, is not used; neither are its ``tryfirst``/``trylast``).
    """
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise TypeError(f"priority: {priority!r} is not an integer")

    def mark(func: F) -> F:
        setattr(func, PRIORITY_ATTRIBUTE, priority)
        return _mark(func)

    return mark if function is None else mark(function)


# -- placing ----------------------------------------------------------------------


@hookspec
def before_place_order(conn: Connection, order: NewOrder) -> None:
    """An order is about to be placed (validated; its stock not yet taken)."""


@hookspec
def after_place_order(conn: Connection, order: NewOrder, result: Order) -> None:
    """An order was placed."""


# -- statuses, cancellation -------------------------------------------------------


@hookspec
def before_update_payment_status(conn: Connection, order: Order, status: str) -> None:
    """The payment status of ``order`` is about to become ``status`` (a change)."""


@hookspec
def after_update_payment_status(conn: Connection, order: Order, status: str, result: Order) -> None:
    """The payment status changed; ``result`` is the order now."""


@hookspec
def before_update_shipment_status(conn: Connection, order: Order, status: str) -> None:
    """The order-level shipment status of ``order`` is about to be set to ``status``."""


@hookspec
def after_update_shipment_status(
    conn: Connection, order: Order, status: str, result: Order
) -> None:
    """The order-level shipment status was set."""


@hookspec
def before_cancel_order(conn: Connection, order: Order, reason: str | None) -> None:
    """``order`` (cancelable) is about to be canceled."""


@hookspec
def after_cancel_order(conn: Connection, order: Order, reason: str | None, result: Order) -> None:
    """The order was canceled."""


# -- shipments --------------------------------------------------------------------


@hookspec
def before_create_shipment(
    conn: Connection,
    order: Order,
    carrier: str | None,
    tracking_number: str | None,
    items: Mapping[int, int],
) -> None:
    """A shipment of ``items`` ({order_item_id: qty}, checked) is about to be created."""


@hookspec
def after_create_shipment(
    conn: Connection,
    order: Order,
    carrier: str | None,
    tracking_number: str | None,
    items: Mapping[int, int],
    result: Shipment,
) -> None:
    """A shipment was created."""


@hookspec
def before_update_shipment(
    conn: Connection, order: Order, shipment: Shipment, changes: Mapping[str, str | None]
) -> None:
    """``shipment``'s carrier and/or tracking number are about to become ``changes``."""


@hookspec
def after_update_shipment(
    conn: Connection,
    order: Order,
    shipment: Shipment,
    changes: Mapping[str, str | None],
    result: Shipment,
) -> None:
    """A shipment's carrier and/or tracking number were corrected."""


@hookspec
def before_mark_delivered(conn: Connection, order: Order, shipment: Shipment) -> None:
    """``shipment`` (shipped) is about to be marked delivered."""


@hookspec
def after_mark_delivered(
    conn: Connection, order: Order, shipment: Shipment, result: Shipment
) -> None:
    """A shipment was marked delivered."""


@hookspec
def before_cancel_shipment(conn: Connection, order: Order, shipment: Shipment) -> None:
    """``shipment`` (shipped) is about to be canceled."""


@hookspec
def after_cancel_shipment(
    conn: Connection, order: Order, shipment: Shipment, result: Shipment
) -> None:
    """A shipment was canceled."""


# -- activity, stock, import ------------------------------------------------------


@hookspec
def before_add_activity(
    conn: Connection, order: Order, message: str, customer_notified: bool
) -> None:
    """A note is about to be added to ``order``'s activity log."""


@hookspec
def after_add_activity(
    conn: Connection, order: Order, message: str, customer_notified: bool, result: Activity
) -> None:
    """A note was added."""


@hookspec
def before_set_stock(conn: Connection, sku: str, qty: int, manage_stock: bool) -> None:
    """The stock of ``sku`` is about to be set to ``qty``."""


@hookspec
def after_set_stock(
    conn: Connection, sku: str, qty: int, manage_stock: bool, result: StockLevel
) -> None:
    """The stock of ``sku`` was set."""


@hookspec
def before_import_orders(conn: Connection, orders: Sequence[NewOrder]) -> None:
    """A batch of imported orders (new ones, checked) is about to be written."""


@hookspec
def after_import_orders(
    conn: Connection, orders: Sequence[NewOrder], result: Sequence[int]
) -> None:
    """A batch of orders was written; ``result`` are their order ids.

    An import in the all-or-nothing mode is one transaction for every batch, so a
    hook that raises in any batch rolls the whole import back.
    """


# -- returns (RMA): ``rma`` is the return as it was before the call -----------------


@hookspec
def before_request_return(conn: Connection, order: Order, lines: Mapping[int, int]) -> None:
    """A return of ``lines`` ({order_item_id: qty}, checked against the delivered units)
    is about to be requested."""


@hookspec
def after_request_return(
    conn: Connection, order: Order, lines: Mapping[int, int], result: Return
) -> None:
    """A return was requested."""


@hookspec
def before_approve_return(conn: Connection, order: Order, rma: Return) -> None:
    """``rma`` (requested) is about to be approved."""


@hookspec
def after_approve_return(conn: Connection, order: Order, rma: Return, result: Return) -> None:
    """The return was approved."""


@hookspec
def before_decline_return(conn: Connection, order: Order, rma: Return) -> None:
    """``rma`` (requested) is about to be declined."""


@hookspec
def after_decline_return(conn: Connection, order: Order, rma: Return, result: Return) -> None:
    """The return was declined."""


@hookspec
def before_cancel_return(conn: Connection, order: Order, rma: Return) -> None:
    """``rma`` (requested or approved) is about to be canceled."""


@hookspec
def after_cancel_return(conn: Connection, order: Order, rma: Return, result: Return) -> None:
    """The return was canceled."""


@hookspec
def before_receive_return(
    conn: Connection, order: Order, rma: Return, lines: Mapping[int, int]
) -> None:
    """Units of ``rma`` ({order_item_id: qty}, checked) are about to be received."""


@hookspec
def after_receive_return(
    conn: Connection, order: Order, rma: Return, lines: Mapping[int, int], result: Return
) -> None:
    """Units of the return were received (and restocked when chosen)."""


@hookspec
def before_refund_return(conn: Connection, order: Order, rma: Return) -> None:
    """``rma`` (received) is about to be marked refunded; its refund is already written."""


@hookspec
def after_refund_return(conn: Connection, order: Order, rma: Return, result: Return) -> None:
    """The return was refunded."""

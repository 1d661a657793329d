"""The OMS use cases as module-level functions over the default instance.

``ordermill.configure(url, config)`` sets that instance; without it one is created
from ``$ORDERMILL_DATABASE_URL`` on first use. This is how EverShop's OMS module services
are called, so their examples translate line for line::

    from ordermill import services
    services.cancel_order(order.uuid, "Customer asked")

Each function IS the ``Oms`` method of the same name, bound late to the default
instance: its signature and docstring come from ``Oms`` (``functools.wraps``), so
both are written once, in ``ordermill.oms``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from ordermill.oms import ConfigSource, Oms, connect
from ordermill.orders.shipments import UNSET, Unset

__all__ = [  # noqa: RUF022 (plain sorted order, as the public API test wants)
    "Oms",
    "UNSET",
    "Unset",
    "add_order_activity_log",
    "approve_return",
    "cancel_and_refund",
    "cancel_order",
    "cancel_return",
    "cancel_shipment",
    "configure",
    "connect",
    "create_shipment",
    "decline_return",
    "default_oms",
    "export_orders",
    "get_order",
    "get_orders_base_query",
    "get_return",
    "get_shipment",
    "get_stock",
    "get_tracking_link",
    "import_orders",
    "list_payments",
    "list_refunds",
    "list_returns",
    "list_shipments",
    "mark_delivered",
    "place_order",
    "receive_return",
    "record_payment",
    "refund",
    "refund_preview",
    "refund_return",
    "request_return",
    "resolve_order_status",
    "revoke_tracking_link",
    "sales_report",
    "set_stock",
    "track",
    "tracking_link",
    "update_payment_status",
    "update_shipment",
    "update_shipment_status",
]

# The default instance the module functions use (``configure``, or one on first use).
_default: Oms | None = None
_default_lock = threading.Lock()


def configure(url: str | None = None, config: ConfigSource = None) -> Oms:
    """Set the instance that the module-level service functions use."""
    global _default
    with _default_lock:
        previous, _default = _default, connect(url, config)
    if previous is not None:
        previous.close()
    return _default


def default_oms() -> Oms:
    """The instance set by ``configure()``, or one from ``$ORDERMILL_DATABASE_URL`` on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = connect()
        return _default


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _on_default(method: Callable[Concatenate[Oms, _P], _R]) -> Callable[_P, _R]:
    """``method`` called on ``default_oms()``, with the method's own signature for type checkers."""

    @functools.wraps(method)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        return method(default_oms(), *args, **kwargs)

    return call


resolve_order_status = _on_default(Oms.resolve_order_status)
place_order = _on_default(Oms.place_order)
get_order = _on_default(Oms.get_order)
get_orders_base_query = _on_default(Oms.get_orders_base_query)
set_stock = _on_default(Oms.set_stock)
get_stock = _on_default(Oms.get_stock)
update_payment_status = _on_default(Oms.update_payment_status)
update_shipment_status = _on_default(Oms.update_shipment_status)
cancel_order = _on_default(Oms.cancel_order)
record_payment = _on_default(Oms.record_payment)
list_payments = _on_default(Oms.list_payments)
refund = _on_default(Oms.refund)
list_refunds = _on_default(Oms.list_refunds)
refund_preview = _on_default(Oms.refund_preview)
cancel_and_refund = _on_default(Oms.cancel_and_refund)
add_order_activity_log = _on_default(Oms.add_order_activity_log)
create_shipment = _on_default(Oms.create_shipment)
mark_delivered = _on_default(Oms.mark_delivered)
cancel_shipment = _on_default(Oms.cancel_shipment)
update_shipment = _on_default(Oms.update_shipment)
get_shipment = _on_default(Oms.get_shipment)
list_shipments = _on_default(Oms.list_shipments)
sales_report = _on_default(Oms.sales_report)
import_orders = _on_default(Oms.import_orders)
export_orders = _on_default(Oms.export_orders)
request_return = _on_default(Oms.request_return)
approve_return = _on_default(Oms.approve_return)
decline_return = _on_default(Oms.decline_return)
cancel_return = _on_default(Oms.cancel_return)
receive_return = _on_default(Oms.receive_return)
refund_return = _on_default(Oms.refund_return)
get_return = _on_default(Oms.get_return)
list_returns = _on_default(Oms.list_returns)
tracking_link = _on_default(Oms.tracking_link)
revoke_tracking_link = _on_default(Oms.revoke_tracking_link)
track = _on_default(Oms.track)
get_tracking_link = _on_default(Oms.get_tracking_link)

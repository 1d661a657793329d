"""Orders: placement, reads, payment and shipment status, cancellation, activity.

Orders are named as in ``get_order`` (id, uuid, order number, then external reference:
the first that names an order wins); every mutation locks the order first and runs in
one transaction (``conn``: the caller's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from ordermill.db.query import OrderQuery
from ordermill.domain.actor import Actor, acting_as
from ordermill.domain.new_order import PlaceOrder
from ordermill.domain.records import Activity, Order
from ordermill.oms.base import OmsBase
from ordermill.orders import activities as _activities
from ordermill.orders import cancel as _cancel
from ordermill.orders import payments as _payments
from ordermill.orders import place as _placement
from ordermill.orders import read as _orders
from ordermill.orders import shipment_status as _shipment_status

# place_order's locals that are not the order's own values.
_NOT_ORDER = frozenset({"self", "conn", "actor"})


class OrdersFacade(OmsBase):
    def place_order(
        self,
        items: Sequence[Mapping[str, Any]],
        *,
        customer_email: str,
        customer_id: int | None = None,
        customer_full_name: str | None = None,
        shipping_address: Mapping[str, Any] | None = None,
        billing_address: Mapping[str, Any] | None = None,
        shipping_fee: object = 0,
        tax_amount: object = 0,
        discount_amount: object = 0,
        currency: str = "USD",
        payment_method: str | None = None,
        shipping_method: str | None = None,
        external_reference: str | None = None,
        conn: Connection | None = None,
        actor: Actor | None = None,
    ) -> Order:
        """Place an order: validate, take stock, write it with its default statuses.

        The signature of EverShop's OMS module services; the arguments travel on as one
        ``PlaceOrder`` command (``place``), the form the REST service and imports build
        directly.
        """
        arguments = {name: value for name, value in locals().items() if name not in _NOT_ORDER}
        with acting_as(actor):
            return self.place(PlaceOrder(**arguments), conn=conn)

    def place(
        self, command: PlaceOrder, *, conn: Connection | None = None, actor: Actor | None = None
    ) -> Order:
        """Place the order a ``PlaceOrder`` command describes (see ``orders.place``)."""
        with acting_as(actor):
            return _placement.place_order(self.ctx, command, conn=conn)

    def get_order(
        self,
        order_id_or_uuid: int | str,
        *,
        customer_visible_only: bool = False,
        conn: Connection | None = None,
    ) -> Order:
        """One order by id, uuid, order number or external reference, with every relation loaded.

        An int is an id; text is a uuid or an order number, or else an external reference:
        the external reference is tried only when the text names no order by uuid or number,
        so a reference that looks like another order's number names that other order.
        """
        return _orders.get_order(
            self.ctx, order_id_or_uuid, customer_visible_only=customer_visible_only, conn=conn
        )

    def get_orders_base_query(self) -> OrderQuery:
        """A fresh orders query builder (see ``ordermill.query``): filter, sort, page, load.

        With a read replica it reads from the replica (which may lag a little behind
        the writes); pass ``conn=`` to its methods to read in your own transaction.
        """
        return OrderQuery(self.read_engine)

    def update_payment_status(
        self,
        order_id: int | str,
        status: str,
        conn: Connection | None = None,
        *,
        expected_version: int | None = None,
        actor: Actor | None = None,
    ) -> Order:
        """Set the payment status; the order status follows (forward only).

        The same status again changes nothing. A change that resolves the order
        to canceled is a cancellation (cancelable check, shipments, restock).
        ``expected_version``: ``StaleOrder`` (nothing written) unless the order is
        still at that ``Order.version``; the same on every mutation of an order.
        """
        with acting_as(actor):
            return _payments.update_payment_status(
                self.ctx, order_id, status, expected_version=expected_version, conn=conn
            )

    def update_shipment_status(
        self,
        order_id: int | str,
        status: str,
        conn: Connection | None = None,
        *,
        expected_version: int | None = None,
        actor: Actor | None = None,
    ) -> Order:
        """Set the order's shipment status: pending/processing while it has no shipment;
        shipped/delivered/canceled act on its shipments (see ``orders.shipment_status``)."""
        with acting_as(actor):
            return _shipment_status.update_shipment_status(
                self.ctx, order_id, status, expected_version=expected_version, conn=conn
            )

    def cancel_order(
        self,
        uuid: int | str,
        reason: str | None = None,
        conn: Connection | None = None,
        *,
        expected_version: int | None = None,
        actor: Actor | None = None,
    ) -> Order:
        """Cancel the order: payment and open shipments canceled, activity, restock once."""
        with acting_as(actor):
            return _cancel.cancel_order(
                self.ctx, uuid, reason, expected_version=expected_version, conn=conn
            )

    def add_order_activity_log(
        self,
        order_id: int | str,
        message: str,
        customer_notified: bool = False,
        conn: Connection | None = None,
        *,
        expected_version: int | None = None,
        actor: Actor | None = None,
    ) -> Activity:
        """Add a note (1 to 2,000 characters) to the order's activity log (a change of
        the order: its version goes up)."""
        with acting_as(actor):
            return _activities.add_order_activity_log(
                self.ctx,
                order_id,
                message,
                customer_notified,
                expected_version=expected_version,
                conn=conn,
            )

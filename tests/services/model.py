"""A plain-Python model of the OMS services, for the stateful test.

It keeps orders, shipments and stock in dicts and says, for each call, which error
the services must raise (an ``Refused`` with the class) or what state they must
leave. It borrows only the configuration's pure lookups from ``ordermill.domain.status``
(the resolution table, cancelability); the rollup, the forward-only rule and
every service rule are written out again here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from ordermill.domain import errors
from ordermill.domain.config import Config
from ordermill.domain.status import is_cancelable, resolve_order_status

SHIPPED, DELIVERED, CANCELED = "shipped", "delivered", "canceled"


class Refused(Exception):
    """The error the services must raise for this call."""

    def __init__(self, error: type[errors.OmsError]) -> None:
        super().__init__(error.__name__)
        self.error = error


@dataclass
class Line:
    item_id: int
    sku: str
    qty: int
    requires_shipping: bool
    restocked: int = 0


@dataclass
class ModelShipment:
    uuid: str
    status: str
    items: dict[int, int]
    tracking_number: str | None = None


@dataclass
class ModelOrder:
    order_id: int
    payment: str
    shipment: str
    status: str
    lines: dict[int, Line]
    shipments: list[ModelShipment] = field(default_factory=list)
    activities: int = 1  # "Order created"

    def shippable(self) -> list[Line]:
        return [line for line in self.lines.values() if line.requires_shipping]

    def units(self, item_id: int, status: str) -> int:
        return sum(s.items.get(item_id, 0) for s in self.shipments if s.status == status)

    def remaining(self) -> dict[int, int]:
        return {
            line.item_id: line.qty
            - self.units(line.item_id, SHIPPED)
            - self.units(line.item_id, DELIVERED)
            for line in self.shippable()
        }

    def rollup(self, *, canceled: bool) -> str | None:
        if canceled:
            return "canceled"
        if not self.shipments:
            return None
        lines = [
            (
                line.qty,
                self.units(line.item_id, SHIPPED),
                self.units(line.item_id, DELIVERED),
                self.units(line.item_id, CANCELED),
            )
            for line in self.shippable()
        ]
        if all(d == q for q, _, d, _ in lines):
            return "delivered"
        if any(d > 0 for _, _, d, _ in lines):
            return "partially_delivered"
        if all(s + d == q for q, s, d, _ in lines):
            return "shipped"
        if any(s + d > 0 for _, s, d, _ in lines):
            return "partially_shipped"
        if any(c > 0 for *_, c in lines):
            return "partially_canceled"
        return "pending"


class Model:
    def __init__(self, config: Config, stock: dict[str, int], unmanaged: set[str]) -> None:
        self.config = config
        self.stock = dict(stock)  # managed SKUs only
        self.unmanaged = set(unmanaged)
        self.orders: dict[int, ModelOrder] = {}

    # -- rules shared by the services ---------------------------------------------------

    def _forward(self, current: str, new: str) -> None:
        if current == new:
            return
        flow = self.config.order_status_flow
        if current in self.config.terminal_order_statuses or flow.index(current) > flow.index(new):
            raise Refused(errors.StatusTransitionError)

    def _settle(self, o: ModelOrder, shipment_status: str | None) -> None:
        """Take the new shipment status (None keeps it), resolve, refuse a move backwards."""
        if shipment_status is not None:
            o.shipment = shipment_status
        new = resolve_order_status(self.config, o.payment, o.shipment)
        self._forward(o.status, new)
        o.status = new

    def _check_cancelable(self, o: ModelOrder) -> None:
        if o.status in self.config.terminal_order_statuses or not is_cancelable(
            self.config, o.payment, o.shipment
        ):
            raise Refused(errors.OrderNotCancelable)

    def _cancellation(self, o: ModelOrder, stock: dict[str, int], payment: str) -> None:
        o.payment = payment
        for s in o.shipments:
            if s.status == SHIPPED:
                s.status = CANCELED
        self._settle(o, o.rollup(canceled=True))
        if self.config.restock_after_cancellation:
            for line in o.lines.values():
                back = line.qty - o.units(line.item_id, DELIVERED) - line.restocked
                if back > 0 and line.sku in stock:
                    line.restocked += back
                    stock[line.sku] += back
        o.activities += 1

    def _transaction(self, order_id: int) -> tuple[ModelOrder, dict[str, int]]:
        """A copy of the order and the stock to change; ``_commit`` keeps them."""
        return copy.deepcopy(self.orders[order_id]), dict(self.stock)

    def _commit(self, o: ModelOrder, stock: dict[str, int]) -> None:
        self.orders[o.order_id] = o
        self.stock = stock

    # -- the services ----------------------------------------------------------------------

    def place(self, order_id: int, lines: list[Line]) -> None:
        needed: dict[str, int] = {}
        for line in lines:
            needed[line.sku] = needed.get(line.sku, 0) + line.qty
        if any(sku in self.stock and self.stock[sku] < n for sku, n in needed.items()):
            raise Refused(errors.InsufficientStock)
        for sku, n in needed.items():
            if sku in self.stock:
                self.stock[sku] -= n
        payment = self.config.default_payment_status
        shipment = self.config.default_shipment_status
        self.orders[order_id] = ModelOrder(
            order_id=order_id,
            payment=payment,
            shipment=shipment,
            status=resolve_order_status(self.config, payment, shipment),
            lines={line.item_id: line for line in lines},
        )

    def update_payment_status(self, order_id: int, status: str) -> None:
        if status not in self.config.payment_statuses:
            raise Refused(errors.InvalidStatus)
        o, stock = self._transaction(order_id)
        if o.payment == status:
            return
        if (
            resolve_order_status(self.config, status, o.shipment) == CANCELED
            and o.status != CANCELED
        ):
            self._check_cancelable(o)
            self._cancellation(o, stock, status)
        else:
            was_canceled = o.status == CANCELED
            o.payment = status
            self._settle(o, None)
            if was_canceled:
                o.activities += 1
        self._commit(o, stock)

    def cancel_order(self, order_id: int) -> None:
        o, stock = self._transaction(order_id)
        self._check_cancelable(o)
        self._cancellation(o, stock, CANCELED)
        self._commit(o, stock)

    def add_activity(self, order_id: int, message: str) -> None:
        if not message.strip():
            raise Refused(errors.InvalidInput)
        self.orders[order_id].activities += 1

    def create_shipment(
        self, order_id: int, items: list[tuple[int, int]] | None, new_uuid: str
    ) -> None:
        if items is not None:
            ids = [item_id for item_id, _ in items]
            if not items or any(q <= 0 for _, q in items) or len(set(ids)) != len(ids):
                raise Refused(errors.InvalidShipmentItems)
        o, stock = self._transaction(order_id)
        if o.status == CANCELED:
            raise Refused(errors.ShipmentTransitionError)
        remaining = o.remaining()
        if items is None and not remaining:
            raise Refused(errors.InvalidShipmentItems)
        for item_id, _ in items or ():
            if item_id not in o.lines or not o.lines[item_id].requires_shipping:
                raise Refused(errors.InvalidShipmentItems)
        if not any(remaining.values()):
            raise Refused(errors.ShipmentAlreadyExists)
        if items is None:
            units = {i: n for i, n in remaining.items() if n > 0}
        else:
            if any(q > remaining[i] for i, q in items):
                raise Refused(errors.InvalidShipmentItems)
            units = dict(items)
        o.shipments.append(ModelShipment(new_uuid, SHIPPED, units))
        self._settle(o, o.rollup(canceled=False))
        o.activities += 1
        self._commit(o, stock)

    def update_shipment_status(self, order_id: int, status: str, new_uuid: str) -> None:  # noqa: C901
        """The whole rule as one decision, on purpose (hence above the complexity limit):
        this is the oracle the use case, split in steps, is checked against, and giving it
        the same shape would let both share a mistake."""
        if status not in self.config.shipment_statuses:
            raise Refused(errors.InvalidStatus)
        phase = self.config.shipment_statuses[status].phase
        o, stock = self._transaction(order_id)
        if o.status == CANCELED:
            if phase == CANCELED:
                return
            raise Refused(errors.ShipmentTransitionError)
        if phase is None or not o.shippable():
            if phase == CANCELED or o.shipments:
                raise Refused(errors.ShipmentTransitionError)
            if o.shipment != status:
                self._settle(o, status)
            self._commit(o, stock)
            return
        remaining = {i: n for i, n in o.remaining().items() if n > 0}
        opened = [s for s in o.shipments if s.status == SHIPPED]
        if phase == CANCELED:
            if not opened:
                raise Refused(errors.ShipmentTransitionError)
            for s in opened:
                s.status = CANCELED
            o.activities += len(opened)
        elif phase == SHIPPED:
            if not remaining:
                if opened:
                    return
                raise Refused(errors.ShipmentTransitionError)
            o.shipments.append(ModelShipment(new_uuid, SHIPPED, remaining))
            o.activities += 1
        else:
            if not remaining and not opened:
                return
            for s in opened:
                s.status = DELIVERED
            o.activities += len(opened)  # "Order delivered", each
            if remaining:
                o.shipments.append(ModelShipment(new_uuid, DELIVERED, remaining))
                o.activities += 2  # "Order has been shipped", "Order delivered"
        self._settle(o, o.rollup(canceled=False))
        self._commit(o, stock)

    def shipment(self, uuid: str) -> tuple[ModelOrder, ModelShipment]:
        for o in self.orders.values():
            for s in o.shipments:
                if s.uuid == uuid:
                    return o, s
        raise Refused(errors.ShipmentNotFound)

    def change_shipment(self, uuid: str, status: str) -> None:
        """mark_delivered (DELIVERED) or cancel_shipment (CANCELED)."""
        found, _ = self.shipment(uuid)
        o, stock = self._transaction(found.order_id)
        s = next(s for s in o.shipments if s.uuid == uuid)
        if s.status == status:
            return
        if s.status != SHIPPED:
            raise Refused(errors.ShipmentTransitionError)
        s.status = status
        self._settle(o, o.rollup(canceled=False))
        o.activities += 1  # "Shipment canceled" or "Order delivered"
        self._commit(o, stock)

    def update_shipment(self, uuid: str, tracking_number: str | None) -> None:
        o, s = self.shipment(uuid)
        if s.status == CANCELED:
            raise Refused(errors.ShipmentTransitionError)
        if s.tracking_number != tracking_number:
            s.tracking_number = tracking_number
            o.activities += 1

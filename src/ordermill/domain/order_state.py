"""An order's shipping state as read under its lock: its lines and its shipments.

Shipment rows carry one of three statuses (``SHIPPED``, ``DELIVERED``, ``CANCELED``);
the order's ``shipment_status`` is the rollup of them (``status.rollup_shipment_status``)
as soon as the order has a shipment or is canceled, and the stored value otherwise.
Pure: ``db/order_state.py`` loads it, the use cases decide on it.
"""

from __future__ import annotations

import uuid as uuid_lib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ordermill.domain.errors import InvalidInput, ShipmentNotFound, StaleOrder
from ordermill.domain.records import Shipment, ShipmentItem
from ordermill.domain.status import LineShipping
from ordermill.domain.status import rollup_shipment_status as _rollup

__all__ = [
    "CANCELED",
    "DELIVERED",
    "SHIPPED",
    "LineState",
    "OrderState",
    "ShipmentState",
    "check_version",
    "order_label",
    "shipment_uuid",
]

# The statuses a shipment row can have; also the payment and order status codes a
# cancellation writes.
SHIPPED = "shipped"
DELIVERED = "delivered"
CANCELED = "canceled"


def order_label(locked: Any) -> str:
    """How messages name an order (a locked order row): by the number people see."""
    return str(locked.order_number)


def check_version(locked: Any, expected_version: int | None) -> None:
    """Raise ``StaleOrder`` when the locked order is no longer at ``expected_version``
    (None: no check). Called under the order's lock, so no change can slip in between
    the check and the write."""
    if expected_version is None:
        return
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise InvalidInput(
            f"expected_version: {expected_version!r} is not an order version (an integer)",
            field="expected_version",
        )
    if locked.version != expected_version:
        label = order_label(locked)
        raise StaleOrder(
            f"Order {label} changed since version {expected_version}: it is at version"
            f" {locked.version} now; read it again and retry",
            order=label,
            expected_version=expected_version,
            current_version=locked.version,
        )


def shipment_uuid(value: object) -> str:
    """A shipment uuid in canonical form; anything else names no shipment."""
    if isinstance(value, str):
        try:
            return str(uuid_lib.UUID(value.strip()))
        except ValueError:
            pass
    raise ShipmentNotFound(f"Shipment not found: {value!r}", shipment=str(value))


@dataclass(frozen=True, slots=True)
class LineState:
    order_item_id: int
    sku: str
    qty: int
    requires_shipping: bool
    qty_restocked: int


@dataclass(slots=True)
class ShipmentState:
    shipment_id: int
    uuid: str
    order_id: int
    status: str
    carrier: str | None
    tracking_number: str | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    canceled_at: datetime | None
    created_at: datetime
    # order_item_id -> (shipment_item_id, qty), in shipment_item_id order
    items: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status == SHIPPED

    def item_records(self) -> tuple[ShipmentItem, ...]:
        """The shipment's items as records, in shipment_item_id order."""
        return tuple(
            ShipmentItem(
                shipment_item_id=item_id,
                shipment_id=self.shipment_id,
                order_item_id=order_item_id,
                qty=qty,
            )
            for order_item_id, (item_id, qty) in sorted(self.items.items(), key=lambda i: i[1][0])
        )

    def record(self) -> Shipment:
        """The shipment as a record, as loaded (and changed since)."""
        return Shipment(
            shipment_id=self.shipment_id,
            uuid=self.uuid,
            shipment_order_id=self.order_id,
            carrier=self.carrier,
            tracking_number=self.tracking_number,
            status=self.status,
            shipped_at=self.shipped_at,
            delivered_at=self.delivered_at,
            canceled_at=self.canceled_at,
            created_at=self.created_at,
            items=self.item_records(),
        )


@dataclass(slots=True)
class OrderState:
    """An order's items and shipments, read under the order's lock."""

    lines: dict[int, LineState]
    shipments: dict[int, ShipmentState]

    def shipment_by_uuid(self, uuid: str) -> ShipmentState:
        for found in self.shipments.values():
            if found.uuid == uuid:
                return found
        raise ShipmentNotFound(f"Shipment not found: {uuid}", shipment=uuid)

    def open_shipments(self) -> list[ShipmentState]:
        return [s for s in self.shipments.values() if s.is_open]

    def _units(self, status: str, extra: Mapping[int, int] | None = None) -> dict[int, int]:
        """Units per line in shipments of ``status``, plus ``extra`` ones."""
        units = dict.fromkeys(self.lines, 0)
        for s in self.shipments.values():
            if s.status == status:
                for order_item_id, (_, qty) in s.items.items():
                    units[order_item_id] += qty
        for order_item_id, qty in (extra or {}).items():
            units[order_item_id] += qty
        return units

    def shippable(self) -> list[LineState]:
        return [line for line in self.lines.values() if line.requires_shipping]

    def remaining(self) -> dict[int, int]:
        """Units of each line that requires shipping and is in no live shipment."""
        shipped, delivered = self._units(SHIPPED), self._units(DELIVERED)
        return {
            line.order_item_id: line.qty
            - shipped[line.order_item_id]
            - delivered[line.order_item_id]
            for line in self.shippable()
        }

    def delivered(self) -> dict[int, int]:
        return self._units(DELIVERED)

    def rollup_with(self, units: Mapping[int, int], status: str) -> str | None:
        """The rollup once a shipment of ``units`` in ``status`` is added (decide, then
        write): the state itself is left as it is."""
        return self._rollup({status: units}, order_canceled=False)

    def rollup(self, *, order_canceled: bool) -> str | None:
        """The order's shipment status as its shipments say, or None to keep the stored one."""
        if not order_canceled and not self.shipments:
            return None
        return self._rollup({}, order_canceled=order_canceled)

    def _rollup(
        self, extra: Mapping[str, Mapping[int, int]], *, order_canceled: bool
    ) -> str | None:
        shipped, delivered, canceled = (
            self._units(status, extra.get(status)) for status in (SHIPPED, DELIVERED, CANCELED)
        )
        return _rollup(
            (
                LineShipping(
                    ordered=line.qty,
                    shipped=shipped[line.order_item_id],
                    delivered=delivered[line.order_item_id],
                    canceled=canceled[line.order_item_id],
                )
                for line in self.shippable()
            ),
            order_canceled=order_canceled,
        )

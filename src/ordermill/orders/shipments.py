"""Shipments: creating one for some or all of an order's remaining items, correcting its
carrier and tracking number, and reading them.

An order has any number of shipments; each carries some quantity of some items.
Units in a canceled shipment may be shipped again; units in a live (shipped or
delivered) shipment may not, so the shipped quantity never exceeds the ordered one.
"""

from __future__ import annotations

import enum
import uuid as uuid_lib
from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy.engine import Connection

from ordermill.db.inserts import insert_shipment_with_items
from ordermill.db.order_state import (
    load_state,
    lock_order_by_ref,
    lock_order_of_shipment,
    write_order_change,
)
from ordermill.db.orders import load_order
from ordermill.db.shipments import load_shipment, update_shipment_row
from ordermill.domain import events
from ordermill.domain.change import Change
from ordermill.domain.config.carriers import CarrierDef
from ordermill.domain.errors import (
    InvalidInput,
    InvalidShipmentItems,
    ShipmentAlreadyExists,
    ShipmentNotFound,
    ShipmentTransitionError,
)
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.order_state import (
    CANCELED,
    DELIVERED,
    SHIPPED,
    OrderState,
    ShipmentState,
    order_label,
    shipment_uuid,
)
from ordermill.domain.records import Shipment
from ordermill.domain.text import unstorable
from ordermill.orders.context import Context
from ordermill.orders.event_payloads import shipment_data
from ordermill.orders.plugins import Deferred, watch

__all__ = [
    "ORDER_DELIVERED",
    "ORDER_SHIPPED",
    "SHIPMENT_UPDATED",
    "UNSET",
    "Unset",
    "create_shipment",
    "get_shipment",
    "insert_shipment",
    "list_shipments",
    "shipment_text",
    "update_shipment",
]

ORDER_SHIPPED = "Order has been shipped"
ORDER_DELIVERED = "Order delivered"
SHIPMENT_UPDATED = "Shipment information updated"
_CARRIER_MAX = 64
_TRACKING_MAX = 128


class Unset(enum.Enum):
    """The type of ``UNSET``: "not given", as distinct from ``None`` ("clear it")."""

    UNSET = enum.auto()

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


def shipment_text(value: object, field: str) -> str | None:
    """A carrier or tracking number: stripped, blank means None."""
    if value is None:
        return None
    max_len = _CARRIER_MAX if field == "carrier" else _TRACKING_MAX
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: {value!r} is not a string", field=field)
    text = value.strip()
    if len(text) > max_len:
        raise InvalidInput(f"{field} is longer than {max_len} characters", field=field)
    if bad := unstorable(text):
        raise InvalidInput(f"{field} contains {bad}", field=field)
    return text or None


def describe_shipment(carrier: str | None, tracking_number: str | None) -> str:
    parts = [p for p in (carrier, tracking_number and f"tracking number {tracking_number}") if p]
    return f" ({', '.join(parts)})" if parts else ""


def _requested_items(items: object) -> dict[int, int]:
    """``[{"order_item_id", "qty"}, ...]`` as {order_item_id: qty}, checked for shape."""
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise InvalidShipmentItems(
            'items: expected a list of {"order_item_id": ..., "qty": ...}', field="items"
        )
    if not items:
        raise InvalidShipmentItems("items: a shipment needs at least one item", field="items")
    requested: dict[int, int] = {}
    for index, raw in enumerate(items):
        where = f"items[{index}]"
        if not isinstance(raw, Mapping):
            raise InvalidShipmentItems(
                f'{where}: expected {{"order_item_id": ..., "qty": ...}}', field=where
            )
        unknown = set(raw) - {"order_item_id", "qty"}
        if unknown:
            raise InvalidShipmentItems(f"{where}: unknown keys {sorted(unknown)}", field=where)
        item_id, qty = raw.get("order_item_id"), raw.get("qty")
        if isinstance(item_id, bool) or not isinstance(item_id, int):
            raise InvalidShipmentItems(
                f"{where}.order_item_id: {item_id!r} is not an order item id",
                field=f"{where}.order_item_id",
            )
        if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
            raise InvalidShipmentItems(
                f"{where}.qty: {qty!r} is not a positive quantity (order item {item_id})",
                field=f"{where}.qty",
                order_item_id=item_id,
            )
        if item_id in requested:
            raise InvalidShipmentItems(
                f"{where}: order item {item_id} is listed twice",
                field=where,
                order_item_id=item_id,
            )
        requested[item_id] = qty
    return requested


def _units_to_ship(
    label: str, state: OrderState, requested: dict[int, int] | None
) -> dict[int, int]:
    remaining = state.remaining()
    if requested is None and not remaining:
        raise InvalidShipmentItems(f"Order {label} has no item that requires shipping", order=label)
    for item_id in requested or {}:
        line = state.lines.get(item_id)
        if line is None:
            raise InvalidShipmentItems(
                f"Order item {item_id} is not an item of order {label}",
                order=label,
                order_item_id=item_id,
            )
        if not line.requires_shipping:
            raise InvalidShipmentItems(
                f"Order item {item_id} ({line.sku}) does not require shipping",
                order=label,
                order_item_id=item_id,
                sku=line.sku,
            )
    if not any(remaining.values()):
        raise ShipmentAlreadyExists(
            f"Shipment already exists: every item of order {label} is shipped", order=label
        )
    if requested is None:
        return {item_id: qty for item_id, qty in remaining.items() if qty > 0}
    for item_id, qty in requested.items():
        if qty > remaining[item_id]:
            sku = state.lines[item_id].sku
            raise InvalidShipmentItems(
                f"Cannot ship {qty} of order item {item_id} ({sku}): only"
                f" {remaining[item_id]} left to ship",
                order=label,
                order_item_id=item_id,
                sku=sku,
                requested=qty,
                remaining=remaining[item_id],
            )
    return requested


def insert_shipment(
    tx: Connection,
    change: Change,
    state: OrderState,
    units: Mapping[int, int],
    *,
    carrier: str | None,
    tracking_number: str | None,
    carriers: Mapping[str, CarrierDef],
    status: str = SHIPPED,
) -> ShipmentState:
    """Write a shipment (shipped, or straight to delivered) and add it to ``state``."""
    now = change.now
    new_uuid = str(uuid_lib.uuid4())
    delivered_at = now if status == DELIVERED else None
    # Only the generated ids come back: every other value is ours.
    shipment_id, item_ids = insert_shipment_with_items(
        tx,
        {
            "uuid": new_uuid,
            "order_id": change.order_id,
            "carrier": carrier,
            "tracking_number": tracking_number,
            "status": status,
            "shipped_at": now,
            "delivered_at": delivered_at,
            "created_at": now,
            "updated_at": now,
        },
        units,
    )
    added = ShipmentState(
        shipment_id=shipment_id,
        uuid=new_uuid,
        order_id=change.order_id,
        status=status,
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_at=now,
        delivered_at=delivered_at,
        canceled_at=None,
        created_at=now,
        items={i: (item_ids[i], units[i]) for i in sorted(units, key=item_ids.__getitem__)},
    )
    state.shipments[added.shipment_id] = added
    change.add_activity(ORDER_SHIPPED + describe_shipment(carrier, tracking_number))
    if status == DELIVERED:
        change.add_activity(ORDER_DELIVERED + describe_shipment(carrier, tracking_number))
    change.add_event(events.SHIPMENT_CREATED, **shipment_data(carriers, added))
    if status == DELIVERED:
        change.add_event(events.SHIPMENT_DELIVERED, **shipment_data(carriers, added))
    return added


def _check_not_canceled(locked: Any, doing: str) -> None:
    if locked.status == CANCELED:
        label = order_label(locked)
        raise ShipmentTransitionError(
            f"Cannot {doing} for order {label}: the order is canceled", order=label
        )


def create_shipment(
    ctx: Context,
    order_ref: OrderRef,
    carrier: str | None = None,
    tracking_number: str | None = None,
    *,
    items: Sequence[Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
    conn: Connection | None = None,
) -> Shipment:
    """Ship ``items`` (default: every remaining unit of the lines that require shipping)."""
    carrier = shipment_text(carrier, "carrier")
    tracking_number = shipment_text(tracking_number, "tracking_number")
    requested = None if items is None else _requested_items(items)
    with ctx.transaction(conn) as tx:
        locked = lock_order_by_ref(tx, order_ref, expected_version=expected_version)
        _check_not_canceled(locked, "create a shipment")
        state = load_state(tx, locked.order_id)
        units = _units_to_ship(order_label(locked), state, requested)
        change = Change(locked, reason="shipment created")
        new = {"carrier": carrier, "tracking_number": tracking_number, "items": units}
        watch(ctx, tx, change, "create_shipment", result=lambda: added.record(), **new)
        change.set_shipment_status(state.rollup_with(units, SHIPPED))
        change.decide(ctx.config)
        added = insert_shipment(
            tx,
            change,
            state,
            units,
            carrier=carrier,
            tracking_number=tracking_number,
            carriers=ctx.config.carriers,
        )
        write_order_change(tx, change)
    return added.record()


def update_shipment(
    ctx: Context,
    uuid: str,
    *,
    carrier: str | Unset | None = UNSET,
    tracking_number: str | Unset | None = UNSET,
    expected_version: int | None = None,
    conn: Connection | None = None,
) -> Shipment:
    """Correct a shipment's carrier and/or tracking number (None clears one).
    ``expected_version``: the version of the shipment's order (``StaleOrder``)."""
    uuid = shipment_uuid(uuid)
    values: dict[str, str | None] = {}
    if not isinstance(carrier, Unset):
        values["carrier"] = shipment_text(carrier, "carrier")
    if not isinstance(tracking_number, Unset):
        values["tracking_number"] = shipment_text(tracking_number, "tracking_number")
    if not values:
        raise InvalidInput(
            "Nothing to update: pass carrier and/or tracking_number", field="carrier"
        )
    with ctx.transaction(conn) as tx:
        locked = lock_order_of_shipment(tx, uuid, expected_version=expected_version)
        found = load_state(tx, locked.order_id).shipment_by_uuid(uuid)
        if found.status == CANCELED:
            raise ShipmentTransitionError(
                f"Cannot update shipment {uuid}: it is canceled", shipment=uuid
            )
        if all(getattr(found, name) == value for name, value in values.items()):
            return found.record()
        change = Change(locked, reason="shipment updated")
        was = Deferred(found.record)
        watch(
            ctx,
            tx,
            change,
            "update_shipment",
            lambda: updated,
            shipment=was,
            changes=values,
        )
        change.decide(ctx.config)
        updated = update_shipment_row(tx, found, values, change)
        change.add_activity(
            SHIPMENT_UPDATED + describe_shipment(updated.carrier, updated.tracking_number)
        )
        change.add_event(
            events.SHIPMENT_UPDATED, **shipment_data(ctx.config.carriers, found, updated)
        )
        write_order_change(tx, change)
    return updated


def get_shipment(ctx: Context, uuid: str, *, conn: Connection | None = None) -> Shipment:
    """One shipment with its items; ``ShipmentNotFound`` if there is none."""
    uuid = shipment_uuid(uuid)
    with ctx.reading(conn) as c:
        found = load_shipment(c, uuid)
    if found is None:
        raise ShipmentNotFound(f"Shipment not found: {uuid}", shipment=uuid)
    return found


def list_shipments(
    ctx: Context, order_ref: OrderRef, *, conn: Connection | None = None
) -> list[Shipment]:
    """The order's shipments with their items, oldest first; ``OrderNotFound`` if no order."""
    with ctx.reading(conn) as c:
        loaded = load_order(c, order_ref, ["shipments"])
    return list(loaded.shipments or ())

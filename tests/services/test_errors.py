"""Every refusal of the services: the right error, a message naming the value, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import ordermill
from ordermill.domain import errors
from tests.services.shop import LINES, item_ids, place

NO_SUCH_UUID = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class World:
    oms: ordermill.Oms
    order: ordermill.Order
    items: dict[str, int]
    other_items: dict[str, int]


Setup = Callable[[World], Any]
Call = Callable[[World, Any], object]


@dataclass(frozen=True)
class Case:
    id: str
    call: Call
    error: type[errors.OmsError]
    fragments: tuple[str, ...]
    setup: Setup = lambda w: None


def _paid(w: World) -> None:
    w.oms.update_payment_status(w.order.order_id, "paid")


def _shipped(w: World) -> ordermill.Shipment:
    return w.oms.create_shipment(w.order.uuid, "UPS", "1Z")


def _paid_and_shipped(w: World) -> ordermill.Shipment:
    _paid(w)
    return _shipped(w)


def _delivered(w: World) -> ordermill.Shipment:
    return w.oms.mark_delivered(_shipped(w).uuid)


def _canceled_shipment(w: World) -> ordermill.Shipment:
    return w.oms.cancel_shipment(_shipped(w).uuid)


def _canceled(w: World) -> None:
    w.oms.cancel_order(w.order.uuid)


CASES = [
    # update_payment_status
    Case(
        "payment-unknown-order",
        lambda w, _: w.oms.update_payment_status(999_999, "paid"),
        errors.OrderNotFound,
        ("999999",),
    ),
    Case(
        "payment-unknown-uuid",
        lambda w, _: w.oms.update_payment_status(NO_SUCH_UUID, "paid"),
        errors.OrderNotFound,
        (NO_SUCH_UUID,),
    ),
    Case(
        "payment-invalid-status",
        lambda w, _: w.oms.update_payment_status(w.order.order_id, "payed"),
        errors.InvalidStatus,
        ("'payed'", "paid"),
    ),
    Case(
        "payment-reverts-order-status",
        lambda w, _: w.oms.update_payment_status(w.order.order_id, "pending"),
        errors.StatusTransitionError,
        ("processing", "pending"),
        _paid,
    ),
    Case(
        "payment-cancels-a-paid-order",
        lambda w, _: w.oms.update_payment_status(w.order.order_id, "canceled"),
        errors.OrderNotCancelable,
        ("not cancelable", "'paid'"),
        _paid,
    ),
    # update_shipment_status
    Case(
        "shipment-status-unknown-order",
        lambda w, _: w.oms.update_shipment_status(999_999, "shipped"),
        errors.OrderNotFound,
        ("999999",),
    ),
    Case(
        "shipment-status-invalid",
        lambda w, _: w.oms.update_shipment_status(w.order.order_id, "lost"),
        errors.InvalidStatus,
        ("'lost'", "delivered"),
    ),
    Case(
        "shipment-status-rollup-word-is-not-settable",
        lambda w, _: w.oms.update_shipment_status(w.order.order_id, "partially_shipped"),
        errors.InvalidStatus,
        ("'partially_shipped'",),
    ),
    Case(
        "shipment-status-processing-after-shipping",
        lambda w, _: w.oms.update_shipment_status(w.order.order_id, "processing"),
        errors.ShipmentTransitionError,
        ("processing", "has shipments"),
        _shipped,
    ),
    Case(
        "shipment-status-canceled-without-shipment",
        lambda w, _: w.oms.update_shipment_status(w.order.order_id, "canceled"),
        errors.ShipmentTransitionError,
        ("no open shipment to cancel", "cancel_order"),
    ),
    Case(
        "shipment-status-canceled-when-all-delivered",
        lambda w, _: w.oms.update_shipment_status(w.order.order_id, "canceled"),
        errors.ShipmentTransitionError,
        ("no open shipment",),
        _delivered,
    ),
    Case(
        "shipment-status-shipped-when-all-delivered",
        lambda w, _: w.oms.update_shipment_status(w.order.order_id, "shipped"),
        errors.ShipmentTransitionError,
        ("delivered",),
        _delivered,
    ),
    Case(
        "shipment-status-on-a-canceled-order",
        lambda w, _: w.oms.update_shipment_status(w.order.order_id, "shipped"),
        errors.ShipmentTransitionError,
        ("canceled",),
        _canceled,
    ),
    Case(
        "shipment-status-canceled-reverts-order-status",
        lambda w, _: w.oms.update_shipment_status(w.order.order_id, "canceled"),
        errors.StatusTransitionError,
        ("shipped", "processing"),
        _paid_and_shipped,
    ),
    # cancel_order
    Case(
        "cancel-unknown-order",
        lambda w, _: w.oms.cancel_order(NO_SUCH_UUID),
        errors.OrderNotFound,
        (NO_SUCH_UUID,),
    ),
    Case(
        "cancel-malformed-uuid",
        lambda w, _: w.oms.cancel_order("not-a-uuid; DROP TABLE order"),
        errors.OrderNotFound,
        ("not-a-uuid",),
    ),
    Case(
        "cancel-a-paid-order",
        lambda w, _: w.oms.cancel_order(w.order.uuid, "Out of stock"),
        errors.OrderNotCancelable,
        ("not cancelable", "'paid'", "'pending'"),
        _paid,
    ),
    Case(
        "cancel-a-shipped-order",
        lambda w, _: w.oms.cancel_order(w.order.uuid),
        errors.OrderNotCancelable,
        ("not cancelable", "'pending'", "'shipped'"),
        _shipped,
    ),
    Case(
        "cancel-twice",
        lambda w, _: w.oms.cancel_order(w.order.uuid),
        errors.OrderNotCancelable,
        ("not cancelable", "already canceled"),
        _canceled,
    ),
    Case(
        "cancel-reason-too-long",
        lambda w, _: w.oms.cancel_order(w.order.uuid, "x" * 2001),
        errors.InvalidInput,
        ("2000",),
    ),
    # create_shipment
    Case(
        "ship-unknown-order",
        lambda w, _: w.oms.create_shipment(NO_SUCH_UUID, "UPS", "1Z"),
        errors.OrderNotFound,
        (NO_SUCH_UUID,),
    ),
    Case(
        "ship-a-canceled-order",
        lambda w, _: w.oms.create_shipment(w.order.uuid, "UPS", "1Z"),
        errors.ShipmentTransitionError,
        ("canceled",),
        _canceled,
    ),
    Case(
        "ship-more-than-ordered",
        lambda w, _: w.oms.create_shipment(
            w.order.uuid, "UPS", None, items=[{"order_item_id": w.items["MUG"], "qty": 3}]
        ),
        errors.InvalidShipmentItems,
        ("MUG", "only 2 left"),
    ),
    Case(
        "ship-more-than-left",
        lambda w, _: w.oms.create_shipment(
            w.order.uuid, "UPS", None, items=[{"order_item_id": w.items["MUG"], "qty": 2}]
        ),
        errors.InvalidShipmentItems,
        ("MUG", "only 1 left"),
        lambda w: w.oms.create_shipment(
            w.order.uuid, None, None, items=[{"order_item_id": w.items["MUG"], "qty": 1}]
        ),
    ),
    Case(
        "ship-unknown-item",
        lambda w, _: w.oms.create_shipment(
            w.order.uuid, None, None, items=[{"order_item_id": 987_654, "qty": 1}]
        ),
        errors.InvalidShipmentItems,
        ("987654",),
    ),
    Case(
        "ship-another-orders-item",
        lambda w, _: w.oms.create_shipment(
            w.order.uuid, None, None, items=[{"order_item_id": w.other_items["MUG"], "qty": 1}]
        ),
        errors.InvalidShipmentItems,
        ("not an item of order",),
    ),
    Case(
        "ship-duplicate-item",
        lambda w, _: w.oms.create_shipment(
            w.order.uuid,
            None,
            None,
            items=[
                {"order_item_id": w.items["MUG"], "qty": 1},
                {"order_item_id": w.items["MUG"], "qty": 1},
            ],
        ),
        errors.InvalidShipmentItems,
        ("listed twice",),
    ),
    Case(
        "ship-zero-units",
        lambda w, _: w.oms.create_shipment(
            w.order.uuid, None, None, items=[{"order_item_id": w.items["MUG"], "qty": 0}]
        ),
        errors.InvalidShipmentItems,
        ("qty", "0"),
    ),
    Case(
        "ship-negative-units",
        lambda w, _: w.oms.create_shipment(
            w.order.uuid, None, None, items=[{"order_item_id": w.items["TEA"], "qty": -1}]
        ),
        errors.InvalidShipmentItems,
        ("-1",),
    ),
    Case(
        "ship-no-items",
        lambda w, _: w.oms.create_shipment(w.order.uuid, None, None, items=[]),
        errors.InvalidShipmentItems,
        ("at least one",),
    ),
    Case(
        "ship-a-digital-item",
        lambda w, _: w.oms.create_shipment(
            w.order.uuid, None, None, items=[{"order_item_id": w.items["EBOOK"], "qty": 1}]
        ),
        errors.InvalidShipmentItems,
        ("EBOOK", "does not require shipping"),
    ),
    Case(
        "ship-when-everything-is-shipped",
        lambda w, _: w.oms.create_shipment(w.order.uuid, "UPS", "1Z"),
        errors.ShipmentAlreadyExists,
        ("Shipment already exists: every item of order", "is shipped"),
        _shipped,
    ),
    Case(
        "ship-an-item-when-everything-is-shipped",
        lambda w, _: w.oms.create_shipment(
            w.order.uuid, None, None, items=[{"order_item_id": w.items["MUG"], "qty": 1}]
        ),
        errors.ShipmentAlreadyExists,
        ("every item of order",),
        _shipped,
    ),
    Case(
        "ship-carrier-too-long",
        lambda w, _: w.oms.create_shipment(w.order.uuid, "U" * 65, None),
        errors.InvalidInput,
        ("carrier", "64"),
    ),
    # per-shipment transitions
    Case(
        "deliver-unknown-shipment",
        lambda w, _: w.oms.mark_delivered(NO_SUCH_UUID),
        errors.ShipmentNotFound,
        (NO_SUCH_UUID,),
    ),
    Case(
        "deliver-malformed-shipment-uuid",
        lambda w, _: w.oms.mark_delivered("1 OR 1=1"),
        errors.ShipmentNotFound,
        ("1 OR 1=1",),
    ),
    Case(
        "deliver-a-canceled-shipment",
        lambda w, s: w.oms.mark_delivered(s.uuid),
        errors.ShipmentTransitionError,
        ("delivered", "it is canceled"),
        _canceled_shipment,
    ),
    Case(
        "cancel-a-delivered-shipment",
        lambda w, s: w.oms.cancel_shipment(s.uuid),
        errors.ShipmentTransitionError,
        ("cancel shipment", "it is delivered"),
        _delivered,
    ),
    Case(
        "cancel-the-only-shipment-of-a-shipped-paid-order",
        lambda w, s: w.oms.cancel_shipment(s.uuid),
        errors.StatusTransitionError,
        ("cancel shipment", "shipped", "processing"),
        _paid_and_shipped,
    ),
    Case(
        "update-a-canceled-shipment",
        lambda w, s: w.oms.update_shipment(s.uuid, tracking_number="1Z2"),
        errors.ShipmentTransitionError,
        ("canceled",),
        _canceled_shipment,
    ),
    Case(
        "update-a-shipment-with-nothing",
        lambda w, s: w.oms.update_shipment(s.uuid),
        errors.InvalidInput,
        ("Nothing to update",),
        _shipped,
    ),
    Case(
        "update-unknown-shipment",
        lambda w, _: w.oms.update_shipment(NO_SUCH_UUID, carrier="DHL"),
        errors.ShipmentNotFound,
        (NO_SUCH_UUID,),
    ),
    Case(
        "get-unknown-shipment",
        lambda w, _: w.oms.get_shipment(NO_SUCH_UUID),
        errors.ShipmentNotFound,
        (NO_SUCH_UUID,),
    ),
    Case(
        "list-shipments-of-unknown-order",
        lambda w, _: w.oms.list_shipments(999_999),
        errors.OrderNotFound,
        ("999999",),
    ),
    # add_order_activity_log
    Case(
        "activity-unknown-order",
        lambda w, _: w.oms.add_order_activity_log(999_999, "Hello"),
        errors.OrderNotFound,
        ("999999",),
    ),
    Case(
        "activity-blank-message",
        lambda w, _: w.oms.add_order_activity_log(w.order.order_id, "  \n "),
        errors.InvalidInput,
        ("blank",),
    ),
    Case(
        "activity-message-too-long",
        lambda w, _: w.oms.add_order_activity_log(w.order.order_id, "x" * 2001),
        errors.InvalidInput,
        ("2000",),
    ),
    Case(
        "activity-message-not-a-string",
        lambda w, _: w.oms.add_order_activity_log(w.order.order_id, None),  # type: ignore[arg-type]
        errors.InvalidInput,
        ("None",),
    ),
    # What a command line argument that is not UTF-8 becomes in Python: no driver error.
    Case(
        "activity-message-unpaired-surrogate",
        lambda w, _: w.oms.add_order_activity_log(w.order.order_id, "caf\udce9"),
        errors.InvalidInput,
        ("message", "unpaired surrogate", "not valid Unicode"),
    ),
    Case(
        "cancel-reason-unpaired-surrogate",
        lambda w, _: w.oms.cancel_order(w.order.uuid, "caf\udce9"),
        errors.InvalidInput,
        ("reason", "unpaired surrogate"),
    ),
    Case(
        "carrier-unpaired-surrogate",
        lambda w, _: w.oms.create_shipment(w.order.uuid, "UP\udcc5", "1Z"),
        errors.InvalidInput,
        ("carrier", "unpaired surrogate"),
    ),
    Case(
        "activity-message-nul",
        lambda w, _: w.oms.add_order_activity_log(w.order.order_id, "a\x00b"),
        errors.InvalidInput,
        ("message", "NUL"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_refusals_name_the_reason_and_write_nothing(
    oms: ordermill.Oms, db_snapshot: Any, case: Case
) -> None:
    order = place(oms)
    other = place(oms, LINES[:1])
    world = World(oms, order, item_ids(oms, order), item_ids(oms, other))
    prepared = case.setup(world)
    before = db_snapshot(oms.engine)
    with pytest.raises(case.error) as raised:
        case.call(world, prepared)
    for fragment in case.fragments:
        assert fragment in str(raised.value)
    assert raised.value.code == case.error.code
    assert db_snapshot(oms.engine) == before


def test_the_not_cancelable_message_is_what_the_reference_example_checks(
    oms: ordermill.Oms,
) -> None:
    order = place(oms)
    oms.update_payment_status(order.order_id, "paid")
    with pytest.raises(ordermill.OrderNotCancelable) as raised:
        oms.cancel_order(order.uuid, "Out of stock")
    assert "not cancelable" in raised.value.message
    assert raised.value.details["payment_status"] == "paid"
    assert raised.value.details["shipment_status"] == "pending"


UNSTORABLE_KEYS = ["\x00", "10001\x00", "\udc80", 2**63, -(2**63) - 1]


@pytest.mark.parametrize("key", UNSTORABLE_KEYS, ids=repr)
def test_an_order_key_no_column_can_hold_names_no_order(
    oms: ordermill.Oms, db_snapshot: Any, key: int | str
) -> None:
    """The database would refuse the value itself (NUL in text, an id outside BIGINT)
    with a DataError; every use case that takes an order key answers OrderNotFound."""
    place(oms)
    before = db_snapshot(oms.engine)
    calls: list[Callable[[], object]] = [
        lambda: oms.get_order(key),
        lambda: oms.cancel_order(key),
        lambda: oms.update_payment_status(key, "paid"),
        lambda: oms.add_order_activity_log(key, "note"),
        lambda: oms.create_shipment(key, "UPS", "1Z"),
    ]
    for call in calls:
        with pytest.raises(ordermill.OrderNotFound):
            call()
    for shipment_call in (oms.mark_delivered, oms.cancel_shipment):
        with pytest.raises(ordermill.ShipmentNotFound):
            shipment_call(str(key))
    assert db_snapshot(oms.engine) == before

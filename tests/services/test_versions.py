"""Order versions: 1 when placed, one more with every change; ``expected_version=`` refuses
a change to an order that changed since, under its lock, writing nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import ordermill
from ordermill.domain.errors import InvalidInput, StaleOrder
from tests.services.shop import activities, events, place


def _version(oms: ordermill.Oms, order_id: int) -> int:
    return oms.get_order(order_id).version


def test_every_change_raises_the_version_by_one(oms: ordermill.Oms) -> None:
    order = place(oms)
    assert order.version == 1
    assert _version(oms, order.order_id) == 1
    changes: list[tuple[str, Callable[[], object]]] = [
        ("payment status", lambda: oms.update_payment_status(order.order_id, "paid")),
        ("note", lambda: oms.add_order_activity_log(order.order_id, "Called the customer")),
        ("ledger", lambda: oms.record_payment(order.order_id, "sale", "1.00")),
        ("shipment status", lambda: oms.update_shipment_status(order.order_id, "processing")),
    ]
    for expected, (what, change) in enumerate(changes, start=2):
        change()
        assert _version(oms, order.order_id) == expected, what
    shipment = oms.create_shipment(order.uuid, "UPS", None)
    assert _version(oms, order.order_id) == 6
    oms.update_shipment(shipment.uuid, tracking_number="1Z")
    assert _version(oms, order.order_id) == 7
    oms.mark_delivered(shipment.uuid)
    assert _version(oms, order.order_id) == 8
    other = place(oms)
    second = oms.create_shipment(other.uuid, "UPS", None)
    oms.cancel_shipment(second.uuid)
    assert _version(oms, other.order_id) == 3
    canceled = oms.cancel_order(other.uuid, "changed mind")
    assert canceled.version == 4 == _version(oms, other.order_id)


def test_a_change_that_changes_nothing_keeps_the_version(oms: ordermill.Oms) -> None:
    order = place(oms)
    paid = oms.update_payment_status(order.order_id, "paid")
    assert paid.version == 2
    again = oms.update_payment_status(order.order_id, "paid", expected_version=2)
    assert again.version == 2 == _version(oms, order.order_id)


def test_the_returned_order_carries_its_new_version(oms: ordermill.Oms) -> None:
    order = place(oms)
    changed = oms.update_payment_status(order.uuid, "paid", expected_version=1)
    assert changed.version == 2
    shipped = oms.update_shipment_status(order.uuid, "shipped", expected_version=2)
    assert shipped.version == 3


MUTATIONS: dict[str, Callable[[ordermill.Oms, str, int], object]] = {
    "update_payment_status": lambda oms, o, v: oms.update_payment_status(
        o, "paid", expected_version=v
    ),
    "update_shipment_status": lambda oms, o, v: oms.update_shipment_status(
        o, "processing", expected_version=v
    ),
    "cancel_order": lambda oms, o, v: oms.cancel_order(o, "late", expected_version=v),
    "add_order_activity_log": lambda oms, o, v: oms.add_order_activity_log(
        o, "A note", expected_version=v
    ),
    "create_shipment": lambda oms, o, v: oms.create_shipment(o, "UPS", None, expected_version=v),
    "record_payment": lambda oms, o, v: oms.record_payment(o, "sale", "1.00", expected_version=v),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_stale_version_is_refused_and_nothing_is_written(
    oms: ordermill.Oms, mutation: str
) -> None:
    order = place(oms)
    oms.add_order_activity_log(order.uuid, "Someone else was here")  # now at version 2
    before = (oms.get_order(order.uuid), activities(oms, order.order_id))
    seen = events(oms, order.order_id)
    with pytest.raises(StaleOrder) as refused:
        MUTATIONS[mutation](oms, order.uuid, 1)
    error = refused.value
    assert error.code == "stale_order"
    assert error.details == {
        "order": order.order_number,
        "expected_version": 1,
        "current_version": 2,
    }
    assert "version 1" in str(error) and "version 2" in str(error)
    assert (oms.get_order(order.uuid), activities(oms, order.order_id)) == before
    assert events(oms, order.order_id) == seen
    # With the current version it goes through.
    MUTATIONS[mutation](oms, order.uuid, 2)
    assert _version(oms, order.order_id) == 3


@pytest.mark.parametrize("bad", [0.5, "2", True])
def test_a_version_that_is_not_an_integer_is_invalid_input(oms: ordermill.Oms, bad: object) -> None:
    order = place(oms)
    with pytest.raises(InvalidInput):
        oms.update_payment_status(order.uuid, "paid", expected_version=bad)  # type: ignore[arg-type]
    assert _version(oms, order.order_id) == 1


def test_stale_order_is_a_conflict() -> None:
    assert issubclass(StaleOrder, ordermill.Conflict)

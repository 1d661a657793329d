"""Returns (RMA): the whole path, returned <= delivered across returns, exact restock,
forward-only statuses, and every refusal leaving the data exactly as it was."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.return_tables import order_return, return_line, return_status_history
from ordermill.db.tables import activity, event, inventory, payment
from ordermill.domain import events as names
from ordermill.errors import (
    InvalidReturn,
    OrderNotFound,
    ReturnExceedsDelivered,
    ReturnNotFound,
    ReturnReceiptExceeded,
    ReturnTransitionError,
)
from tests.services.shop import activities, event_payloads, events, item_ids, place, stock


def delivered(oms: ordermill.Oms, *, paid: bool = True) -> ordermill.Order:
    """The standard order (MUG x2, TEA, CARD unmanaged, EBOOK digital), paid, every
    shippable unit delivered."""
    order = place(oms)
    if paid:
        oms.record_payment(order.uuid, "sale", str(order.grand_total))
    oms.update_shipment_status(order.uuid, "delivered")
    return order


def ask(oms: ordermill.Oms, order: ordermill.Order, *pairs: tuple[str, int]) -> list[Any]:
    ids = item_ids(oms, order)
    return [{"order_item_id": ids[sku], "qty": qty} for sku, qty in pairs]


def got(
    oms: ordermill.Oms, order: ordermill.Order, sku: str, qty: int, condition: str, restock: bool
) -> dict[str, Any]:
    ids = item_ids(oms, order)
    return {"order_item_id": ids[sku], "qty": qty, "condition": condition, "restock": restock}


def snapshot(oms: ordermill.Oms) -> dict[str, Any]:
    """Everything a return could write."""
    with oms.engine.connect() as c:
        tables = (order_return, return_line, return_status_history, event, activity, payment)
        found: dict[str, Any] = {
            t.name: [tuple(r) for r in c.execute(sa.select(t).order_by(*t.primary_key))]
            for t in tables
        }
        found["inventory"] = sorted(
            (r.sku, r.qty) for r in c.execute(sa.select(inventory.c.sku, inventory.c.qty))
        )
    return found


def returned(oms: ordermill.Oms, order: ordermill.Order) -> dict[str, int | None]:
    return {i.sku: i.qty_returned for i in oms.get_order(order.uuid).items or ()}


def test_request_approve_receive_refund(oms: ordermill.Oms) -> None:
    order = delivered(oms)
    before = stock(oms)
    asked = oms.request_return(
        order.uuid,
        [{**ask(oms, order, ("MUG", 2))[0], "reason": "chipped"}, *ask(oms, order, ("TEA", 1))],
        reason="damaged",
        note="photos attached",
    )
    assert (asked.status, asked.requested_by, asked.reason, asked.note) == (
        "requested", "staff", "damaged", "photos attached",
    )  # fmt: skip
    assert [(ln.qty_requested, ln.qty_received, ln.reason) for ln in asked.lines] == [
        (2, 0, "chipped"), (1, 0, None),
    ]  # fmt: skip
    assert asked.order_uuid == order.uuid and asked.order_number == order.order_number
    assert returned(oms, order) == {"MUG": 2, "TEA": 1, "CARD": 0, "EBOOK": 0}

    approved = oms.approve_return(asked.uuid)
    assert approved.status == "approved" and approved.approved_at is not None
    # Two receipts: one mug opened back to stock, one mug damaged not; tea in the second.
    first = oms.receive_return(asked.uuid, [got(oms, order, "MUG", 1, "opened", True)])
    assert first.status == "received"
    second = oms.receive_return(
        asked.uuid,
        [got(oms, order, "MUG", 1, "damaged", False), got(oms, order, "TEA", 1, "unopened", True)],
    )
    progress = [
        (ln.qty_received, ln.qty_restocked, ln.condition, ln.restock) for ln in second.lines
    ]
    assert progress == [(2, 1, "damaged", False), (1, 1, "unopened", True)]
    assert second.received_at == first.received_at
    assert stock(oms) == {**before, "MUG": before["MUG"] + 1, "TEA": before["TEA"] + 1}

    refunded = oms.refund_return(asked.uuid)
    assert refunded.status == "refunded" and refunded.refund_id is not None
    [refund] = oms.list_refunds(order.uuid)
    assert refund.refund_id == refunded.refund_id
    assert [(x.qty, x.qty_restocked) for x in refund.lines] == [(2, 0), (1, 0)]
    assert refund.amount == Decimal("24.30")  # 2 x 9.90 + 4.50, no shipping fee
    assert stock(oms) == {**before, "MUG": before["MUG"] + 1, "TEA": before["TEA"] + 1}
    # Refunding again changes nothing: no second refund.
    assert oms.refund_return(asked.uuid) == refunded
    assert len(oms.list_refunds(order.uuid)) == 1

    assert [(h.from_status, h.to_status) for h in refunded.history] == [
        (None, "requested"), ("requested", "approved"), ("approved", "received"),
        ("received", "refunded"),
    ]  # fmt: skip
    assert [e for e in events(oms, order.order_id) if e.startswith("ordermill.return.")] == [
        names.RETURN_REQUESTED, names.RETURN_APPROVED, names.RETURN_RECEIVED,
        names.RETURN_RECEIVED, names.RETURN_REFUNDED,
    ]  # fmt: skip
    [received_one, received_two] = event_payloads(oms, order.order_id, names.RETURN_RECEIVED)
    assert received_one["restocked"] == [{"sku": "MUG", "qty": 1}]
    assert received_two["restocked"] == [{"sku": "TEA", "qty": 1}]
    said = [m for m, _ in activities(oms, order.order_id) if m.startswith("Return")]
    assert said[0] == "Return requested: 2 x MUG, 1 x TEA (damaged)"
    assert said[-1] == f"Return {asked.uuid} refunded: 24.30 USD"
    assert oms.get_return(asked.uuid) == refunded
    assert oms.list_returns(order.order_number) == [refunded]


def test_returned_never_exceeds_delivered_across_returns(oms: ordermill.Oms) -> None:
    order = delivered(oms)
    one = oms.request_return(order.uuid, ask(oms, order, ("MUG", 1)))
    two = oms.request_return(order.uuid, ask(oms, order, ("MUG", 1)))
    oms.approve_return(two.uuid)
    before = snapshot(oms)
    with pytest.raises(ReturnExceedsDelivered) as refused:
        oms.request_return(order.uuid, ask(oms, order, ("MUG", 1)))
    assert refused.value.details | {"order_item_id": 0} == {
        "order": order.order_number, "order_item_id": 0, "sku": "MUG", "requested": 1,
        "delivered": 2, "returned": 2, "returnable": 0,
    }  # fmt: skip
    assert "2 delivered, 2 already returned, 0 left" in str(refused.value)
    assert snapshot(oms) == before
    # Declined and canceled returns count no more.
    oms.decline_return(one.uuid, "outside the return window")
    three = oms.request_return(order.uuid, ask(oms, order, ("MUG", 1)))
    oms.cancel_return(two.uuid)
    four = oms.request_return(order.uuid, ask(oms, order, ("MUG", 1)))
    with pytest.raises(ReturnExceedsDelivered):
        oms.request_return(order.uuid, ask(oms, order, ("MUG", 1)))
    assert returned(oms, order)["MUG"] == 2
    # A refunded return counts the units it received, not those it asked for.
    oms.cancel_return(four.uuid)
    big = oms.request_return(order.uuid, ask(oms, order, ("TEA", 1)))
    oms.approve_return(three.uuid)
    oms.receive_return(three.uuid, [got(oms, order, "MUG", 1, "opened", False)])
    oms.refund_return(three.uuid)
    assert returned(oms, order) == {"MUG": 1, "TEA": 1, "CARD": 0, "EBOOK": 0}
    oms.request_return(order.uuid, ask(oms, order, ("MUG", 1)))
    assert big.status == "requested"


def test_only_delivered_units_may_be_returned(oms: ordermill.Oms) -> None:
    order = place(oms)
    ids = item_ids(oms, order)
    shipment = oms.create_shipment(
        order.uuid,
        items=[{"order_item_id": ids["MUG"], "qty": 2}, {"order_item_id": ids["TEA"], "qty": 1}],
    )
    before = snapshot(oms)
    with pytest.raises(ReturnExceedsDelivered, match="0 delivered"):  # shipped, not delivered
        oms.request_return(order.uuid, ask(oms, order, ("MUG", 1)))
    oms.mark_delivered(shipment.uuid)
    before = snapshot(oms)
    for sku in ("CARD", "EBOOK"):  # never shipped; digital
        with pytest.raises(ReturnExceedsDelivered):
            oms.request_return(order.uuid, ask(oms, order, (sku, 1)))
    with pytest.raises(ReturnExceedsDelivered):
        oms.request_return(order.uuid, ask(oms, order, ("MUG", 3)))
    assert snapshot(oms) == before
    assert oms.request_return(order.uuid, ask(oms, order, ("MUG", 2))).status == "requested"


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ("MUG", "lines"),
        ([], "lines"),
        ([7], "lines[0]"),
        ([{"order_item_id": "x", "qty": 1}], "lines[0].order_item_id"),
        ([{"order_item_id": True, "qty": 1}], "lines[0].order_item_id"),
        ([{"order_item_id": 1, "qty": 0}], "lines[0].qty"),
        ([{"order_item_id": 1, "qty": 1.5}], "lines[0].qty"),
        ([{"order_item_id": 1, "qty": 1, "colour": "red"}], "lines[0]"),
        ([{"order_item_id": 1, "qty": 1}, {"order_item_id": 1, "qty": 1}], "lines[1]"),
        ([{"order_item_id": 1, "qty": 1, "reason": "x" * 256}], "lines[0].reason"),
        ([{"order_item_id": 1, "qty": 1, "reason": "a\x00b"}], "lines[0].reason"),
    ],
)
def test_malformed_requests_are_refused(oms: ordermill.Oms, lines: Any, field: str) -> None:
    order = delivered(oms, paid=False)
    before = snapshot(oms)
    with pytest.raises(InvalidReturn) as refused:
        oms.request_return(order.uuid, lines)
    assert refused.value.details["field"] == field
    assert snapshot(oms) == before


def test_lines_of_another_order_and_missing_orders_are_refused(oms: ordermill.Oms) -> None:
    order = delivered(oms, paid=False)
    other = delivered(oms, paid=False)
    before = snapshot(oms)
    with pytest.raises(InvalidReturn, match="is not an item of order"):
        oms.request_return(order.uuid, ask(oms, other, ("MUG", 1)))
    with pytest.raises(OrderNotFound):
        oms.request_return(str(uuid.uuid4()), ask(oms, order, ("MUG", 1)))
    with pytest.raises(InvalidReturn, match="requested_by"):
        oms.request_return(order.uuid, ask(oms, order, ("MUG", 1)), requested_by="robot")
    with pytest.raises(InvalidReturn, match="note is longer"):
        oms.request_return(order.uuid, ask(oms, order, ("MUG", 1)), note="n" * 2001)
    assert snapshot(oms) == before


def test_statuses_move_forward_only(oms: ordermill.Oms) -> None:
    order = delivered(oms)
    asked = oms.request_return(order.uuid, ask(oms, order, ("MUG", 2)))
    refusals: list[tuple[Any, str]] = [
        (lambda: oms.receive_return(asked.uuid, [got(oms, order, "MUG", 1, "opened", True)]),
         "received"),
        (lambda: oms.refund_return(asked.uuid), "refunded"),
    ]  # fmt: skip
    for call, to_status in refusals:
        before = snapshot(oms)
        with pytest.raises(ReturnTransitionError) as refused:
            call()
        assert refused.value.details == {
            "return": asked.uuid, "from_status": "requested", "to_status": to_status,
        }  # fmt: skip
        assert snapshot(oms) == before
    oms.approve_return(asked.uuid)
    before = snapshot(oms)
    assert oms.approve_return(asked.uuid).status == "approved"  # again: nothing written
    assert snapshot(oms) == before
    with pytest.raises(ReturnTransitionError, match="it is approved"):
        oms.decline_return(asked.uuid, "no")
    oms.receive_return(asked.uuid, [got(oms, order, "MUG", 1, "opened", True)])
    before = snapshot(oms)
    for call in (
        lambda: oms.cancel_return(asked.uuid),
        lambda: oms.approve_return(asked.uuid),
        lambda: oms.decline_return(asked.uuid, "late"),
    ):
        with pytest.raises(ReturnTransitionError, match="it is received"):
            call()
    assert snapshot(oms) == before
    declined = oms.request_return(order.uuid, ask(oms, order, ("TEA", 1)))
    oms.decline_return(declined.uuid, "used")
    assert oms.get_return(declined.uuid).decline_reason == "used"
    before = snapshot(oms)
    for call in (
        lambda: oms.approve_return(declined.uuid),
        lambda: oms.cancel_return(declined.uuid),
        lambda: oms.receive_return(declined.uuid, [got(oms, order, "TEA", 1, "opened", True)]),
    ):
        with pytest.raises(ReturnTransitionError, match="none: it is final"):
            call()
    assert snapshot(oms) == before


def test_receipts_are_bounded_and_restock_only_managed_chosen_units(oms: ordermill.Oms) -> None:
    order = delivered(oms)
    asked = oms.request_return(order.uuid, ask(oms, order, ("MUG", 2), ("CARD", 1)))
    oms.approve_return(asked.uuid)
    before = snapshot(oms)
    with pytest.raises(ReturnReceiptExceeded, match="only 2 still expected"):
        oms.receive_return(asked.uuid, [got(oms, order, "MUG", 3, "opened", True)])
    with pytest.raises(InvalidReturn, match="is not a line of return"):
        oms.receive_return(asked.uuid, [got(oms, order, "TEA", 1, "opened", True)])
    with pytest.raises(InvalidReturn, match="condition"):
        oms.receive_return(asked.uuid, [got(oms, order, "MUG", 1, "broken", True)])
    with pytest.raises(InvalidReturn, match="restock"):
        oms.receive_return(
            asked.uuid, [{**got(oms, order, "MUG", 1, "opened", True), "restock": "yes"}]
        )
    with pytest.raises(ReturnNotFound):
        oms.receive_return(str(uuid.uuid4()), [got(oms, order, "MUG", 1, "opened", True)])
    assert snapshot(oms) == before
    levels = stock(oms)
    # CARD has no inventory row: restock chosen, nothing to put back; MUG not chosen.
    done = oms.receive_return(
        asked.uuid,
        [got(oms, order, "MUG", 2, "damaged", False), got(oms, order, "CARD", 1, "opened", True)],
    )
    assert stock(oms) == levels
    assert [(ln.qty_received, ln.qty_restocked) for ln in done.lines] == [(2, 0), (1, 0)]
    with pytest.raises(ReturnReceiptExceeded, match="only 0 still expected"):
        oms.receive_return(asked.uuid, [got(oms, order, "MUG", 1, "opened", True)])


def test_a_return_is_named_by_its_uuid(oms: ordermill.Oms) -> None:
    for bad in ("nope", str(uuid.uuid4()), 42):
        with pytest.raises(ReturnNotFound, match="Return not found"):
            oms.get_return(bad)  # type: ignore[arg-type]
        with pytest.raises(ReturnNotFound):
            oms.approve_return(bad)  # type: ignore[arg-type]
    with pytest.raises(OrderNotFound):
        oms.list_returns(str(uuid.uuid4()))
    with pytest.raises(InvalidReturn, match="needs a reason"):
        oms.decline_return(str(uuid.uuid4()), "  ")


def test_refund_of_a_return_is_the_refund_of_its_received_units(oms: ordermill.Oms) -> None:
    order = delivered(oms)
    asked = oms.request_return(order.uuid, ask(oms, order, ("MUG", 2)), reason="wrong_item")
    oms.approve_return(asked.uuid)
    oms.receive_return(asked.uuid, [got(oms, order, "MUG", 1, "unopened", True)])
    done = oms.refund_return(asked.uuid, shipping="all")
    [refund] = oms.list_refunds(order.uuid)
    assert (refund.reason, refund.amount, refund.shipping_amount) == (
        "wrong_item", Decimal("9.90") + order.shipping_fee, order.shipping_fee,
    )  # fmt: skip
    assert refund.note == f"Return {asked.uuid}: wrong_item"
    [payload] = event_payloads(oms, order.order_id, names.RETURN_REFUNDED)
    assert payload["refund_id"] == done.refund_id == refund.refund_id
    assert oms.get_order(order.uuid).amount_refunded == refund.amount
    # The unreceived mug is released: it may be asked back again.
    assert returned(oms, order)["MUG"] == 1


def test_plugins_hook_around_every_return_service_and_may_refuse(oms: ordermill.Oms) -> None:
    from tests.services.test_hooks import recorder_plugin

    recorder, plugin = recorder_plugin()
    oms.plugins.register(plugin)
    order = delivered(oms)
    asked = oms.request_return(order.uuid, ask(oms, order, ("MUG", 2)))
    oms.approve_return(asked.uuid)
    oms.receive_return(asked.uuid, [got(oms, order, "MUG", 2, "opened", True)])
    oms.refund_return(asked.uuid)
    oms.cancel_return(oms.request_return(order.uuid, ask(oms, order, ("TEA", 1))).uuid)
    oms.decline_return(oms.request_return(order.uuid, ask(oms, order, ("TEA", 1))).uuid, "no")
    called = [c for c in recorder.calls if c.endswith("_return")]
    assert {c.split("_", 1)[1] for c in called} == {
        "request_return", "approve_return", "receive_return", "refund_return",
        "cancel_return", "decline_return",
    }  # fmt: skip
    assert called[:2] == ["before_request_return", "after_request_return"]

    class Refuse:
        @ordermill.hookimpl
        def before_approve_return(self, rma: ordermill.Return) -> None:
            raise ordermill.HookRejected(f"return {rma.uuid} needs a manager")

    oms.plugins.register(Refuse())
    pending = oms.request_return(order.uuid, ask(oms, order, ("TEA", 1)))
    before = snapshot(oms)
    with pytest.raises(ordermill.HookRejected, match="needs a manager"):
        oms.approve_return(pending.uuid)
    assert snapshot(oms) == before

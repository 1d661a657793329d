"""Refunds: what each line and the shipping give back, restock once, the ledger and
payment status, the events, every refusal (data unchanged), and cancel-and-refund."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import ordermill
from ordermill.errors import (
    InvalidRefund,
    OrderNotCancelable,
    OrderShippedNotRefundable,
    RefundExceedsBalance,
    RefundLineNotFound,
    RefundQtyExceedsRefundable,
    UnknownRefundReason,
)
from tests.services.shop import activities, event_payloads, history, item_ids, place, stock

# 3 x 10.00 + 1 x 5.00 = 35.00 goods, 3.50 tax, 4.99 shipping, 2.00 discount: 41.49.
PRICED: list[dict[str, Any]] = [
    {"sku": "MUG", "qty": 3, "price": "10.00"},
    {"sku": "CARD", "qty": 1, "price": "5.00"},
]


def priced(oms: ordermill.Oms, *, paid: str | None = "41.49") -> ordermill.Order:
    place(oms)  # stocks the shop
    order = oms.place_order(
        PRICED,
        customer_email="ada@example.com",
        tax_amount="3.50",
        shipping_fee="4.99",
        discount_amount="2.00",
    )
    assert order.grand_total == Decimal("41.49")
    if paid:
        oms.record_payment(order.uuid, "sale", paid)
    return order


def line(oms: ordermill.Oms, order: ordermill.Order, sku: str, qty: int, **more: Any) -> Any:
    return {"order_item_id": item_ids(oms, order)[sku], "qty": qty, **more}


def test_each_line_gives_back_its_share_and_everything_gives_back_the_total(
    oms: ordermill.Oms,
) -> None:
    order = priced(oms)
    # Lines' part: 41.49 - 4.99 = 36.50, split 30:5 -> 31.29 and 5.21 (largest remainder).
    first = oms.refund(order.uuid, lines=[line(oms, order, "MUG", 1)], reason="damaged")
    assert (first.amount, first.shipping_amount, first.currency) == (
        Decimal("10.43"),
        Decimal(0),
        "USD",
    )
    assert [(x.qty, x.amount, x.qty_restocked) for x in first.lines] == [(1, Decimal("10.43"), 0)]
    second = oms.refund(order.uuid, lines=[line(oms, order, "MUG", 2)], reason="damaged")
    assert second.amount == Decimal("20.86")
    rest = oms.refund(
        order.order_number, lines=[line(oms, order, "CARD", 1)], shipping="all", reason="other"
    )
    assert (rest.amount, rest.shipping_amount) == (Decimal("10.20"), Decimal("4.99"))
    assert first.amount + second.amount + rest.amount == order.grand_total
    found = oms.get_order(order.uuid)
    assert (found.amount_refunded, found.net_paid, found.payment_status) == (
        Decimal("41.49"), Decimal(0), "refunded",
    )  # fmt: skip
    assert [i.qty_refunded for i in found.items or ()] == [3, 1]
    assert [r.refund_id for r in oms.list_refunds(order.uuid)] == [
        first.refund_id, second.refund_id, rest.refund_id,
    ]  # fmt: skip
    assert [p.kind for p in oms.list_payments(order.uuid)] == ["sale", "refund", "refund", "refund"]


def test_the_payment_status_follows_the_ledger(oms: ordermill.Oms) -> None:
    order = priced(oms)
    oms.refund(order.uuid, shipping="1.00", reason="customer_request")
    assert oms.get_order(order.uuid).payment_status == "partially_refunded"
    assert ("payment", "paid", "partially_refunded") in history(oms, order.order_id)
    oms.refund(order.uuid, amount="40.49", reason="other")
    assert oms.get_order(order.uuid).payment_status == "refunded"


def test_restock_puts_back_managed_units_once(oms: ordermill.Oms) -> None:
    order = priced(oms)
    before = stock(oms)
    done = oms.refund(
        order.uuid,
        lines=[line(oms, order, "MUG", 2, restock=True), line(oms, order, "CARD", 1, restock=True)],
        reason="damaged",
    )
    assert stock(oms)["MUG"] == before["MUG"] + 2  # CARD has no stock row: nothing to put back
    assert {x.order_item_id: x.qty_restocked for x in done.lines} == {
        item_ids(oms, order)["MUG"]: 2, item_ids(oms, order)["CARD"]: 0,
    }  # fmt: skip
    oms.refund(order.uuid, lines=[line(oms, order, "MUG", 1, restock=True)], reason="damaged")
    assert stock(oms)["MUG"] == before["MUG"] + 3
    items = {i.sku: i for i in oms.get_order(order.uuid).items or ()}
    assert (items["MUG"].qty_restocked, items["MUG"].qty_refunded) == (3, 3)
    payload = event_payloads(oms, order.order_id, "ordermill.order.refunded")[0]
    assert payload["restocked"] == [{"sku": "MUG", "qty": 2}]
    assert (payload["amount"], payload["reason"], payload["currency"]) == (
        "26.07",
        "damaged",
        "USD",
    )
    assert activities(oms, order.order_id)[-2][0].startswith("Refunded 26.07 USD (damaged)")


def test_a_custom_amount_and_a_note(oms: ordermill.Oms) -> None:
    order = priced(oms)
    done = oms.refund(
        order.uuid, lines=[line(oms, order, "MUG", 1)], amount="3", reason="other", note="goodwill"
    )
    assert (done.amount, done.note, done.reason) == (Decimal("3.00"), "goodwill", "other")
    assert oms.get_order(order.uuid).items[0].qty_refunded == 1  # type: ignore[index]


REFUSALS: list[tuple[str, dict[str, Any], type[Exception]]] = [
    ("unknown reason", {"shipping": "all", "reason": "bored"}, UnknownRefundReason),
    ("unknown line", {"lines": [{"order_item_id": 999999, "qty": 1}]}, RefundLineNotFound),
    ("qty beyond", {"lines": [("MUG", 4)]}, RefundQtyExceedsRefundable),
    ("zero qty", {"lines": [("MUG", 0)]}, InvalidRefund),
    ("line twice", {"lines": [("MUG", 1), ("MUG", 1)]}, InvalidRefund),
    ("bad restock", {"lines": [("MUG", 1, "yes")]}, InvalidRefund),
    ("not a list", {"lines": "MUG"}, InvalidRefund),
    ("shipping beyond", {"shipping": "5.00"}, RefundExceedsBalance),
    ("amount beyond", {"amount": "41.50"}, RefundExceedsBalance),
    ("float amount", {"amount": 1.5}, InvalidRefund),
    ("sub-cent", {"amount": "1.005"}, InvalidRefund),
    ("nothing", {}, InvalidRefund),
    ("long note", {"shipping": "all", "note": "x" * 2001}, InvalidRefund),
]


@pytest.mark.parametrize(("case", "asked", "error"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_every_refusal_is_typed_and_changes_nothing(
    oms: ordermill.Oms, db_snapshot: Any, case: str, asked: dict[str, Any], error: type[Exception]
) -> None:
    order = priced(oms)
    ids = item_ids(oms, order)
    if isinstance(asked.get("lines"), list):
        asked["lines"] = [
            x if isinstance(x, dict) else {"order_item_id": ids[x[0]], "qty": x[1],
                                           **({"restock": x[2]} if len(x) > 2 else {})}
            for x in asked["lines"]
        ]  # fmt: skip
    before = db_snapshot(oms.engine)
    with pytest.raises(error) as raised:
        oms.refund(order.uuid, **{"reason": "damaged", **asked})
    assert raised.value.code  # type: ignore[attr-defined]
    assert db_snapshot(oms.engine) == before


def test_a_refund_never_exceeds_what_was_paid(oms: ordermill.Oms, db_snapshot: Any) -> None:
    order = priced(oms, paid="10.00")
    before = db_snapshot(oms.engine)
    with pytest.raises(RefundExceedsBalance, match="more than the net paid"):
        oms.refund(order.uuid, lines=[line(oms, order, "MUG", 1)], reason="damaged")
    assert db_snapshot(oms.engine) == before
    oms.refund(order.uuid, lines=[line(oms, order, "CARD", 1)], reason="damaged")
    assert oms.get_order(order.uuid).net_paid == Decimal("4.79")


def test_the_reasons_come_from_the_configuration(db_url: str) -> None:
    config = ordermill.Config.from_dict(
        {"oms": {"order": {"refundReasons": {"goodwill": "Goodwill"}}}}
    )
    custom = ordermill.connect(db_url, config=config)
    try:
        order = priced(custom)
        assert custom.refund(order.uuid, shipping="all", reason="goodwill").reason == "goodwill"
        with pytest.raises(UnknownRefundReason, match="allowed: goodwill"):
            custom.refund(order.uuid, amount="1", reason="damaged")
    finally:
        custom.close()


# -- cancel and refund --------------------------------------------------------------------


def test_cancel_and_refund_of_an_unpaid_order_is_cancel_order(oms: ordermill.Oms) -> None:
    order = priced(oms, paid=None)
    before = stock(oms)
    done = oms.cancel_and_refund(order.uuid, "changed mind")
    assert (done.status, done.payment_status) == ("canceled", "canceled")
    assert oms.list_refunds(order.uuid) == []
    assert stock(oms)["MUG"] == before["MUG"] + 3


def test_cancel_order_keeps_refusing_a_paid_order(oms: ordermill.Oms, db_snapshot: Any) -> None:
    order = priced(oms)
    before = db_snapshot(oms.engine)
    with pytest.raises(OrderNotCancelable):
        oms.cancel_order(order.uuid)
    assert db_snapshot(oms.engine) == before


@pytest.mark.parametrize("paid", ["41.49", "12.00"])
def test_cancel_and_refund_of_a_paid_order_refunds_then_cancels(
    oms: ordermill.Oms, paid: str
) -> None:
    order = priced(oms, paid=paid)
    oms.refund(order.uuid, lines=[line(oms, order, "MUG", 1, restock=True)], amount="1.00",
               reason="damaged")  # fmt: skip
    before = stock(oms)
    done = oms.cancel_and_refund(order.uuid, "damaged")
    assert (done.status, done.payment_status, done.shipment_status) == (
        "canceled", "canceled", "canceled",
    )  # fmt: skip
    assert (done.net_paid, done.amount_refunded) == (Decimal(0), Decimal(paid))
    assert stock(oms)["MUG"] == before["MUG"] + 2  # the 2 not yet restocked, once
    last = oms.list_refunds(order.uuid)[-1]
    assert (last.amount, last.reason, last.shipping_amount) == (
        Decimal(paid) - 1, "damaged", Decimal("4.99"),
    )  # fmt: skip
    assert [(x.qty, x.qty_restocked) for x in last.lines] == [(2, 2), (1, 0)]
    found = oms.get_order(order.uuid)
    assert [(i.qty_refunded, i.qty_restocked) for i in found.items or ()] == [(3, 3), (1, 0)]
    assert found.amount_refunded == Decimal(paid)
    canceled = event_payloads(oms, order.order_id, "ordermill.order.canceled")
    assert canceled[0]["restocked"] == []


def test_cancel_and_refund_refuses_a_shipped_order(oms: ordermill.Oms, db_snapshot: Any) -> None:
    order = priced(oms)
    oms.create_shipment(order.uuid, items=[line(oms, order, "MUG", 1)])
    before = db_snapshot(oms.engine)
    with pytest.raises(OrderShippedNotRefundable) as raised:
        oms.cancel_and_refund(order.uuid)
    assert isinstance(raised.value, OrderNotCancelable)
    assert db_snapshot(oms.engine) == before

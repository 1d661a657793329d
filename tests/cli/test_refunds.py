"""``ordermill orders refund|refunds|cancel-and-refund``."""

from __future__ import annotations

import json
from decimal import Decimal

import ordermill
from tests.cli.conftest import Invoke


def _paid(oms: ordermill.Oms) -> ordermill.Order:
    oms.set_stock("MUG", 10)
    order = oms.place_order(
        [{"sku": "MUG", "qty": 2, "price": "10.00"}, {"sku": "CARD", "qty": 1, "price": "5.00"}],
        customer_email="a@b.io",
        shipping_fee="3.00",
    )
    oms.record_payment(order.uuid, "sale", "28.00")
    return order


def test_refund_lines_and_shipping_then_list(cli: Invoke, oms: ordermill.Oms) -> None:
    order = _paid(oms)
    mug, card = (i.order_item_id for i in order.items or ())
    done = cli("orders", "refund", order.order_number, "--line", f"{mug}:1:restock",
               "--line", f"{card}:1", "--shipping", "all", "--reason", "damaged",
               "--note", "box crushed")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "Refunded 18.00 USD" in done.output and "1 unit(s) restocked" in done.output
    assert "partially_refunded" in done.output
    assert oms.get_stock("MUG").qty == 9
    listed = cli("orders", "refunds", order.order_number)
    assert listed.exit_code == 0
    for text in ("18.00 USD", "3.00 USD", "damaged"):
        assert text in listed.output, text
    as_json = json.loads(cli("orders", "refunds", order.order_number, "--json").output)
    assert [(r["amount"], r["reason"], r["note"]) for r in as_json["items"]] == [
        ("18.0000", "damaged", "box crushed")
    ]
    assert [x["qty_restocked"] for x in as_json["items"][0]["lines"]] == [1, 0]


def test_refusals_exit_with_the_error_and_change_nothing(cli: Invoke, oms: ordermill.Oms) -> None:
    order = _paid(oms)
    mug = (order.items or ())[0].order_item_id
    for args, code, text in (
        (["--line", "x:1", "--reason", "damaged"], 2, "expected ITEM_ID:QTY"),
        (["--line", f"{mug}:3", "--reason", "damaged"], 1, "2 left"),
        (["--amount", "99", "--reason", "damaged"], 1, "more than the net paid"),
        (["--amount", "1", "--reason", "bored"], 2, "not a refund reason"),
    ):
        refused = cli("orders", "refund", order.order_number, *args)
        assert refused.exit_code == code, refused.output
        assert text in refused.output and "Traceback" not in refused.output
    assert oms.list_refunds(order.uuid) == []
    assert "No refunds." in cli("orders", "refunds", order.order_number).output


def test_cancel_and_refund(cli: Invoke, oms: ordermill.Oms) -> None:
    order = _paid(oms)
    assert cli("orders", "cancel", order.order_number).exit_code == 1
    done = cli("orders", "cancel-and-refund", order.order_number, "--reason", "out of stock")
    assert done.exit_code == 0, done.output
    assert "Canceled (payment Canceled" in done.output
    found = oms.get_order(order.uuid)
    assert (found.status, found.net_paid, oms.get_stock("MUG").qty) == ("canceled", Decimal(0), 10)

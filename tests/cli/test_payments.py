"""``ordermill payments record|list`` and the totals in ``orders show``."""

from __future__ import annotations

import json

import ordermill
from tests.cli.conftest import Invoke


def test_record_list_and_show(cli: Invoke, oms: ordermill.Oms) -> None:
    order = oms.place_order([{"sku": "CARD", "qty": 1, "price": "20.00"}], customer_email="a@b.io")
    number = order.order_number
    done = cli("payments", "record", number, "sale", "12.50", "--reference", "ch_1",
               "--gateway", "stripe", "--note", "first half")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "partially_paid" in done.output and "balance due 7.50 USD" in done.output
    listed = cli("payments", "list", number)
    assert listed.exit_code == 0
    for text in ("sale", "succeeded", "12.50 USD", "stripe", "ch_1"):
        assert text in listed.output, text
    as_json = json.loads(cli("payments", "list", number, "--json").output)
    assert [(p["kind"], p["amount"], p["note"]) for p in as_json["items"]] == [
        ("sale", "12.5000", "first half")
    ]
    shown = cli("orders", "show", number).output
    assert "Net paid" in shown and "Balance due" in shown and "7.50 USD" in shown


def test_refusals_exit_with_the_error_and_change_nothing(cli: Invoke, oms: ordermill.Oms) -> None:
    order = oms.place_order([{"sku": "CARD", "qty": 1, "price": "20.00"}], customer_email="a@b.io")
    too_much = cli("payments", "record", order.order_number, "refund", "1")
    assert too_much.exit_code == 2
    assert "a refund of 1.00 USD is more than the net paid" in too_much.output
    assert "Traceback" not in too_much.output
    failed = cli("payments", "record", order.order_number, "capture", "5", "--status", "failed")
    assert failed.exit_code == 0
    assert "failed capture" in failed.output
    unknown = cli("payments", "list", "10999")
    assert unknown.exit_code == 1
    assert [p.status for p in oms.list_payments(order.uuid)] == ["failed"]
    assert cli("payments", "list", order.order_number).exit_code == 0

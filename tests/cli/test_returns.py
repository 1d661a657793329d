"""``ordermill orders return ...``: request, approve, decline, receive, refund, list."""

from __future__ import annotations

import json

import ordermill
from tests.cli.conftest import Invoke


def _delivered(oms: ordermill.Oms) -> ordermill.Order:
    oms.set_stock("MUG", 10)
    order = oms.place_order(
        [{"sku": "MUG", "qty": 2, "price": "9.90"}, {"sku": "TEA", "qty": 1, "price": "4.50"}],
        customer_email="a@b.io",
    )
    oms.record_payment(order.uuid, "sale", str(order.grand_total))
    oms.update_shipment_status(order.uuid, "delivered")
    return order


def test_the_whole_path(cli: Invoke, oms: ordermill.Oms) -> None:
    order = _delivered(oms)
    number = order.order_number
    tea = (order.items or ())[1].order_item_id
    asked = cli("orders", "return", "request", number, "--line", "MUG:2", "--line", f"{tea}:1",
                "--reason", "damaged")  # fmt: skip
    assert asked.exit_code == 0, asked.output
    [found] = oms.list_returns(number)
    assert f"Return {found.uuid} of order {number}: requested" in asked.output
    assert cli("orders", "return", "approve", found.uuid).exit_code == 0
    got = cli("orders", "return", "receive", found.uuid, "--line", "MUG:2:opened:restock",
              "--line", "TEA:1:damaged")  # fmt: skip
    assert got.exit_code == 0, got.output
    assert "received (2/2 x MUG, 1/1 x TEA received)" in got.output
    assert oms.get_stock("MUG").qty == 10
    refunded = cli("orders", "return", "refund", found.uuid)
    assert refunded.exit_code == 0, refunded.output
    assert "refunded" in refunded.output
    listed = cli("orders", "return", "list", number)
    assert found.uuid in listed.output and "refunded" in listed.output
    as_json = json.loads(cli("orders", "return", "list", number, "--json").output)
    assert [r["status"] for r in as_json["items"]] == ["refunded"]


def test_refusals_exit_with_the_error_and_change_nothing(cli: Invoke, oms: ordermill.Oms) -> None:
    order = _delivered(oms)
    number = order.order_number
    too_many = cli("orders", "return", "request", number, "--line", "MUG:3")
    assert too_many.exit_code == 1
    assert "Cannot return 3 of order item" in too_many.output and "2 delivered" in too_many.output
    for bad in ("MUG", "MUG:x", "NOPE:1", "MUG:1:2"):
        refused = cli("orders", "return", "request", number, "--line", bad)
        assert refused.exit_code == 2, (bad, refused.output)
        assert "Traceback" not in refused.output
    assert oms.list_returns(number) == []
    asked = oms.request_return(number, [{"order_item_id": (order.items or ())[0].order_item_id,
                                         "qty": 1}])  # fmt: skip
    early = cli("orders", "return", "receive", asked.uuid, "--line", "MUG:1:opened")
    assert early.exit_code == 1
    assert "it is requested" in early.output
    declined = cli("orders", "return", "decline", asked.uuid, "--reason", "too late")
    assert declined.exit_code == 0 and "declined" in declined.output
    bad_condition = cli("orders", "return", "receive", asked.uuid, "--line", "MUG:1:broken")
    assert bad_condition.exit_code == 2
    assert cli("orders", "return", "approve", "not-a-uuid").exit_code == 1
    assert oms.get_return(asked.uuid).status == "declined"

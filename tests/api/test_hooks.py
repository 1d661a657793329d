"""A plugin's refusal reaches an API client as a 409 problem, never a 500."""

from __future__ import annotations

import ordermill
from tests.api.conftest import Shop
from tests.api.test_orders import _problem


class FraudDesk:
    @ordermill.hookimpl
    def before_cancel_order(self) -> None:
        raise ordermill.HookRejected("Order is fraud-reviewed: refund it instead")

    @ordermill.hookimpl
    def before_add_activity(self, message: str) -> None:
        if message == "boom":
            raise RuntimeError("plugin bug")


def test_a_refusing_hook_is_a_409_problem_and_a_plugin_bug_too(shop: Shop) -> None:
    shop.oms.plugins.register(FraudDesk(), name="fraud_desk")
    order = shop.orders_a[0]
    refused = shop.client.post(f"/api/v1/orders/{order}/cancel", headers=shop.admin)
    body = _problem(refused, 409, "hook_rejected")
    assert body["detail"] == "Order is fraud-reviewed: refund it instead"
    assert shop.oms.get_order(order).status != "canceled"
    buggy = shop.client.post(
        f"/api/v1/orders/{order}/activities", json={"message": "boom"}, headers=shop.admin
    )
    body = _problem(buggy, 409, "hook_rejected")
    assert "plugin fraud_desk failed in before_add_activity" in body["detail"]
    assert "Traceback" not in buggy.text

"""A plugin's refusal is shown on the admin page like every other refusal."""

from __future__ import annotations

import re

import ordermill
from tests.admin.conftest import Admin
from tests.admin.seed import seed_small


class FraudDesk:
    @ordermill.hookimpl
    def before_cancel_order(self) -> None:
        raise ordermill.HookRejected("Order is fraud-reviewed: refund it instead")


def test_a_refused_cancel_shows_the_plugins_message(oms: ordermill.Oms, admin: Admin) -> None:
    order = seed_small(oms).to_cancel
    oms.plugins.register(FraudDesk())
    page = f"/admin/orders/{order.order_number}"
    admin.get(page)
    response = admin.post(f"{page}/cancel", {"reason": "asked", "confirm": "yes"})
    assert response.status_code == 409
    banner = re.search(r'<p class="error" role="alert"><strong>Not done:</strong> ([^<]+)</p>',
                       response.text)  # fmt: skip
    assert banner and banner.group(1) == "Order is fraud-reviewed: refund it instead"
    assert oms.get_order(order.uuid).status != "canceled"

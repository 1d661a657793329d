"""The refund dialog's routes without a browser: the fragment of amounts, and every
refusal (a bad quantity, no reason, no confirmation, goods shipped) answered as the page
with a banner next to the action, nothing written, never a traceback."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

import ordermill
from ordermill.domain.records import Order
from tests.admin.conftest import Admin
from tests.conftest import snapshot


def _paid(oms: ordermill.Oms, *, ship: bool = False) -> Order:
    placed = oms.place_order(
        [{"sku": "MUG", "qty": 3, "price": "10.00"}, {"sku": "CAP", "qty": 1, "price": "20.00"}],
        customer_email="ada@example.com",
        shipping_fee="4.00",
    )
    oms.record_payment(placed.uuid, "sale", placed.grand_total)
    if ship:
        oms.create_shipment(placed.uuid, "UPS")
    return oms.get_order(placed.uuid)


def _banner(html: str) -> str:
    found = re.search(r'<p class="error" role="alert"><strong>Not done:</strong> ([^<]+)</p>', html)
    assert found and "Traceback" not in html, html[-2000:]
    return found.group(1)


def _page(admin: Admin, order: Order) -> str:
    return str(admin.get(f"/admin/orders/{order.order_number}").text)


def test_the_fragment_prices_what_the_form_asks(oms: ordermill.Oms, admin: Admin) -> None:
    order = _paid(oms)
    mug = (order.items or ())[0].order_item_id
    _page(admin, order)
    response = admin.post(
        f"/admin/orders/{order.order_number}/refund/preview",
        {f"refund_qty_{mug}": "1", "refund_shipping": "all"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert '<div id="refund-preview-body" data-ready="yes">' in response.text
    assert '<td class="num" data-refund-total>$14.00</td>' in response.text  # 10.00 + 4.00
    bad = admin.post(
        f"/admin/orders/{order.order_number}/refund/preview", {f"refund_qty_{mug}": "x"}
    )
    assert 'data-ready="no"' in bad.text and "must be a whole number" in bad.text


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"refund_qty": "two", "refund_reason": "damaged"}, 422, "must be a whole number"),
        ({"refund_qty": "1"}, 422, "Choose the reason for the refund."),
        ({"refund_qty": "4", "refund_reason": "damaged"}, 409, "cannot refund 4 of line"),
        ({"refund_reason": "damaged"}, 422, "nothing to refund"),
    ],
)
def test_a_refused_refund_is_a_banner_in_the_open_dialog(
    oms: ordermill.Oms, admin: Admin, form: dict[str, str], status: int, message: str
) -> None:
    order = _paid(oms)
    mug = (order.items or ())[0].order_item_id
    data: dict[str, Any] = dict(form)
    if "refund_qty" in data:
        data[f"refund_qty_{mug}"] = data.pop("refund_qty")
    _page(admin, order)
    before = snapshot(oms.engine)

    response = admin.post(f"/admin/orders/{order.order_number}/refund", data)

    assert response.status_code == status
    assert message in _banner(response.text)
    assert '<details class="refund-dialog" id="refund-dialog" open>' in response.text
    assert snapshot(oms.engine) == before


def test_cancel_and_refund_asks_for_confirmation_and_refuses_shipped_orders(
    oms: ordermill.Oms, admin: Admin
) -> None:
    order = _paid(oms)
    page = _page(admin, order)
    assert "Cancel and refund $54.00" in page and "Cancel this order…" not in page
    before = snapshot(oms.engine)
    unconfirmed = admin.post(
        f"/admin/orders/{order.order_number}/cancel-and-refund", {"reason": "asked"}
    )
    assert unconfirmed.status_code == 422
    assert "Tick the box" in _banner(unconfirmed.text)
    assert snapshot(oms.engine) == before

    shipped = _paid(oms, ship=True)
    assert "Cancel and refund" not in _page(admin, shipped)  # not offered
    refused = admin.post(
        f"/admin/orders/{shipped.order_number}/cancel-and-refund",
        {"reason": "asked", "confirm": "yes"},
    )
    assert refused.status_code == 409
    assert "goods were shipped" in _banner(refused.text)

    done = admin.post(
        f"/admin/orders/{order.order_number}/cancel-and-refund",
        {"reason": "asked", "confirm": "yes"},
    )
    assert done.status_code == 303
    canceled = oms.get_order(order.uuid)
    assert (canceled.status, canceled.amount_refunded) == ("canceled", Decimal("54.00"))

"""Scopes on the admin pages: controls a token may not use are not shown, and the
actions refuse them anyway (403, nothing changed); a form rendered before someone
else's change does nothing and shows the order as it now is."""

from __future__ import annotations

import re

import pytest

import ordermill
from ordermill.domain.scopes import OPERATIONS, SCOPES
from tests.admin.conftest import Admin

LINES = [{"sku": "MUG", "qty": 2, "price": "9.90"}]


def _place(oms: ordermill.Oms) -> ordermill.Order:
    return oms.place_order(LINES, customer_email="ada@example.com")


def _signed_in(anonymous: Admin, oms: ordermill.Oms, **token: object) -> Admin:
    _, secret = oms.create_token(**token)  # type: ignore[arg-type]
    anonymous.sign_in(secret)
    return anonymous


def _forms(html: str) -> set[str]:
    """The last path segment of every form's action on the page."""
    return {a.rsplit("/", 1)[-1] for a in re.findall(r'<form method="post" action="([^"]+)"', html)}


def test_a_warehouse_token_sees_no_cancel_payment_or_note_controls(
    anonymous: Admin, oms: ordermill.Oms
) -> None:
    order = _place(oms)
    shipped = _place(oms)
    oms.create_shipment(shipped.uuid, "UPS", "1Z")
    admin = _signed_in(anonymous, oms, preset="warehouse", name="Ada (warehouse)")
    page = admin.get(f"/admin/orders/{order.order_number}")
    assert page.status_code == 200
    assert _forms(page.text) == {"shipments"}
    assert "Cancel this order" not in page.text
    assert "Update payment" not in page.text
    assert "Add note" not in page.text
    with_shipment = admin.get(f"/admin/orders/{shipped.order_number}").text
    assert {"deliver", "cancel", "tracking"} <= _forms(with_shipment)
    assert 'href="/admin/webhooks"' not in with_shipment


def test_a_customer_service_token_sees_no_shipment_controls(
    anonymous: Admin, oms: ordermill.Oms
) -> None:
    order = _place(oms)
    admin = _signed_in(anonymous, oms, preset="customer_service")
    forms = _forms(admin.get(f"/admin/orders/{order.order_number}").text)
    assert forms == {"payment-status", "notes", "cancel", "tracking-link"}


def test_an_admin_token_sees_every_control(admin: Admin, oms: ordermill.Oms) -> None:
    order = _place(oms)
    forms = _forms(admin.get(f"/admin/orders/{order.order_number}").text)
    assert forms == {"shipments", "payment-status", "notes", "cancel", "tracking-link"}


# admin action row -> (path under the order, form fields)
ACTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "admin:set_payment_status": ("payment-status", {"payment_status": "paid"}),
    "admin:cancel_order": ("cancel", {"reason": "late", "confirm": "yes"}),
    "admin:add_note": ("notes", {"message": "Called"}),
    "admin:create_shipment": ("shipments", {"carrier": "UPS"}),
    "admin:edit_tracking": ("shipments/{shipment}/tracking", {"carrier": "DHL"}),
    "admin:mark_delivered": ("shipments/{shipment}/deliver", {}),
    "admin:cancel_shipment": ("shipments/{shipment}/cancel", {}),
}


def test_every_order_page_action_is_in_the_table() -> None:
    rows = {op for op in OPERATIONS if op.startswith("admin:")}
    assert set(ACTIONS) <= rows


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_an_action_without_its_scope_is_refused_and_changes_nothing(
    anonymous: Admin, oms: ordermill.Oms, action: str
) -> None:
    order = _place(oms)
    shipment = oms.create_shipment(order.uuid, "UPS", None, items=None)
    needed = OPERATIONS[action].scope
    admin = _signed_in(anonymous, oms, scopes=[s for s in SCOPES if s != needed])
    admin.get(f"/admin/orders/{order.order_number}")
    before = oms.get_order(order.uuid)
    path, data = ACTIONS[action]
    url = f"/admin/orders/{order.order_number}/{path.format(shipment=shipment.uuid)}"
    response = admin.post(url, {**data, "version": str(before.version)})
    assert response.status_code == 403
    assert f"&#39;{needed}&#39;" in response.text
    assert oms.get_order(order.uuid) == before


def test_a_page_without_its_scope_is_a_403_page(anonymous: Admin, oms: ordermill.Oms) -> None:
    admin = _signed_in(anonymous, oms, scopes=["webhooks:manage"])
    assert admin.get("/admin/webhooks").status_code == 200
    refused = admin.get("/admin/orders")
    assert refused.status_code == 403
    assert "orders:read" in refused.text
    assert 'href="/admin/orders"' not in refused.text


def test_a_customer_token_cannot_sign_in(anonymous: Admin, oms: ordermill.Oms) -> None:
    _, secret = oms.create_token(role="customer", customer_id=7)
    anonymous.get("/admin/sign-in")
    assert anonymous.post("/admin/sign-in", {"token": secret}).status_code == 401


def test_a_form_from_before_another_change_does_nothing_and_shows_the_fresh_order(
    admin: Admin, oms: ordermill.Oms
) -> None:
    order = _place(oms)
    page = admin.get(f"/admin/orders/{order.order_number}")
    assert 'name="version" value="1"' in page.text
    oms.add_order_activity_log(order.uuid, "Changed by a colleague meanwhile")
    response = admin.post(
        f"/admin/orders/{order.order_number}/payment-status",
        {"payment_status": "paid", "version": "1"},
    )
    assert response.status_code == 409
    assert "This order changed since you opened it" in response.text
    assert "Changed by a colleague meanwhile" in response.text
    assert 'name="version" value="2"' in response.text
    assert oms.get_order(order.uuid).payment_status != "paid"
    done = admin.post(
        f"/admin/orders/{order.order_number}/payment-status",
        {"payment_status": "paid", "version": "2"},
    )
    assert done.status_code == 303
    assert oms.get_order(order.uuid).payment_status == "paid"

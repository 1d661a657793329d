"""Who may call what: anonymous, customer A, customer B and admin x every operation.

The operations come from the app's own OpenAPI document, so a route added
without a row in ``EXPECTED`` fails ``test_every_operation_has_a_row``. The
target of every call is a fresh order (or shipment) of customer A.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import ordermill
from ordermill.api import create_app
from ordermill.events import webhooks
from tests.api.conftest import CUSTOMER_A, Shop, first_event_id

ACTORS = ("anonymous", "customer_a", "customer_b", "admin")

# operation id -> expected status for (anonymous, customer A, customer B, admin)
EXPECTED: dict[str, tuple[int, int, int, int]] = {
    "healthz": (200, 200, 200, 200),
    "readyz": (200, 200, 200, 200),
    "list_orders": (401, 200, 200, 200),
    "place_order": (401, 403, 403, 201),
    "get_order": (401, 200, 404, 200),
    "cancel_order": (401, 200, 404, 200),
    "update_payment_status": (401, 403, 403, 200),
    "update_shipment_status": (401, 403, 403, 200),
    "create_shipment": (401, 403, 403, 201),
    "list_order_shipments": (401, 200, 404, 200),
    "add_order_activity": (401, 403, 403, 201),
    "list_order_activities": (401, 200, 404, 200),
    "record_payment": (401, 403, 403, 201),
    "list_order_payments": (401, 403, 403, 200),
    "get_shipment": (401, 200, 404, 200),
    "update_shipment": (401, 403, 403, 200),
    "mark_shipment_delivered": (401, 403, 403, 200),
    "cancel_shipment": (401, 403, 403, 200),
    "list_statuses": (401, 200, 200, 200),
    "get_stock": (401, 403, 403, 200),
    "set_stock": (401, 403, 403, 200),
    "list_webhooks": (401, 403, 403, 200),
    "create_webhook": (401, 403, 403, 201),
    "get_webhook": (401, 403, 403, 200),
    "update_webhook": (401, 403, 403, 200),
    "rotate_webhook_secret": (401, 403, 403, 200),
    "list_webhook_deliveries": (401, 403, 403, 200),
    "redeliver_webhook_event": (401, 403, 403, 200),
    "issue_tracking_link": (401, 403, 403, 201),
    # A fresh order has no link yet.
    "get_tracking_link": (401, 403, 403, 404),
    "revoke_tracking_link": (401, 403, 403, 204),
    # No API token needed: the tracking token is the key ("{token}" names no link).
    "track": (404, 404, 404, 404),
}

BODIES: dict[str, dict[str, Any]] = {
    "place_order": {
        "items": [{"sku": "MUG", "qty": 1, "price": "9.90"}],
        "customer_email": "new@example.com",
    },
    "cancel_order": {"reason": "changed my mind"},
    "update_payment_status": {"status": "paid"},
    "update_shipment_status": {"status": "processing"},
    "create_shipment": {"carrier": "ups", "tracking_number": "1Z001"},
    "add_order_activity": {"message": "Called the customer"},
    "record_payment": {"kind": "sale", "amount": "1.00"},
    "update_shipment": {"tracking_number": "1Z002"},
    "set_stock": {"qty": 7},
    "create_webhook": {
        "url": "http://127.0.0.1:9/hook",
        "events": ["ordermill.order.*"],
        "allow_private_network": True,
    },
    "update_webhook": {"enabled": False},
    "redeliver_webhook_event": {"event_id": 1},
}


def _operations() -> list[tuple[str, str, str]]:
    """(operation id, method, path template) of every operation in the OpenAPI document."""
    oms = ordermill.connect("sqlite://")
    try:
        schema = create_app(oms).openapi()
    finally:
        oms.close()
    return sorted(
        (operation["operationId"], method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    )


OPERATIONS = _operations()


def test_every_operation_has_a_row() -> None:
    missing = sorted({op for op, _, _ in OPERATIONS} - set(EXPECTED))
    stale = sorted(set(EXPECTED) - {op for op, _, _ in OPERATIONS})
    assert missing == [], f"operations without an auth-matrix row: {missing}"
    assert stale == [], f"rows for operations that no longer exist: {stale}"


def _path(template: str, shop: Shop) -> str:
    """The template filled with fresh targets belonging to customer A."""
    path = template
    if "{order_uuid}" in path:
        path = path.replace("{order_uuid}", shop.place(CUSTOMER_A).uuid)
    if "{shipment_uuid}" in path:
        placed = shop.place(CUSTOMER_A)
        shipment = shop.oms.create_shipment(placed.uuid, "dhl", "JD01")
        path = path.replace("{shipment_uuid}", shipment.uuid)
    if "{endpoint_id}" in path:
        endpoint, _ = webhooks.add_endpoint(
            shop.oms.engine, "http://127.0.0.1:9/hook", ["*"], allow_private_network=True
        )
        path = path.replace("{endpoint_id}", str(endpoint.endpoint_id))
    return path.replace("{sku}", "MUG")


def _body(operation: str, shop: Shop) -> dict[str, Any] | None:
    if operation == "redeliver_webhook_event":
        return {"event_id": first_event_id(shop.oms)}
    return BODIES.get(operation)


@pytest.mark.parametrize(("operation", "method", "template"), OPERATIONS)
@pytest.mark.parametrize("actor", ACTORS)
def test_auth_matrix(shop: Shop, actor: str, operation: str, method: str, template: str) -> None:
    expected = dict(zip(ACTORS, EXPECTED[operation], strict=True))[actor]
    headers: dict[str, str] = {} if actor == "anonymous" else getattr(shop, actor)
    call: Callable[..., Any] = shop.client.request
    response = call(method, _path(template, shop), headers=headers, json=_body(operation, shop))
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == expected
    if expected == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer omt_not-a-real-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "omt_no_scheme",
        "Bearer x" * 50,
    ],
)
def test_a_bad_token_is_401(shop: Shop, authorization: str) -> None:
    response = shop.client.get("/api/v1/orders", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_revoked_token_is_401_from_the_next_request(shop: Shop) -> None:
    token, secret = shop.oms.create_token(role="admin")
    headers = {"Authorization": f"Bearer {secret}"}
    assert shop.client.get("/api/v1/statuses", headers=headers).status_code == 200
    shop.oms.revoke_token(token.token_id)
    response = shop.client.get("/api/v1/statuses", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid or revoked API token"

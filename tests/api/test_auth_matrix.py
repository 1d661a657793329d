"""Who may call what, generated from the scope table (``domain/scopes.OPERATIONS``).

Every operation of the app's own OpenAPI document x anonymous, customer A, customer B,
every preset, and a staff token holding every scope but exactly the one the operation
needs. An operation without a row in the table fails ``test_every_operation_has_a_row``
(and is refused for every token at run time). The target of every call is a fresh
order (or shipment) of customer A.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import ordermill
from ordermill.admin.app import ROUTERS
from ordermill.api import create_app
from ordermill.domain.scopes import OPERATIONS, PRESETS, SCOPES
from ordermill.events import webhooks
from tests.api.conftest import CUSTOMER_A, Shop, bearer, first_event_id

ACTORS = ("anonymous", "customer_a", "customer_b", *PRESETS, "lacking")


def expected_status(actor: str, operation: str, template: str, success: int) -> int:
    """What ``actor`` gets from ``operation``, from the table alone."""
    rule = OPERATIONS[operation]
    if rule.scope is None:
        return success
    if actor == "anonymous":
        return 401
    if actor in ("customer_a", "customer_b"):
        if not rule.customer:
            return 403
        foreign = actor == "customer_b" and (
            "{order_uuid}" in template
            or "{shipment_uuid}" in template
            or "{return_uuid}" in template
        )
        return 404 if foreign else success
    if actor == "lacking":
        return 403
    return success if rule.scope in PRESETS[actor] else 403


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
    "decline_return": {"reason": "outside the return window"},
    "create_refund": {"amount": "1.00", "reason": "other"},
    "cancel_and_refund": {"reason": "changed my mind"},
}
# The status a return must have for each operation on it to be allowed.
RETURN_STATES = {"receive_return": "approved", "refund_return": "received"}
# Operations whose allowed call is refused by the use case on a fresh order: a fresh order
# has paid nothing, so a refund passes access and is then refused (409).
REFUSED_WHEN_ALLOWED = {
    "create_refund": 409,
    "get_tracking_link": 404,  # a fresh order has no link yet
    "track": 404,  # "{token}" names no link
}


def _operations() -> list[tuple[str, str, str, int]]:
    """(operation id, method, path template, success status) of every operation in the
    OpenAPI document."""
    oms = ordermill.connect("sqlite://")
    try:
        schema = create_app(oms).openapi()
    finally:
        oms.close()
    return sorted(
        (
            operation["operationId"],
            method.upper(),
            path,
            min(int(code) for code in operation["responses"] if code.startswith("2")),
        )
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    )


OPERATIONS_FOUND = _operations()
OPERATIONS_TESTED = [(op, method, path) for op, method, path, _ in OPERATIONS_FOUND]
_SUCCESS = {op: success for op, _, _, success in OPERATIONS_FOUND}


def test_every_operation_has_a_row() -> None:
    found = {op for op, _, _, _ in OPERATIONS_FOUND}
    # GET /metrics is not in the OpenAPI document (tests/ops/test_metrics.py covers it).
    rest_rows = {op for op in OPERATIONS if not op.startswith("admin:")} - {"metrics"}
    missing = sorted(found - rest_rows)
    stale = sorted(rest_rows - found)
    assert missing == [], f"operations without a row in domain/scopes.OPERATIONS: {missing}"
    assert stale == [], f"rows for operations that no longer exist: {stale}"


def test_every_admin_page_and_action_has_a_row() -> None:
    names = {getattr(route, "name", "") for router in ROUTERS for route in router.routes}
    named = {f"admin:{name}" for name in names - {"sign_in", "sign_in_page", "sign_out"}}
    rows = {op for op in OPERATIONS if op.startswith("admin:")}
    assert sorted(named - rows) == [], "admin routes without a row in domain/scopes.OPERATIONS"
    assert sorted(rows - named) == [], "admin rows for routes that no longer exist"


def test_every_scope_row_names_a_known_scope() -> None:
    assert {r.scope for r in OPERATIONS.values() if r.scope is not None} <= set(SCOPES)


def test_the_openapi_document_names_each_operations_scope(shop: Shop) -> None:
    schema = shop.client.get("/openapi.json").json()
    for operations in schema["paths"].values():
        for operation in operations.values():
            rule = OPERATIONS[operation["operationId"]]
            if rule.scope is None:
                assert "x-required-scope" not in operation
                continue
            assert operation["x-required-scope"] == rule.scope
            assert operation["x-customer-access"] == rule.customer
            assert operation["security"] == [{"bearerAuth": [rule.scope]}]


def _delivered(shop: Shop) -> tuple[str, int]:
    """A fresh paid order of customer A, delivered: its uuid and its first line's id."""
    placed = shop.place(CUSTOMER_A)
    shop.oms.record_payment(placed.uuid, "sale", str(placed.grand_total))
    shop.oms.update_shipment_status(placed.uuid, "delivered")
    return placed.uuid, (placed.items or ())[0].order_item_id


def _return(operation: str, shop: Shop) -> str:
    """A return of customer A in the status ``operation`` needs; its uuid."""
    order_uuid, item_id = _delivered(shop)
    asked = shop.oms.request_return(order_uuid, [{"order_item_id": item_id, "qty": 1}])
    if RETURN_STATES.get(operation) in ("approved", "received"):
        shop.oms.approve_return(asked.uuid)
    if RETURN_STATES.get(operation) == "received":
        got = {"order_item_id": item_id, "qty": 1, "condition": "opened", "restock": True}
        shop.oms.receive_return(asked.uuid, [got])
    return asked.uuid


def _path(template: str, shop: Shop, operation: str = "") -> str:
    """The template filled with fresh targets belonging to customer A."""
    path = template
    if "{order_uuid}/returns" in path:
        path = path.replace("{order_uuid}", _delivered(shop)[0])
    if "{return_uuid}" in path:
        path = path.replace("{return_uuid}", _return(operation, shop))
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


def _body(operation: str, shop: Shop, path: str) -> dict[str, Any] | None:
    if operation == "redeliver_webhook_event":
        return {"event_id": first_event_id(shop.oms)}
    if operation == "request_return":
        order = shop.oms.get_order(path.split("/")[4])
        return {"lines": [{"order_item_id": (order.items or ())[0].order_item_id, "qty": 1}]}
    if operation == "receive_return":
        [line] = shop.oms.get_return(path.split("/")[4]).lines
        got = {"order_item_id": line.order_item_id, "qty": 1, "condition": "unopened"}
        return {"lines": [got]}
    return BODIES.get(operation)


def _headers(shop: Shop, actor: str, operation: str) -> dict[str, str]:
    if actor == "anonymous":
        return {}
    if actor in ("customer_a", "customer_b"):
        headers: dict[str, str] = getattr(shop, actor)
        return headers
    if actor == "lacking":
        needed = OPERATIONS[operation].scope
        _, secret = shop.oms.create_token(scopes=[s for s in SCOPES if s != needed])
    else:
        _, secret = shop.oms.create_token(preset=actor)
    return bearer(secret)


@pytest.mark.parametrize(("operation", "method", "template"), OPERATIONS_TESTED)
@pytest.mark.parametrize("actor", ACTORS)
def test_auth_matrix(shop: Shop, actor: str, operation: str, method: str, template: str) -> None:
    success = REFUSED_WHEN_ALLOWED.get(operation, _SUCCESS[operation])
    expected = expected_status(actor, operation, template, success)
    headers = _headers(shop, actor, operation)
    call: Callable[..., Any] = shop.client.request
    path = _path(template, shop, operation)
    response = call(method, path, headers=headers, json=_body(operation, shop, path))
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == expected
    if expected == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    if expected == 403:
        problem = response.json()
        customer = actor in ("customer_a", "customer_b")
        assert problem["code"] == ("permission_denied" if customer else "missing_scope")
        assert problem["details"]["scope"] == OPERATIONS[operation].scope
        assert repr(OPERATIONS[operation].scope) in problem["detail"]


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

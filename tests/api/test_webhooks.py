"""``/api/v1/webhooks``: register, read, change, rotate, deliveries and redelivery, against
a real HTTP receiver; secrets appear once; customers are refused; bad input changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.api.conftest import Shop, first_event_id
from tests.events.conftest import Receiver

BASE = "/api/v1/webhooks"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _create(shop: Shop, url: str, **extra: Any) -> dict[str, Any]:
    body = {"url": url, "events": ["ordermill.order.*"], "allow_private_network": True, **extra}
    response = shop.client.post(BASE, json=body, headers=shop.admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_create_shows_the_secret_once(shop: Shop, receiver: Receiver) -> None:
    created = _create(shop, receiver.url, description="the warehouse")
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["ordermill.order.*"] and created["enabled"] is True
    endpoint_id = created["endpoint_id"]
    one = shop.client.get(f"{BASE}/{endpoint_id}", headers=shop.admin)
    listed = shop.client.get(BASE, headers=shop.admin).json()["items"]
    assert one.status_code == 200 and "secret" not in one.json()
    assert one.json() == {k: v for k, v in created.items() if k != "secret"}
    assert [e["endpoint_id"] for e in listed] == [endpoint_id]
    assert "secret" not in listed[0] and created["secret"] not in str(listed)


def test_a_customer_token_is_refused_everywhere(shop: Shop, receiver: Receiver) -> None:
    endpoint_id = _create(shop, receiver.url)["endpoint_id"]
    calls = [
        ("GET", BASE, None),
        ("POST", BASE, {"url": receiver.url, "events": ["*"]}),
        ("GET", f"{BASE}/{endpoint_id}", None),
        ("PATCH", f"{BASE}/{endpoint_id}", {"enabled": False}),
        ("POST", f"{BASE}/{endpoint_id}/rotate-secret", None),
        ("GET", f"{BASE}/{endpoint_id}/deliveries", None),
        ("POST", f"{BASE}/{endpoint_id}/redeliver", {"event_id": 1}),
    ]
    for method, path, body in calls:
        response = shop.client.request(method, path, json=body, headers=shop.customer_a)
        assert response.status_code == 403, (method, path)
        assert response.json()["code"] == "permission_denied"
    assert shop.client.get(f"{BASE}/{endpoint_id}", headers=shop.admin).json()["enabled"]
    assert len(shop.client.get(BASE, headers=shop.admin).json()["items"]) == 1


def test_a_private_address_needs_the_option(shop: Shop) -> None:
    body = {"url": "http://127.0.0.1:9/hook", "events": ["*"]}
    response = shop.client.post(BASE, json=body, headers=shop.admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_webhook_url"
    assert "127.0.0.1" in response.json()["detail"]
    assert shop.client.get(BASE, headers=shop.admin).json()["items"] == []


def test_a_bad_pattern_is_refused(shop: Shop) -> None:
    body = {"url": "http://127.0.0.1:9/", "events": ["order.*"], "allow_private_network": True}
    response = shop.client.post(BASE, json=body, headers=shop.admin)
    assert response.status_code == 422
    assert shop.client.get(BASE, headers=shop.admin).json()["items"] == []


def test_patch_disables_enables_and_changes(shop: Shop, receiver: Receiver) -> None:
    endpoint_id = _create(shop, receiver.url, description="old")["endpoint_id"]
    path = f"{BASE}/{endpoint_id}"
    disabled = shop.client.patch(
        path, json={"enabled": False, "disabled_reason": "maintenance"}, headers=shop.admin
    ).json()
    assert disabled["enabled"] is False and disabled["disabled_reason"] == "maintenance"
    changed = shop.client.patch(
        path,
        json={"enabled": True, "events": ["ordermill.shipment.*"], "description": None},
        headers=shop.admin,
    ).json()
    assert changed["enabled"] is True and changed["disabled_reason"] is None
    assert changed["events"] == ["ordermill.shipment.*"] and changed["description"] is None
    refused = shop.client.patch(path, json={"events": ["nope"]}, headers=shop.admin)
    assert refused.status_code == 422
    assert shop.client.get(path, headers=shop.admin).json() == changed


def test_rotate_returns_a_new_secret(shop: Shop, receiver: Receiver) -> None:
    created = _create(shop, receiver.url)
    path = f"{BASE}/{created['endpoint_id']}/rotate-secret"
    rotated = shop.client.post(path, headers=shop.admin)
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]


def test_redeliver_sends_a_signed_event_and_logs_it(shop: Shop, receiver: Receiver) -> None:
    created = _create(shop, receiver.url)
    event_id = first_event_id(shop.oms)
    path = f"{BASE}/{created['endpoint_id']}"
    response = shop.client.post(
        f"{path}/redeliver",
        json={"event_id": event_id},
        headers={**shop.admin, "Idempotency-Key": "again-1"},
    )
    assert response.status_code == 200, response.text
    [attempt] = response.json()["items"]
    assert attempt["event_id"] == event_id and attempt["attempt"] == 0
    assert attempt["status_code"] == 200 and attempt["response_excerpt"] == "ok"
    [(headers, body)] = receiver.requests
    Webhook(created["secret"]).verify(body, headers)  # raises unless signed with it
    assert headers["webhook-id"] == attempt["event_uuid"]

    deliveries = shop.client.get(f"{path}/deliveries", headers=shop.admin).json()["items"]
    assert deliveries == [attempt]
    assert deliveries[0]["latency_ms"] >= 0

    replay = shop.client.post(
        f"{path}/redeliver",
        json={"event_id": event_id},
        headers={**shop.admin, "Idempotency-Key": "again-1"},
    )
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == response.json()
    assert len(shop.client.get(f"{path}/deliveries", headers=shop.admin).json()["items"]) == 1


def test_redeliver_to_a_disabled_endpoint_is_a_conflict(shop: Shop, receiver: Receiver) -> None:
    endpoint_id = _create(shop, receiver.url)["endpoint_id"]
    shop.client.patch(f"{BASE}/{endpoint_id}", json={"enabled": False}, headers=shop.admin)
    response = shop.client.post(
        f"{BASE}/{endpoint_id}/redeliver",
        json={"event_id": first_event_id(shop.oms)},
        headers=shop.admin,
    )
    assert response.status_code == 409 and response.json()["code"] == "webhook_disabled"
    assert receiver.requests == []


def test_unknown_endpoint_and_event_are_404(shop: Shop, receiver: Receiver) -> None:
    for method, path in [
        ("GET", f"{BASE}/999"),
        ("GET", f"{BASE}/999/deliveries"),
        ("POST", f"{BASE}/999/rotate-secret"),
    ]:
        response = shop.client.request(method, path, headers=shop.admin)
        assert response.status_code == 404 and response.json()["code"] == "webhook_not_found"
    patched = shop.client.patch(f"{BASE}/999", json={"enabled": False}, headers=shop.admin)
    assert patched.status_code == 404
    endpoint_id = _create(shop, receiver.url)["endpoint_id"]
    response = shop.client.post(
        f"{BASE}/{endpoint_id}/redeliver", json={"event_id": 10**12}, headers=shop.admin
    )
    assert response.status_code == 404 and response.json()["code"] == "event_not_found"
    assert receiver.requests == []


def test_create_with_an_idempotency_key_creates_once(shop: Shop, receiver: Receiver) -> None:
    body = {"url": receiver.url, "events": ["*"], "allow_private_network": True}
    headers = {**shop.admin, "Idempotency-Key": "hook-1"}
    first = shop.client.post(BASE, json=body, headers=headers)
    again = shop.client.post(BASE, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.headers["Location"] == f"{BASE}/{first.json()['endpoint_id']}"
    assert len(shop.client.get(BASE, headers=shop.admin).json()["items"]) == 1


@pytest.mark.parametrize("url", ["http://[::1/hook", "http://host:99999/", "ftp://example.com/"])
def test_a_malformed_url_is_a_422_naming_it(shop: Shop, url: str) -> None:
    body = {"url": url, "events": ["*"], "allow_private_network": True}
    response = shop.client.post(BASE, json=body, headers=shop.admin)
    assert response.status_code == 422, response.text
    assert response.json()["code"] in ("invalid_webhook_url", "invalid_request")
    assert shop.client.get(BASE, headers=shop.admin).json()["items"] == []

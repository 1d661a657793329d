"""Guest tracking over HTTP: the link endpoints (admin), the public JSON and page at
/api/v1/track/<token> and /track/<token>, their 404s and the per-address rate limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

import ordermill
from ordermill.api import create_app
from ordermill.db.tracking_tables import tracking_link
from ordermill.domain.ratelimit import TokenBuckets
from tests.api.conftest import CANARY, Shop, client_for

EXPECTED_DHL = (
    "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
    "?submit=1&tracking-id=1Z999AA10123456784"
)
NOT_FOUND = ("tracking_link_not_found", "There is no tracking page at this address.", None)


def issue(shop: Shop, order: str, **body: object) -> dict[str, object]:
    response = shop.client.post(
        f"/api/v1/orders/{order}/tracking-link", json=body or None, headers=shop.admin
    )
    assert response.status_code == 201, response.text
    found: dict[str, object] = response.json()
    return found


def test_the_shop_gets_a_link_and_the_guest_json_shows_only_what_a_guest_may_see(
    shop: Shop,
) -> None:
    order = shop.orders_a[0]
    shop.oms.create_shipment(order, "DHL", "1Z999AA10123456784")
    link = issue(shop, order)
    assert link["url"] == f"http://testserver/track/{link['token']}"
    response = shop.client.get(f"/api/v1/track/{link['token']}")  # no Authorization
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["order_number"] == shop.oms.get_order(order).order_number
    assert seen["status"] == "pending"
    assert [a["message"] for a in seen["activities"]] == ["Your order is being prepared"]
    assert seen["shipments"][0]["tracking_url"] == EXPECTED_DHL
    assert seen["shipments"][0]["carrier"] == "DHL"
    assert [(i["name"], i["qty"]) for i in seen["items"]] == [("Mug", 2), ("Tea", 1)]
    assert CANARY not in response.text
    assert "@example.com" not in response.text
    assert "9.90" not in response.text


def test_the_url_is_given_once_a_replay_answers_without_it(shop: Shop) -> None:
    order = shop.orders_a[0]
    headers = {**shop.admin, "Idempotency-Key": "link-1"}
    first = shop.client.post(f"/api/v1/orders/{order}/tracking-link", headers=headers)
    again = shop.client.post(f"/api/v1/orders/{order}/tracking-link", headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["token"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["url"] is None and again.json()["token"] is None
    assert again.json()["created_at"] == first.json()["created_at"]
    # The replay did not rotate: the first URL still works.
    assert shop.client.get(f"/api/v1/track/{first.json()['token']}").status_code == 200
    # The idempotency record holds no token either.
    with shop.oms.engine.connect() as conn:
        stored = repr(conn.execute(sa.text("SELECT * FROM idempotency_key")).all())
    assert first.json()["token"] not in stored
    read = shop.client.get(f"/api/v1/orders/{order}/tracking-link", headers=shop.admin)
    assert read.status_code == 200 and read.json()["token"] is None


def test_an_expiring_link_and_a_revoked_one(shop: Shop) -> None:
    order = shop.orders_a[0]
    until = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    link = issue(shop, order, expires_at=until)
    assert link["expires_at"] is not None
    assert shop.client.get(f"/api/v1/track/{link['token']}").status_code == 200
    gone = shop.client.delete(f"/api/v1/orders/{order}/tracking-link", headers=shop.admin)
    assert gone.status_code == 204
    assert shop.client.get(f"/api/v1/track/{link['token']}").status_code == 404
    assert shop.client.get(f"/track/{link['token']}").status_code == 404
    missing = shop.client.get(f"/api/v1/orders/{order}/tracking-link", headers=shop.admin)
    assert missing.status_code == 404
    past = shop.client.post(
        f"/api/v1/orders/{order}/tracking-link",
        json={"expires_at": "2020-01-01T00:00:00Z"},
        headers=shop.admin,
    )
    assert past.status_code == 422


def test_wrong_revoked_and_expired_tokens_answer_alike(shop: Shop) -> None:
    revoked = issue(shop, shop.orders_a[0])["token"]
    shop.client.delete(f"/api/v1/orders/{shop.orders_a[0]}/tracking-link", headers=shop.admin)
    expired = issue(shop, shop.orders_a[1])["token"]
    with shop.oms.engine.begin() as conn:
        conn.execute(
            sa.update(tracking_link).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    answers = set()
    pages = set()
    for token in (revoked, expired, "A" * 43, "nope"):
        response = shop.client.get(f"/api/v1/track/{token}")
        assert response.status_code == 404
        body = response.json()
        answers.add((body["code"], body["detail"], body.get("details")))
        page = shop.client.get(f"/track/{token}")
        assert page.status_code == 404
        pages.add(page.text)
    assert answers == {NOT_FOUND}
    assert len(pages) == 1


def test_only_an_admin_token_manages_links(shop: Shop) -> None:
    url = f"/api/v1/orders/{shop.orders_a[0]}/tracking-link"
    assert shop.client.post(url, headers=shop.customer_a).status_code == 403
    assert shop.client.delete(url, headers=shop.customer_a).status_code == 403
    assert shop.client.get(url, headers=shop.customer_a).status_code == 403
    assert shop.client.post(url).status_code == 401


def test_the_guest_endpoints_are_rate_limited_per_address(oms: ordermill.Oms) -> None:
    now = [0.0]
    limiter = TokenBuckets(capacity=3, per_second=0.25, clock=lambda: now[0])
    client = client_for(create_app(oms, tracking_limiter=limiter))
    codes = [client.get("/api/v1/track/nope").status_code for _ in range(3)]
    assert codes == [404, 404, 404]
    refused = client.get("/api/v1/track/nope")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "4"
    assert refused.json()["code"] == "rate_limited"
    page = client.get("/track/nope")  # the page shares the JSON's bucket
    assert page.status_code == 429 and page.headers["Retry-After"] == "4"
    assert "Too many requests" in page.text
    now[0] += 4
    assert client.get("/api/v1/track/nope").status_code == 404


def test_the_page_sends_no_referrer_and_forbids_scripts(shop: Shop) -> None:
    token = issue(shop, shop.orders_a[0])["token"]
    response = shop.client.get(f"/track/{token}")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "<script" not in response.text
    assert CANARY not in response.text
    assert "Your order is being prepared" in response.text
    assert shop.client.get("/track/static/admin.css").status_code == 200


def test_the_rest_shipment_carries_the_tracking_url(shop: Shop) -> None:
    order = shop.orders_a[0]
    made = shop.client.post(
        f"/api/v1/orders/{order}/shipments",
        json={"carrier": "DHL", "tracking_number": "1Z999AA10123456784"},
        headers=shop.admin,
    )
    assert made.status_code == 201, made.text
    assert made.json()["tracking_url"] == EXPECTED_DHL
    uuid = made.json()["uuid"]
    assert (
        shop.client.get(f"/api/v1/shipments/{uuid}", headers=shop.admin).json()["tracking_url"]
        == EXPECTED_DHL
    )
    # The customer's own order shows it too.
    mine = shop.client.get(f"/api/v1/orders/{order}", headers=shop.customer_a).json()
    assert mine["shipments"][0]["tracking_url"] == EXPECTED_DHL
    changed = shop.client.patch(
        f"/api/v1/shipments/{uuid}", json={"carrier": "Chronopost"}, headers=shop.admin
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["tracking_url"] is None

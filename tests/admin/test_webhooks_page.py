"""The webhooks page and its actions, through the app in-process, against a real receiver."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from standardwebhooks.webhooks import Webhook

import ordermill
from ordermill.events import webhooks
from tests.admin.conftest import Admin
from tests.api.conftest import first_event_id
from tests.events.conftest import Receiver

PAGE = "/admin/webhooks"
_SECRET = re.compile(r'<code class="secret">(whsec_[^<]+)</code>')


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_the_nav_links_to_the_page(admin: Admin) -> None:
    page = admin.get("/admin/orders").text
    assert 'href="/admin/webhooks"' in page
    empty = admin.get(PAGE)
    assert empty.status_code == 200 and "No webhook endpoints yet." in empty.text


def test_adding_shows_the_secret_once(admin: Admin, oms: ordermill.Oms, receiver: Receiver) -> None:
    admin.get(PAGE)
    response = admin.post(
        PAGE,
        {"url": receiver.url, "events": "ordermill.order.*", "allow_private_network": "yes"},
    )
    assert response.status_code == 200
    secret = _SECRET.search(response.text)
    assert secret and secret.group(1).startswith("whsec_")
    [endpoint] = webhooks.list_endpoints(oms.engine)
    assert endpoint.url == receiver.url
    page = admin.get(PAGE).text
    assert receiver.url in page and "ordermill.order.*" in page and "Enabled" in page
    assert secret.group(1) not in page, "the secret is never shown again"


def test_a_private_url_is_refused_next_to_the_form(admin: Admin, oms: ordermill.Oms) -> None:
    admin.get(PAGE)
    response = admin.post(PAGE, {"url": "http://127.0.0.1:9/hook", "events": "*"})
    assert response.status_code == 422
    assert "private, loopback or link-local" in response.text
    assert 'value="http://127.0.0.1:9/hook"' in response.text  # what was typed stays
    assert webhooks.list_endpoints(oms.engine) == []


def test_disable_enable_and_rotate(admin: Admin, oms: ordermill.Oms, receiver: Receiver) -> None:
    admin.get(PAGE)
    endpoint, first = webhooks.add_endpoint(
        oms.engine, receiver.url, ["*"], allow_private_network=True
    )
    base = f"{PAGE}/{endpoint.endpoint_id}"
    disabled = admin.post(f"{base}/disable")
    assert disabled.status_code == 200 and "Disabled" in disabled.text
    assert "disabled by an operator" in disabled.text
    assert not webhooks.get_endpoint(oms.engine, endpoint.endpoint_id).enabled
    enabled = admin.post(f"{base}/enable")
    assert enabled.status_code == 200
    assert webhooks.get_endpoint(oms.engine, endpoint.endpoint_id).enabled
    rotated = admin.post(f"{base}/rotate-secret")
    secret = _SECRET.search(rotated.text)
    assert secret and secret.group(1) != first
    assert admin.post(f"{PAGE}/999/disable").status_code == 404


def test_deliveries_and_redeliver(admin: Admin, oms: ordermill.Oms, receiver: Receiver) -> None:
    oms.set_stock("MUG", 5)
    oms.place_order([{"sku": "MUG", "qty": 1, "price": "9.90"}], customer_email="a@example.com")
    admin.get(PAGE)
    endpoint, secret = webhooks.add_endpoint(
        oms.engine, receiver.url, ["*"], allow_private_network=True
    )
    event_id = first_event_id(oms)
    base = f"{PAGE}/{endpoint.endpoint_id}"
    response = admin.post(f"{base}/redeliver", {"event_id": str(event_id)})
    assert response.status_code == 200
    notice = f"Event {event_id} sent again to webhook {endpoint.endpoint_id}: HTTP 200"
    assert notice in response.text
    [(headers, body)] = receiver.requests
    Webhook(secret).verify(body, headers)
    row = re.search(rf'<tr data-event="{event_id}">(.*?)</tr>', response.text, re.S)
    assert row, "the attempt is listed"
    assert 'data-col="status">200<' in row.group(1)
    assert 'data-col="response">ok<' in row.group(1)
    assert "Last delivery:" in response.text and "HTTP 200" in response.text

    missing = admin.post(f"{base}/redeliver", {"event_id": str(10**12)})
    assert missing.status_code == 404 and "Event not found" in missing.text
    assert len(receiver.requests) == 1

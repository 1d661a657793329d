"""Webhooks to a real HTTP receiver: Standard Webhooks signatures (verified with the
``standardwebhooks`` package), retries, isolation of a hanging endpoint, disabling,
secrets at rest, URL checks; and in-process subscribers."""

from __future__ import annotations

import asyncio
import time

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook

import ordermill
from ordermill.db.engine import create_engine
from ordermill.db.relay_tables import webhook_endpoint
from ordermill.domain.errors import InvalidWebhookUrl
from ordermill.events import webhooks
from ordermill.events.destination import RetrySchedule
from ordermill.events.relay import RelaySettings
from ordermill.events.runner import RelayOptions, redeliver, run_relay
from ordermill.events.store import Store
from tests.events import subscriber_module
from tests.events.conftest import Receiver, make_orders, outbox

FAST = RetrySchedule(base=0.05, cap=0.2, window=60)


def relay(db_url: str, schedule: RetrySchedule = FAST, timeout: float = 5.0, **kw: object) -> None:
    engine = create_engine(db_url)
    try:
        options = RelayOptions(
            settings=RelaySettings(once=True),
            schedule=schedule,
            webhook_timeout=timeout,
            **kw,  # type: ignore[arg-type]
        )
        asyncio.run(run_relay(engine, options))
    finally:
        engine.dispose()


def add(db_url: str, receiver: Receiver, pattern: str = "ordermill.order.*") -> tuple[int, str]:
    engine = create_engine(db_url)
    try:
        endpoint, secret = webhooks.add_endpoint(
            engine, receiver.url, [pattern], allow_private_network=True
        )
    finally:
        engine.dispose()
    return endpoint.endpoint_id, secret


def test_requests_verify_with_the_standardwebhooks_package(
    oms: ordermill.Oms, db_url: str, receiver: Receiver
) -> None:
    _, secret = add(db_url, receiver)
    make_orders(oms, 3)
    relay(db_url)
    assert len(receiver.requests) == len(outbox(db_url))  # every event is an order event
    verifier = Webhook(secret)
    for headers, body in receiver.requests:
        document = verifier.verify(body, headers)
        assert document["id"] == headers["webhook-id"]
        assert document["type"].startswith("ordermill.order.")


def test_a_500_then_200_is_retried_with_the_same_id(
    oms: ordermill.Oms, db_url: str, receiver: Receiver
) -> None:
    add(db_url, receiver)
    receiver.plan = lambda n: "fail" if n <= 2 else "ok"
    make_orders(oms, 1)
    relay(db_url)
    ids = [h["webhook-id"] for h, _ in receiver.requests]
    assert ids[0] == ids[1] == ids[2]  # the head event, twice refused, then taken
    assert sorted(set(ids)) == sorted(str(r["event_uuid"]) for r in outbox(db_url))
    log = webhooks.list_deliveries(oms.engine, limit=100)
    assert [r["status_code"] for r in log if r["event_uuid"] == ids[0]] == [200, 500, 500]


def test_a_hanging_endpoint_does_not_hold_up_another(
    oms: ordermill.Oms, db_url: str, receiver: Receiver
) -> None:
    other = Receiver()
    try:
        add(db_url, receiver)
        add(db_url, other)
        receiver.plan = lambda n: "hang"
        receiver.hang_seconds = 3
        make_orders(oms, 10)
        engine = create_engine(db_url)
        options = RelayOptions(schedule=FAST, webhook_timeout=1.0, refresh_interval=0.2)

        def backlog() -> dict[str, int]:
            return {s.destination: s.backlog for s in Store(oms.engine).status()}

        async def run_for_a_while() -> float:
            # Wait on the recorded progress, not on the receiver: a request can arrive
            # before the relay has written that it was delivered (CI once saw 30 left).
            task = asyncio.create_task(run_relay(engine, options))
            started = time.monotonic()
            while backlog().get("webhook:2", 1) > 0 and time.monotonic() - started < 10:
                await asyncio.sleep(0.05)
            task.cancel()
            return time.monotonic() - started

        elapsed = asyncio.run(run_for_a_while())
        engine.dispose()
        assert len(other.requests) >= len(outbox(db_url))
        assert elapsed < 3, "the healthy endpoint waited for the hanging one"
        status = backlog()
        assert status["webhook:2"] == 0 and status["webhook:1"] > 0
    finally:
        other.close()


def test_an_endpoint_failing_for_the_whole_window_is_disabled(
    oms: ordermill.Oms, db_url: str, receiver: Receiver
) -> None:
    endpoint_id, _ = add(db_url, receiver)
    receiver.plan = lambda n: "fail"
    make_orders(oms, 1)
    relay(db_url, RetrySchedule(base=0.05, cap=0.1, window=0.5))
    found = webhooks.get_endpoint(oms.engine, endpoint_id)
    assert not found.enabled and "HTTP 500" in (found.disabled_reason or "")


def test_secrets_are_encrypted_at_rest_and_rotation_signs_with_both(
    oms: ordermill.Oms, db_url: str, receiver: Receiver
) -> None:
    endpoint_id, old = add(db_url, receiver)
    with oms.engine.connect() as conn:
        stored = conn.execute(sa.select(webhook_endpoint)).one()._mapping
    assert old not in str(dict(stored)) and old[6:] not in str(dict(stored))
    _, new = webhooks.rotate_secret(oms.engine, endpoint_id)
    make_orders(oms, 1)
    first_event = outbox(db_url)[0]["event_id"]
    rows = asyncio.run(redeliver(oms.engine, first_event, [endpoint_id], source="/ordermill"))
    assert rows[0]["status_code"] == 200
    headers, body = receiver.requests[-1]
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)
    assert headers["webhook-id"] == str(outbox(db_url)[0]["event_uuid"])


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "http://127.0.0.1/x", "http://10.1.2.3/x", "http://169.254.169.254/x"],
)
def test_private_or_non_http_urls_are_refused(oms: ordermill.Oms, url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        webhooks.add_endpoint(oms.engine, url, ["ordermill.order.*"])


def test_a_subscriber_that_raises_is_retried_and_never_stops_the_relay(
    oms: ordermill.Oms, db_url: str
) -> None:
    subscriber_module.seen.clear()
    subscriber_module.failures_left[0] = 1
    make_orders(oms, 2)
    relay(db_url, subscriber_modules=("tests.events.subscriber_module",), webhooks=False)
    placed = [r for r in outbox(db_url) if r["name"] == "ordermill.order.placed"]
    # Orders go concurrently (per-order order only), so compare as sets.
    assert sorted(e["id"] for e in subscriber_module.seen) == sorted(
        str(r["event_uuid"]) for r in placed
    )
    log = webhooks.list_deliveries(oms.engine, limit=10)
    assert any(r["error"] and "first call fails" in r["error"] for r in log)
    assert {r["destination"] for r in log} == {
        "subscriber:tests.events.subscriber_module.on_placed"
    }

"""Listings, exports and reports from a real streaming replica; writes, and the reads that
follow them, from the primary; a replica that lags beyond its bound, or is down, bypassed.

Proof of where a read went: replay is paused on the replica (``pg_wal_replay_pause``),
so an order placed afterwards exists on the primary only.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

import ordermill
from ordermill.api import create_app
from tests.api.conftest import bearer, client_for
from tests.api.test_server import _start, _stop
from tests.replica.cluster import ReplicaPair

LINES = [{"sku": "MUG", "qty": 1, "price": "9.90"}]
ORDER = {"items": LINES, "customer_email": "replica@example.com"}


@pytest.fixture
def oms(pair: ReplicaPair) -> Iterator[ordermill.Oms]:
    # A generous bound: these tests pause replay and must still read from the replica.
    instance = ordermill.connect(pair.primary.url, read_url=pair.replica.url, max_replica_lag=120)
    instance.read_engine.check_every = 0  # measure on every read: no wait for a new state
    yield instance
    instance.close()


def _listed(client: object, admin: dict[str, str]) -> set[str]:
    response = client.get("/api/v1/orders", headers=admin, params={"limit": 100})  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text
    return {item["uuid"] for item in response.json()["items"]}


def _exported(oms: ordermill.Oms) -> set[str]:
    out = io.StringIO()
    oms.export_orders(out, file_format="jsonl")
    return {json.loads(line)["uuid"] for line in out.getvalue().splitlines()}


def _reported(oms: ordermill.Oms) -> int:
    today = datetime.now(UTC).date()
    return oms.sales_report(date_from=today, date_to=today).orders


def test_listings_exports_and_reports_read_the_replica_writes_and_replies_the_primary(
    pair: ReplicaPair, oms: ordermill.Oms
) -> None:
    oms.set_stock("MUG", 10)
    first = oms.place_order(LINES, customer_email="before@example.com")
    _, secret = oms.create_token(role="admin")
    admin = bearer(secret)
    pair.wait_replayed()
    pair.pause()
    with client_for(create_app(oms)) as client:
        placed = client.post("/api/v1/orders", headers=admin, json=ORDER)
        assert placed.status_code == 201, placed.text
        uuid = placed.json()["uuid"]
        # The reply to the mutation, its idempotent replay and get_order: the primary.
        keyed = {**admin, "Idempotency-Key": "replica-1"}
        once = client.post("/api/v1/orders", headers=keyed, json=ORDER)
        again = client.post("/api/v1/orders", headers=keyed, json=ORDER)
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.json() == once.json()
        assert client.get(f"/api/v1/orders/{uuid}", headers=admin).status_code == 200
        assert oms.get_order(uuid).uuid == uuid
        # Listings, exports and reports: the replica, which has not replayed them yet.
        assert _listed(client, admin) == {first.uuid}
        assert _exported(oms) == {first.uuid}
        assert _reported(oms) == 1
        assert oms.replica_status().state == "in_use"  # type: ignore[union-attr]
        # The caller's transaction (the primary) sees its own writes.
        with oms.transaction() as conn:
            page = oms.get_orders_base_query().page(100, conn=conn)
        assert uuid in {o.uuid for o in page.items}

        pair.resume()
        pair.wait_replayed()
        assert _listed(client, admin) == {first.uuid, uuid, once.json()["uuid"]}
        assert _exported(oms) == {first.uuid, uuid, once.json()["uuid"]}
        assert _reported(oms) == 3


def test_readyz_shows_the_replica_lag(pair: ReplicaPair, oms: ordermill.Oms) -> None:
    with client_for(create_app(oms)) as client:
        ready = client.get("/readyz").json()
        assert ready["replica"]["state"] == "in_use"
        assert ready["replica"]["max_lag_seconds"] == 120.0
        assert 0 <= ready["replica"]["lag_seconds"] < 5  # caught up: 0 unless WAL is in flight

        oms.set_stock("MUG", 10)
        pair.wait_replayed()
        pair.pause()
        oms.place_order(LINES, customer_email="late@example.com")  # not replayed: lag grows
        deadline = time.monotonic() + 10
        while (lag := client.get("/readyz").json()["replica"]["lag_seconds"]) < 1.0:
            assert time.monotonic() < deadline, f"the lag stayed at {lag}"
            time.sleep(0.1)
        ready = client.get("/readyz").json()
        assert ready["status"] == "ok"
        assert ready["replica"]["state"] == "in_use"  # within its bound of 120 s
        assert 1.0 <= ready["replica"]["lag_seconds"] < 60


def test_a_replica_behind_the_bound_is_bypassed_until_it_catches_up(
    pair: ReplicaPair, oms: ordermill.Oms
) -> None:
    oms.read_engine.max_lag = 0.5
    oms.set_stock("MUG", 10)
    _, secret = oms.create_token(role="admin")
    admin = bearer(secret)
    pair.wait_replayed()
    pair.pause()
    placed = oms.place_order(LINES, customer_email="late@example.com")
    time.sleep(0.7)
    with client_for(create_app(oms)) as client:
        ready = client.get("/readyz").json()
        assert ready["replica"]["state"] == "lagging"
        assert ready["replica"]["lag_seconds"] > 0.5
        # Bypassed: the primary answers, with the order the replica has not replayed.
        assert _listed(client, admin) == {placed.uuid}
        assert _exported(oms) == {placed.uuid}
        assert _reported(oms) == 1

        pair.resume()
        pair.wait_replayed()
        assert client.get("/readyz").json()["replica"]["state"] == "in_use"
        # Back on the replica: what it has not replayed is not listed. (The lag counts
        # from the last commit replayed, so a larger bound keeps this step off the clock.)
        oms.read_engine.max_lag = 120
        pair.pause()
        later = oms.place_order(LINES, customer_email="later@example.com")
        assert later.uuid not in _listed(client, admin)


def test_a_stopped_replica_is_bypassed_and_the_service_keeps_answering(
    pair: ReplicaPair, tmp_path: Path
) -> None:
    """A real ``ordermill serve --read-database-url``, two workers; the replica stops."""
    oms = ordermill.connect(pair.primary.url)
    oms.set_stock("MUG", 10)
    _, secret = oms.create_token(role="admin")
    admin = bearer(secret)
    pair.wait_replayed()
    process, base = _start(
        pair.primary.url,
        tmp_path / "server.log",
        extra=["--read-database-url", pair.replica.url, "--max-replica-lag", "3"],
    )
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            ready = client.get("/readyz").json()
            assert ready["replica"]["state"] == "in_use", ready
            assert ready["replica"]["max_lag_seconds"] == 3.0
            before = client.post("/api/v1/orders", headers=admin, json=ORDER).json()["uuid"]
            pair.wait_replayed()
            for _ in range(4):  # both workers' pools hold replica connections
                assert _listed(client, admin) == {before}

            pair.replica.stop()
            placed = client.post("/api/v1/orders", headers=admin, json=ORDER)
            assert placed.status_code == 201
            # Every request answers, at once: listings from the primary.
            for _ in range(6):
                assert _listed(client, admin) == {before, placed.json()["uuid"]}
            time.sleep(1.1)  # the next measurement finds it down
            ready = client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["replica"]["state"] == "down"

            pair.replica.start()
            pair.wait_streaming()
            deadline = time.monotonic() + 10
            while client.get("/readyz").json()["replica"]["state"] != "in_use":
                assert time.monotonic() < deadline, "the replica was not used again"
                time.sleep(0.2)
    finally:
        _stop(process)
        oms.close()


def test_a_replica_needs_postgresql_and_none_reports_no_status(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="a read replica needs PostgreSQL"):
        ordermill.connect(f"sqlite:///{tmp_path}/a.db", read_url=f"sqlite:///{tmp_path}/b.db")
    plain = ordermill.connect(f"sqlite:///{tmp_path}/a.db")
    assert plain.replica_status() is None
    plain.close()

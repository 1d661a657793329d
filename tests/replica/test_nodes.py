"""Several nodes over one database: three real ``ordermill serve`` processes and two real
relays to a real ``nats-server -js``, the races of the reliability plan sent to different
nodes at the same instant, every invariant checked afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.tables import order, shipment
from ordermill.events.store import Store
from tests.api.conftest import bearer
from tests.api.test_server import _start, _stop
from tests.events.conftest import (
    NatsServer,
    nats_server,  # noqa: F401 (the fixture)
    start_relay_process,
    stop,
    wait_for,
)
from tests.events.test_nats import _backlog, assert_delivered_exactly

pytestmark = pytest.mark.postgres_only

LINES = [{"sku": "MUG", "qty": 2, "price": "10.00"}]
STOCK = 100
Call = Callable[[httpx.Client], httpx.Response]


@pytest.fixture
def nodes(db_url: str, tmp_path: Path) -> Iterator[list[str]]:
    started = []
    try:
        for n in range(3):
            started.append(_start(db_url, tmp_path / f"node{n}.log", workers=1))
        yield [base for _, base in started]
    finally:
        for process, _ in started:
            _stop(process)


def _at_once(calls: list[tuple[str, Call]]) -> list[httpx.Response]:
    """Each (node, call) from its own thread, released at the same instant."""
    barrier = threading.Barrier(len(calls))

    def one(pair: tuple[str, Call]) -> httpx.Response:
        base, call = pair
        with httpx.Client(base_url=base, timeout=60) as client:
            barrier.wait()
            return call(client)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


def _post(path: str, body: Mapping[str, object], headers: dict[str, str]) -> Call:
    return lambda client: client.post(path, json=body, headers=headers)


def test_three_nodes_and_two_relays_keep_every_invariant(
    oms: ordermill.Oms,
    db_url: str,
    nodes: list[str],
    nats_server: NatsServer,  # noqa: F811
) -> None:
    a, b, c = nodes
    _, secret = oms.create_token(role="admin")
    admin = bearer(secret)
    oms.set_stock("MUG", STOCK)
    relays = [start_relay_process(db_url, "--nats", nats_server.url) for _ in range(2)]
    try:
        # 1. Cancel against ship: two cancels and two "shipped" to three nodes at once.
        racing = [oms.place_order(LINES, customer_email=f"r{n}@example.com") for n in range(6)]
        for placed in racing:
            oms.create_shipment(placed.uuid)
        for placed in racing:
            url = f"/api/v1/orders/{placed.uuid}"
            shipped = {"status": "shipped"}
            replies = _at_once(
                [
                    (a, _post(f"{url}/cancel", {}, admin)),
                    (b, _post(f"{url}/cancel", {}, admin)),
                    (b, _post(f"{url}/shipment-status", shipped, admin)),
                    (c, _post(f"{url}/shipment-status", shipped, admin)),
                ]
            )
            assert all(r.status_code in (200, 409) for r in replies), [r.text for r in replies]
            assert any(r.status_code == 200 for r in replies)

        # 2. One shipment of everything, asked of three nodes at once: one is made.
        shipping = [oms.place_order(LINES, customer_email=f"s{n}@example.com") for n in range(3)]
        for placed in shipping:
            url = f"/api/v1/orders/{placed.uuid}/shipments"
            replies = _at_once([(node, _post(url, {}, admin)) for node in nodes])
            assert sorted(r.status_code for r in replies)[0] == 201
            assert sum(r.status_code == 201 for r in replies) == 1, [r.text for r in replies]

        # 3. The whole authorized amount captured by three nodes at once: once.
        paying = [oms.place_order(LINES, customer_email=f"p{n}@example.com") for n in range(3)]
        for placed in paying:
            total = str(placed.grand_total)
            oms.record_payment(placed.uuid, "authorization", total, reference=f"auth-{placed.uuid}")
            url = f"/api/v1/orders/{placed.uuid}/payments"
            captures = [
                {"kind": "capture", "amount": total, "reference": f"c{n}"} for n in range(3)
            ]
            replies = _at_once(
                [
                    (node, _post(url, body, admin))
                    for node, body in zip(nodes, captures, strict=True)
                ]
            )
            assert sum(r.status_code == 201 for r in replies) == 1, [r.text for r in replies]
            assert oms.get_order(placed.uuid).amount_captured == placed.grand_total

        # 4. One Idempotency-Key sent to three nodes at once, then again to each: one order.
        keyed = {**admin, "Idempotency-Key": "node-race-1"}
        body = {"items": LINES, "customer_email": "idem@example.com"}
        first = _at_once([(node, _post("/api/v1/orders", body, keyed)) for node in nodes])
        assert all(r.status_code in (201, 409) for r in first), [r.text for r in first]
        created = [r for r in first if r.status_code == 201]
        assert created
        again = [httpx.post(f"{node}/api/v1/orders", json=body, headers=keyed) for node in nodes]
        assert all(r.status_code == 201 for r in again)
        assert all(r.json() == created[0].json() for r in [*created, *again])
        assert all(r.headers.get("Idempotent-Replayed") == "true" for r in again)

        store = Store(oms.engine)
        wait_for(lambda: _backlog(store) == 0, timeout=60, what="delivery by the relays")
    finally:
        for process in relays:
            stop(process)

    with oms.engine.connect() as conn:
        orders = conn.execute(sa.select(order.c.order_id, order.c.uuid, order.c.status)).all()
        live = conn.execute(
            sa.select(shipment.c.order_id, shipment.c.status).where(
                shipment.c.status.in_(("shipped", "delivered"))
            )
        ).all()
    shipped_orders = {row.order_id for row in live}
    canceled = {row.order_id for row in orders if row.status == "canceled"}
    assert not canceled & shipped_orders, "an order both canceled and shipped"
    assert sum(o.customer_email == "idem@example.com" for o in _all(oms)) == 1
    assert oms.get_stock("MUG").qty == STOCK - 2 * (len(orders) - len(canceled))
    for placed in shipping:
        assert len(oms.get_order(placed.uuid).shipments or ()) == 1
    assert_delivered_exactly(db_url, nats_server)


def _all(oms: ordermill.Oms) -> list[ordermill.Order]:
    return oms.get_orders_base_query().execute()

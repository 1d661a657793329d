"""Against a real `ordermill serve` (two uvicorn workers) on PostgreSQL over loopback.

Concurrent requests released together by a barrier: one order canceled by 32
clients at once, and 16 identical requests sharing one Idempotency-Key.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.tables import order, order_item

pytestmark = pytest.mark.postgres_only


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(
    db_url: str,
    log: Path,
    *,
    env: dict[str, str] | None = None,
    extra: list[str] | None = None,
    workers: int = 2,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the server; its log goes to a file (a pipe nobody reads would fill and block it)."""
    port = _free_port()
    log_file = log.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ordermill",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--database-url",
            db_url,
            *(extra or []),
        ],
        env={**os.environ, "ORDERMILL_ENV": "test", **(env or {})},
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log_file.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ordermill serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    _stop(process)
    raise RuntimeError("ordermill serve did not become ready in 30 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[str]:
    process, base = _start(db_url, tmp_path / "server.log")
    try:
        yield base
    finally:
        _stop(process)


def _together(count: int, call: Callable[[httpx.Client], httpx.Response]) -> list[httpx.Response]:
    """Run ``call`` from ``count`` threads released at the same instant."""
    barrier = threading.Barrier(count)

    def one(_: int) -> httpx.Response:
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            return call(client)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def _restocked(oms: ordermill.Oms, order_uuid: str) -> int:
    with oms.engine.connect() as c:
        return int(
            c.execute(
                sa.select(sa.func.sum(order_item.c.qty_restocked))
                .select_from(order_item.join(order, order.c.order_id == order_item.c.order_id))
                .where(order.c.uuid == order_uuid)
            ).scalar_one()
        )


def _cancel_race(
    oms: ordermill.Oms, base: str, admin: dict[str, str]
) -> tuple[list[int], int, int]:
    """32 concurrent cancels of one fresh order: (statuses, stock after, units restocked)."""
    oms.set_stock("MUG", 10)
    placed = oms.place_order(
        [{"sku": "MUG", "qty": 3, "price": "9.90"}], customer_email="race@example.com"
    )
    url = f"{base}/api/v1/orders/{placed.uuid}/cancel"
    responses = _together(32, lambda client: client.post(url, headers=admin, json={}))
    return (
        sorted(r.status_code for r in responses),
        oms.get_stock("MUG").qty,
        _restocked(oms, placed.uuid),
    )


def test_32_concurrent_cancels_cancel_once_and_restock_once(
    oms: ordermill.Oms, server: str
) -> None:
    _, secret = oms.create_token(role="admin")
    statuses, stock, restocked = _cancel_race(oms, server, {"Authorization": f"Bearer {secret}"})
    assert statuses == [200] + [409] * 31
    assert stock == 10
    assert restocked == 3


def test_the_cancel_race_is_caught_when_locks_are_off(
    oms: ordermill.Oms, db_url: str, tmp_path: Path
) -> None:
    """The twin that proves the race test can fail: with row locks switched off (test-only
    switch), some run lets two cancels through or restocks twice."""
    process, base = _start(
        db_url, tmp_path / "server.log", env={"ORDERMILL_TEST_DISABLE_LOCKS": "1"}
    )
    try:
        _, secret = oms.create_token(role="admin")
        admin = {"Authorization": f"Bearer {secret}"}
        for _ in range(10):
            statuses, stock, restocked = _cancel_race(oms, base, admin)
            if statuses.count(200) > 1 or stock != 10 or restocked != 3:
                return
        pytest.fail("10 unlocked cancel races never misbehaved: the race test proves nothing")
    finally:
        _stop(process)


def test_16_identical_requests_with_one_key_execute_once(oms: ordermill.Oms, server: str) -> None:
    _, secret = oms.create_token(role="admin")
    oms.set_stock("MUG", 100)
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "one-order-please"}
    body: dict[str, Any] = {
        "items": [{"sku": "MUG", "qty": 1, "price": "9.90"}],
        "customer_email": "once@example.com",
    }
    responses = _together(
        16, lambda client: client.post(f"{server}/api/v1/orders", headers=headers, json=body)
    )
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    created = [r for r in responses if r.status_code == 201]
    assert created, statuses
    assert len({r.json()["uuid"] for r in created}) == 1
    assert sum(1 for r in created if "idempotent-replayed" not in r.headers) <= 1
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["code"] == "idempotency_key_in_flight"
    with oms.engine.connect() as c:
        placed = c.execute(
            sa.select(sa.func.count())
            .select_from(order)
            .where(order.c.customer_email == "once@example.com")
        ).scalar_one()
    assert placed == 1
    assert oms.get_stock("MUG").qty == 99
    # Once the first has finished, a retry is a replay.
    with httpx.Client(timeout=30) as client:
        retry = client.post(f"{server}/api/v1/orders", headers=headers, json=body)
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["uuid"] == created[0].json()["uuid"]

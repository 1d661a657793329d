"""SIGTERM to a real `ordermill serve` (two uvicorn workers, PostgreSQL): new connections are
refused at once, the request in flight finishes with its answer, the process exits 0;
``--graceful-timeout`` bounds the wait.

The request in flight is a cancel waiting on the order's row lock, which the test holds
and releases when it wants the request to finish: no test-only code in the server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.engine import create_engine
from ordermill.db.tables import order

pytestmark = pytest.mark.postgres_only

LINE = [{"sku": "MUG", "qty": 1, "price": "9.90"}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(
    db_url: str, log: Path, *args: str, workers: int = 2
) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "ordermill", "serve", "--port", str(port)),
                *("--workers", str(workers), "--database-url", db_url, *args),
            ],
            env={**os.environ, "ORDERMILL_ENV": "test"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a service manager gives it
        )
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process, port
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "ordermill serve did not become ready"
        time.sleep(0.1)


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _lock_waiters(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


def _post_in_background(url: str, headers: dict[str, str]) -> Future[httpx.Response]:
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(lambda: httpx.post(url, headers=headers, json={}, timeout=60))
    pool.shutdown(wait=False)
    return future


def _stalled_cancel(
    oms: ordermill.Oms, port: int, holder: sa.Engine
) -> tuple[sa.Connection, Future[httpx.Response], Any]:
    """A cancel request stuck on the order's row lock, which the returned connection holds."""
    oms.set_stock("MUG", 5)
    placed = oms.place_order(LINE, customer_email="term@example.com")
    _, secret = oms.create_token(role="admin")
    lock = holder.connect()
    lock.begin()
    lock.execute(sa.select(order.c.order_id).where(order.c.uuid == placed.uuid).with_for_update())
    url = f"http://127.0.0.1:{port}/api/v1/orders/{placed.uuid}/cancel"
    in_flight = _post_in_background(url, {"Authorization": f"Bearer {secret}"})
    _wait_for(lambda: _lock_waiters(holder) == 1, "the cancel to wait on the row lock")
    return lock, in_flight, placed


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_refuses_new_connections_finishes_the_request_in_flight_and_exits_0(
    oms: ordermill.Oms, db_url: str, tmp_path: Path, workers: int
) -> None:
    """With several workers the supervisor closes its listening socket at once
    (``cli/serve.py``): without that, new connections would wait in its backlog."""
    log = tmp_path / "serve.log"
    process, port = _serve(db_url, log, "--graceful-timeout", "30", workers=workers)
    holder = create_engine(db_url)
    try:
        lock, in_flight, placed = _stalled_cancel(oms, port, holder)
        os.killpg(process.pid, signal.SIGTERM)  # as systemd does: the whole group
        _wait_for(lambda: _refused(port), "new connections to be refused", timeout=10)
        time.sleep(0.5)
        assert not in_flight.done()
        assert process.poll() is None  # still draining
        lock.rollback()
        lock.close()
        answered = in_flight.result(timeout=30)
        assert answered.status_code == 200, answered.text
        assert answered.json()["status"] == "canceled"
        assert process.wait(timeout=30) == 0, log.read_text()
        assert oms.get_order(placed.uuid).status == "canceled"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        holder.dispose()


def test_the_graceful_timeout_bounds_the_wait_for_a_request_that_never_ends(
    oms: ordermill.Oms, db_url: str, tmp_path: Path
) -> None:
    process, port = _serve(db_url, tmp_path / "serve.log", "--graceful-timeout", "1")
    holder = create_engine(db_url)
    try:
        lock, in_flight, placed = _stalled_cancel(oms, port, holder)
        started = time.monotonic()
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=20) == 0, (tmp_path / "serve.log").read_text()
        assert time.monotonic() - started < 8
        cut = in_flight.result(timeout=10)  # answered, never a 500 nor a half answer
        assert cut.status_code == 503, cut.text
        assert cut.headers["content-type"] == "application/problem+json"
        assert cut.headers["retry-after"] == "1"
        assert cut.json()["code"] == "shutting_down"
        assert "Traceback" not in (tmp_path / "serve.log").read_text()
        lock.rollback()
        lock.close()
        _wait_for(lambda: _lock_waiters(holder) == 0, "the cut request's backend to go")
        assert oms.get_order(placed.uuid).status == "pending"  # its transaction rolled back
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        holder.dispose()

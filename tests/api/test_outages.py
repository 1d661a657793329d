"""The database going away or stalling: a clean 503 problem with Retry-After, never a 500,
and the next requests succeed without restarting anything.

Real databases throughout: a row lock held by the test stalls a request; the test
database's backends are terminated with ``pg_terminate_backend``; a cluster of the
test's own (``tests/pgcluster.py``) is stopped and started under the app.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

import ordermill
from ordermill.db.engine import create_engine
from ordermill.db.migrate import migrate
from ordermill.db.tables import order
from tests.admin.conftest import Admin
from tests.api.conftest import bearer, make_client
from tests.pgcluster import Cluster, own_cluster

__all__ = ["own_cluster"]  # the fixture, used by name below

LINE = [{"sku": "MUG", "qty": 1, "price": "9.90"}]


def _assert_unavailable(response: httpx.Response, code: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["code"] == code
    assert body["type"] == f"urn:ordermill:problem:{code}"
    assert "Traceback" not in response.text
    assert body["problem_id"] in body["detail"]


@contextmanager
def _row_locked(engine: Engine, order_uuid: str) -> Iterator[Connection]:
    """Hold the order's row lock (SQLite: the database's write lock) until the block ends."""
    with engine.connect() as conn:
        conn.begin()  # SQLite: BEGIN IMMEDIATE (db.engine), the write lock
        conn.execute(
            sa.select(order.c.order_id).where(order.c.uuid == order_uuid).with_for_update()
        )
        try:
            yield conn
        finally:
            with suppress(sa.exc.DBAPIError):  # the test may have cut this connection too
                conn.rollback()


def _waiting_on_a_lock(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _in_background(call: Callable[[], Any]) -> Future[Any]:
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(call)
    pool.shutdown(wait=False)
    return future


def test_a_statement_past_the_timeout_is_a_503_and_the_next_request_succeeds(
    db_url: str,
) -> None:
    """With a 1 s statement timeout, a cancel blocked behind the test's lock (PostgreSQL: the
    order's row lock; SQLite: the write lock) is answered 503 in about a second, changes
    nothing, and the same worker serves the retry."""
    oms = ordermill.connect(db_url, statement_timeout=1)
    try:
        oms.set_stock("MUG", 5)
        placed = oms.place_order(LINE, customer_email="slow@example.com")
        _, secret = oms.create_token(role="admin")
        client = make_client(oms)
        url = f"/api/v1/orders/{placed.uuid}/cancel"
        holder = create_engine(db_url)
        try:
            with _row_locked(holder, placed.uuid):
                started = time.monotonic()
                refused = client.post(url, headers=bearer(secret), json={})
                took = time.monotonic() - started
        finally:
            holder.dispose()
        expected = (
            "statement_timeout"
            if oms.engine.dialect.name == "postgresql"
            else ("service_unavailable")
        )
        _assert_unavailable(refused, expected)
        assert 0.9 < took < 10, took
        assert oms.get_order(placed.uuid).status == "pending"
        assert oms.get_stock("MUG").qty == 4
        retried = client.post(url, headers=bearer(secret), json={})
        assert retried.status_code == 200, retried.text
        assert retried.json()["status"] == "canceled"
    finally:
        oms.close()


@pytest.mark.postgres_only
def test_the_statement_timeout_is_the_servers_setting_on_every_connection(db_url: str) -> None:
    oms = ordermill.connect(db_url, statement_timeout=2.5)
    try:
        with oms.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "2500ms"
    finally:
        oms.close()
    untimed = ordermill.connect(db_url)
    try:
        with untimed.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "0"
    finally:
        untimed.close()


def _terminate_backends(engine: Engine, keep: Connection) -> int:
    """pg_terminate_backend every connection to the test database but ``keep``'s."""
    keep_pid = keep.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), :keep)"
                ),
                {"keep": keep_pid},
            ).scalar_one()
        )


@pytest.mark.postgres_only
def test_requests_whose_backends_are_terminated_get_a_503_and_the_pool_recovers(
    db_url: str,
) -> None:
    oms = ordermill.connect(db_url)
    holder = create_engine(db_url)
    try:
        oms.set_stock("MUG", 5)
        placed = oms.place_order(LINE, customer_email="cut@example.com")
        _, secret = oms.create_token(role="admin")
        client = make_client(oms)
        for _ in range(3):  # several idle connections in the pool, to be cut too
            assert client.get("/api/v1/orders", headers=bearer(secret)).status_code == 200
        url = f"/api/v1/orders/{placed.uuid}/cancel"
        with _row_locked(holder, placed.uuid) as lock:
            in_flight = _in_background(lambda: client.post(url, headers=bearer(secret), json={}))
            _wait_for(lambda: _waiting_on_a_lock(holder), "the cancel to wait on the lock")
            assert _terminate_backends(holder, keep=lock) >= 1
            _assert_unavailable(in_flight.result(timeout=20), "service_unavailable")
        assert oms.get_order(placed.uuid).status == "pending"
        # The pool replaces the dead connections by itself: every next request succeeds.
        for _ in range(5):
            listed = client.get("/api/v1/orders", headers=bearer(secret))
            assert listed.status_code == 200, listed.text
        retried = client.post(url, headers=bearer(secret), json={})
        assert retried.status_code == 200, retried.text
    finally:
        holder.dispose()
        oms.close()


@pytest.mark.postgres_only
def test_a_restart_of_the_database_server_is_a_503_until_it_is_back(
    own_cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stop (fast: every backend terminated) and start the test's own cluster under a running
    app: the request in flight and those while it is down are 503 problems (the admin a
    503 page), the CLI exits 75 with a message; once it is back the same app serves again."""
    from ordermill.admin.sessions import SECRET_ENV

    monkeypatch.setenv(SECRET_ENV, "test-secret-key-for-admin-sessions")
    setup = create_engine(own_cluster.url)
    migrate(setup)
    setup.dispose()
    oms = ordermill.connect(own_cluster.url)
    holder = create_engine(own_cluster.url)
    try:
        oms.set_stock("MUG", 5)
        placed = oms.place_order(LINE, customer_email="restart@example.com")
        _, secret = oms.create_token(role="admin")
        client = make_client(oms)
        admin = Admin(client)
        admin.sign_in(secret)
        url = f"/api/v1/orders/{placed.uuid}/cancel"
        with _row_locked(holder, placed.uuid):
            in_flight = _in_background(lambda: client.post(url, headers=bearer(secret), json={}))
            _wait_for(lambda: _waiting_on_a_lock(oms.engine), "the cancel to wait on the lock")
            own_cluster.stop("fast")
            _assert_unavailable(in_flight.result(timeout=30), "service_unavailable")
        down = client.get(f"/api/v1/orders/{placed.uuid}", headers=bearer(secret))
        _assert_unavailable(down, "service_unavailable")
        page = admin.get("/admin/orders")
        assert page.status_code == 503
        assert "Database unavailable" in page.text
        assert "Traceback" not in page.text
        assert page.headers["retry-after"]
        _cli_is_unavailable(own_cluster.url)
        own_cluster.start()
        back = client.get(f"/api/v1/orders/{placed.uuid}", headers=bearer(secret))
        assert back.status_code == 200, back.text
        assert back.json()["status"] == "pending"
        assert client.post(url, headers=bearer(secret), json={}).status_code == 200
        assert admin.get("/admin/orders").status_code == 200
    finally:
        holder.dispose()
        oms.close()


def _cli_is_unavailable(url: str) -> None:
    from typer.testing import CliRunner

    from ordermill.cli import app

    result = CliRunner().invoke(app, ["orders", "list", "--database-url", url])
    assert result.exit_code == 75, result.output
    assert "The database is unavailable" in result.output
    assert "Traceback" not in result.output

"""A session opened on one uvicorn worker is honoured by the others."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

import ordermill
from tests.admin.conftest import csrf_from
from tests.admin.server import free_port


@pytest.fixture
def two_workers(backend: str, db_url: str, oms: ordermill.Oms) -> Iterator[str]:
    """``uvicorn ordermill.api:app_factory --factory --workers 2``, as ``ordermill serve``
    runs it, with the signing key in the environment."""
    if backend != "sqlite":
        pytest.skip("sessions live in the cookie, not the database: one backend is enough")
    port = free_port()
    env = {
        **os.environ,
        "ORDERMILL_DATABASE_URL": db_url,
        "ORDERMILL_SECRET_KEY": "shared-by-every-worker-0123456789",
    }
    command = [sys.executable, "-m", "uvicorn", "ordermill.api:app_factory", "--factory",
               "--workers", "2", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/admin/sign-in", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, "uvicorn exited"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_a_session_is_honoured_by_every_worker(oms: ordermill.Oms, two_workers: str) -> None:
    _, secret = oms.create_token(role="admin")
    # A new connection per request, so the requests spread over both workers.
    headers = {"Connection": "close"}
    with httpx.Client(base_url=two_workers, headers=headers) as client:
        csrf = csrf_from(client.get("/admin/sign-in").text)
        signed_in = client.post("/admin/sign-in", data={"csrf_token": csrf, "token": secret})
        assert signed_in.status_code == 303
        statuses = [client.get("/admin/orders").status_code for _ in range(20)]
    assert statuses == [200] * 20

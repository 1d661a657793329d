"""Real processes for the relay tests: a NATS server with JetStream, an HTTP receiver,
relay subprocesses, and a few helpers to make events and read what arrived."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import nats
import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.engine import create_engine
from ordermill.db.tables import event
from tests.conftest import IN_CI

NATS_SERVER = "/usr/sbin/nats-server"
os.environ.setdefault("ORDERMILL_SECRET_KEY", "test-secret-key-for-webhook-secrets")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class NatsServer:
    """``nats-server -js`` on a free port with its own store; stop and start keep both."""

    def __init__(self, store: Path) -> None:
        self.port = free_port()
        self.store = store
        self.url = f"nats://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._up, what="nats-server")

    def _up(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def messages(
        self, stream: str = "ORDERMILL"
    ) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
        """Every message of the stream in stream order: (subject, CloudEvent, headers)."""
        return asyncio.run(self._messages(stream))

    async def _messages(self, stream: str) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
        nc = await nats.connect(self.url)
        try:
            js = nc.jetstream()
            info = await js.stream_info(stream)
            found: list[tuple[str, dict[str, Any], dict[str, str]]] = []
            if info.state.messages == 0:
                return found
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                msg = await js.get_msg(stream, seq)
                found.append(
                    (msg.subject or "", json.loads(msg.data or b"{}"), dict(msg.headers or {}))
                )
            return found
        finally:
            await nc.close()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    if not shutil.which(NATS_SERVER):
        if IN_CI:
            pytest.fail(f"CI=true but {NATS_SERVER} is missing (apt-get install nats-server)")
        pytest.skip(f"{NATS_SERVER} is missing: install Debian's nats-server to run these")
    server = NatsServer(tmp_path / "nats-store")
    server.start()
    yield server
    server.stop()


class Receiver:
    """An HTTP endpoint in a thread: records every request; ``plan`` decides each answer
    ("ok", "fail" for a 500, "hang" to sleep past the client's timeout)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.plan: Callable[[int], str] = lambda n: "ok"
        self.hang_seconds = 30.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver._lock:
                    receiver.requests.append(
                        ({k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    action = receiver.plan(len(receiver.requests))
                if action == "hang":
                    time.sleep(receiver.hang_seconds)
                self.send_response(500 if action == "fail" else 200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"no" if action == "fail" else b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(body) for _, body in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def make_orders(oms: ordermill.Oms, count: int, *, cancel_every: int = 0) -> None:
    """Orders with several events each (placed, paid, sometimes canceled)."""
    oms.set_stock("MUG", 1_000_000)
    for i in range(count):
        placed = oms.place_order(
            [{"sku": "MUG", "qty": 1, "price": "10.00"}], customer_email=f"c{i}@example.com"
        )
        if cancel_every and i % cancel_every == 0:
            oms.cancel_order(placed.uuid, "test")
        else:
            oms.update_payment_status(placed.order_id, "paid")


def outbox(db_url: str) -> list[dict[str, Any]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(event).order_by(event.c.event_id)).all()
        return [dict(r._mapping) for r in rows]
    finally:
        engine.dispose()


def relay_command(db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "ordermill", "events", "relay", "--database-url", db_url, *args]


def run_relay_process(
    db_url: str, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        relay_command(db_url, *args),
        env={**os.environ, "ORDERMILL_ENV": "test", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_relay_process(
    db_url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        relay_command(db_url, "--poll-interval", "0.1", *args),
        env={**os.environ, "ORDERMILL_ENV": "test", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return err or ""

"""W1 over HTTP: a real ``ordermill serve`` process driven by an async client on loopback.

The server runs with ``--workers 2`` (one per core of the reference machine).
One asyncio process drives C concurrent connections (``aiohttp.ClientSession``),
each taking a disjoint slice of orders and making W1's four calls per order in
sequence. The client's own CPU time is reported next to the wall time: when it
approaches the wall time, the client, not the server, was the limit.

The load generator shares the 2 cores with the server, so every millisecond it
spends is taken from what is measured: aiohttp's client costs about a quarter of
httpx's per request (measured here: ~1.4 ms of CPU per W1 order against ~5.8 ms),
which is why it drives the timed runs.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import aiohttp
import httpx

from bench.harness import OrderKey, split, tracking_number

__all__ = [
    "OBSERVE_OFF",
    "OBSERVE_ON",
    "HttpResult",
    "Server",
    "create_admin_token",
    "run_http_w1",
    "serve",
]

# The observability ratio (bench.run_all's "observe" section): the same server with its
# metrics and a JSON log line per request (to a file, as a log collector would read it),
# against one with metrics off and only warnings logged.
OBSERVE_ON: tuple[str, ...] = ("--metrics", "--log-format", "json", "--log-level", "info")
OBSERVE_OFF: tuple[str, ...] = ("--no-metrics", "--log-format", "json", "--log-level", "warning")

_API = "/api/v1/orders"
_RAMP = 0.005  # seconds between opening two connections


@dataclass(frozen=True, slots=True)
class HttpResult:
    connections: int
    orders: int
    seconds: float
    client_cpu_seconds: float
    call_latencies: tuple[float, ...]  # seconds per HTTP call

    @property
    def orders_per_second(self) -> float:
        return self.orders / self.seconds


@dataclass(frozen=True, slots=True)
class Server:
    base_url: str
    token: str
    log: IO[str] | None = None

    def log_tail(self, lines: int = 20) -> str:
        """The end of the server's stderr (uvicorn's log), to explain a failure."""
        if self.log is None:
            return ""
        self.log.seek(0)
        return "\n".join(self.log.read().splitlines()[-lines:])


def _ordermill_bin() -> str:
    candidate = Path(sys.executable).with_name("ordermill")
    return str(candidate) if candidate.exists() else "ordermill"


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["ORDERMILL_DATABASE_URL"] = url
    env.pop("ORDERMILL_ENV", None)  # never run the server with test-only switches
    return env


def create_admin_token(url: str) -> str:
    """``ordermill tokens create --role admin``; the secret is on the last line of its output."""
    out = subprocess.run(
        [_ordermill_bin(), "tokens", "create", "--role", "admin", "--label", "bench"],
        env=_env(url),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if out.returncode != 0:
        raise RuntimeError(f"ordermill tokens create failed:\n{out.stdout}\n{out.stderr}")
    lines = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError("ordermill tokens create printed nothing")
    return lines[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(
    url: str,
    *,
    workers: int = 2,
    startup_timeout: float = 60.0,
    extra_args: Sequence[str] = (),
) -> Iterator[Server]:
    """Run ``ordermill serve`` on a free loopback port until the block ends (``extra_args``:
    more ``serve`` flags, e.g. ``OBSERVE_OFF``)."""
    token = create_admin_token(url)
    port = _free_port()
    # A file, not a pipe: a server that logs more than a pipe holds would block on it.
    with tempfile.TemporaryFile(mode="w+") as errors:
        proc = subprocess.Popen(
            [
                _ordermill_bin(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                *extra_args,
            ],
            env=_env(url),
            stdout=subprocess.DEVNULL,
            stderr=errors,
            text=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(proc, errors, base_url, token, startup_timeout, workers)
            yield Server(base_url=base_url, token=token, log=errors)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(
    proc: subprocess.Popen[str],
    errors: IO[str],
    base_url: str,
    token: str,
    timeout: float,
    workers: int,
) -> None:
    """Wait for /readyz, several times so every worker has most likely started, then check
    that the token is accepted."""
    deadline = time.monotonic() + timeout
    ready = 0
    with httpx.Client(base_url=base_url, timeout=5) as client:
        while ready < 4 * workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"ordermill serve was not ready within {timeout:.0f}s")
            if proc.poll() is not None:
                errors.seek(0)
                err = errors.read()[-4000:]
                raise RuntimeError(f"ordermill serve exited with {proc.returncode}:\n{err}")
            try:
                ready += client.get("/readyz").status_code == 200
            except httpx.TransportError:
                time.sleep(0.2)
        response = client.get(_API, headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 200:
            raise RuntimeError(f"GET {_API} answered {response.status_code}: {response.text}")


async def _order_calls(
    session: aiohttp.ClientSession, key: OrderKey, latencies: list[float] | None
) -> None:
    path = f"{_API}/{key.uuid}"
    calls: list[tuple[str, dict[str, object]]] = [
        (f"{path}/payment-status", {"status": "paid"}),
        (f"{path}/shipments", {"carrier": "UPS", "tracking_number": tracking_number(key.order_id)}),
        (f"{path}/shipment-status", {"status": "delivered"}),
        (f"{path}/activities", {"message": "delivered", "customer_notified": True}),
    ]
    clock = time.monotonic
    for url, body in calls:
        before = clock()
        async with session.post(url, json=body) as response:
            text = await response.read()
            if latencies is not None:
                latencies.append(clock() - before)
            if response.status >= 300:
                raise RuntimeError(f"POST {url} answered {response.status}: {text!r}")


async def _drive(
    server: Server, slices: Sequence[Sequence[OrderKey]], warmups: Sequence[Sequence[OrderKey]]
) -> HttpResult:
    connections = len(slices)
    # uvicorn closes a connection idle for 5 s: the client lets idle ones go first, or a
    # request sent on a connection the server is closing fails.
    connector = aiohttp.TCPConnector(limit=connections, keepalive_timeout=2.0)
    async with aiohttp.ClientSession(
        base_url=server.base_url,
        headers={"Authorization": f"Bearer {server.token}"},
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=60),
    ) as session:

        async def run(
            keys: Sequence[OrderKey], latencies: list[float] | None, delay: float = 0.0
        ) -> None:
            await asyncio.sleep(delay)
            for key in keys:
                await _order_calls(session, key, latencies)

        # Connections opened one at a time: uvicorn's workers share one listening socket
        # and asyncio accepts every pending connection at once, so a burst of connects
        # lands on one worker and leaves the other idle for the whole run.
        await asyncio.gather(*(run(w, None, i * _RAMP) for i, w in enumerate(warmups)))
        latencies: list[list[float]] = [[] for _ in slices]
        cpu_before, started = time.process_time(), time.monotonic()
        await asyncio.gather(*(run(s, lat) for s, lat in zip(slices, latencies, strict=True)))
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu_before
    return HttpResult(
        connections=connections,
        orders=sum(len(s) for s in slices),
        seconds=seconds,
        client_cpu_seconds=cpu,
        call_latencies=tuple(x for lat in latencies for x in lat),
    )


def run_http_w1(
    server: Server, keys: Sequence[OrderKey], warmup: Sequence[OrderKey], connections: int
) -> HttpResult:
    """W1 on ``keys`` with ``connections`` concurrent connections, after an untimed warm-up."""
    # On a thread of its own: the caller's thread may already run an event loop (pytest
    # with Playwright's sync API does), and asyncio.run refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as runner:
        return runner.submit(
            asyncio.run, _drive(server, split(keys, connections), split(warmup, connections))
        ).result()

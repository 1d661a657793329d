"""Prometheus metrics of the service and the relay (prometheus-client).

One process (``create_app`` in a test, ``uvicorn`` by hand) keeps its metrics in
memory. ``ordermill serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` to a fresh folder
before its workers (and ``--relay``'s relay) start, so every process writes its
values there and a scrape of any of them, or of ``--metrics-bind``, shows ONE view:
counters and histograms summed over the processes, pool gauges summed over the live
ones. (prometheus-client picks its mode when first imported: the variable must be
set before that, which ``serve`` does.)

At scrape time, with one cheap query per destination, the outbox backlog and the age
of its oldest undelivered event (``db.relay.statuses``, what ``events status``
shows). The pool gauges are sampled every second by a thread of each process.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from ordermill.db.relay import statuses
from ordermill.db.tables import utcnow
from ordermill.ops.metrics_dir import MULTIPROC_ENV

__all__ = [
    "CONTENT_TYPE_LATEST",
    "DELIVERIES",
    "DELIVERY_FAILURES",
    "MULTIPROC_ENV",
    "REQUEST_SECONDS",
    "SERVICE_CALLS",
    "SERVICE_REFUSALS",
    "PoolSampler",
    "render",
]


REQUEST_SECONDS = Histogram(
    "ordermill_http_request_duration_seconds",
    "Time to answer a request, by operation (OpenAPI operation id) and status",
    ["operation", "method", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SERVICE_CALLS = Counter(
    "ordermill_service_calls",
    "Service calls through the REST service, by operation and outcome (ok, refused, error)",
    ["operation", "outcome"],
)
SERVICE_REFUSALS = Counter(
    "ordermill_service_refusals",
    "Refused calls (4xx problems) by operation and stable error code",
    ["operation", "code"],
)
POOL_IN_USE = Gauge(
    "ordermill_db_pool_in_use",
    "Database connections checked out of the pool",
    ["database"],
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    "ordermill_db_pool_waiting",
    "Threads waiting for a database connection from the pool",
    ["database"],
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "ordermill_db_pool_size",
    "Connections the pool keeps (pool_size, summed over processes)",
    ["database"],
    multiprocess_mode="livesum",
)
DELIVERIES = Counter(
    "ordermill_event_deliveries",
    "Outbox events delivered, by destination (nats, webhook:<id>, subscriber:<name>)",
    ["destination"],
)
DELIVERY_FAILURES = Counter(
    "ordermill_event_delivery_failures",
    "Failed delivery attempts of a batch, by destination",
    ["destination"],
)


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


class PoolSampler:
    """Copies the pool's counts into the gauges every ``interval`` seconds (a daemon
    thread), and on demand before a scrape."""

    def __init__(self, engines: dict[str, Engine], interval: float = 1.0) -> None:
        self.engines = engines
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> None:
        for name, engine in self.engines.items():
            pool: Any = engine.pool
            in_use = pool.checkedout() if hasattr(pool, "checkedout") else 0
            queue = getattr(pool, "_pool", None)
            # QueuePool's queue keeps its waiting threads on a Condition (no public count).
            waiters = getattr(getattr(queue, "not_empty", None), "_waiters", ())
            POOL_IN_USE.labels(name).set(in_use)
            POOL_WAITING.labels(name).set(len(waiters))
            POOL_SIZE.labels(name).set(pool.size() if hasattr(pool, "size") else 0)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="pool-sampler", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while True:
            try:
                self.sample()
            except Exception:  # a disposed engine at shutdown: nothing to sample
                return
            if self._stop.wait(self.interval):
                return


class _Outbox(Collector):
    """The outbox backlog per destination, read when scraped."""

    def __init__(self, engine: Engine | None) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        backlog = GaugeMetricFamily(
            "ordermill_outbox_backlog",
            "Committed events not yet delivered, per destination",
            labels=["destination"],
        )
        age = GaugeMetricFamily(
            "ordermill_outbox_oldest_undelivered_age_seconds",
            "Age of the oldest event not yet delivered, per destination (0 when none)",
            labels=["destination"],
        )
        if self.engine is not None:
            now = utcnow()
            for status in statuses(self.engine):
                backlog.add_metric([status.destination], status.backlog)
                oldest = status.oldest_undelivered_at
                seconds = 0.0 if oldest is None else (now - oldest).total_seconds()
                age.add_metric([status.destination], max(seconds, 0.0))
        yield backlog
        yield age


class _Joined(Collector):
    def __init__(self, collectors: Iterable[Collector]) -> None:
        self.collectors = list(collectors)

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def render(outbox: Engine | None, sampler: PoolSampler | None = None) -> bytes:
    """The exposition text: this process's metrics, or every process's (multi-process
    mode), and the outbox backlog read from ``outbox`` now."""
    if sampler is not None:
        sampler.sample()
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess():
        from prometheus_client.multiprocess import MultiProcessCollector

        base = CollectorRegistry()
        MultiProcessCollector(base)  # type: ignore[no-untyped-call]
        registry.register(_Joined([base, _Outbox(outbox)]))
    else:
        registry.register(_Joined([REGISTRY, _Outbox(outbox)]))
    return generate_latest(registry)


def serve_apart(host: str, port: int, outbox: Engine | None) -> Any:
    """Serve /metrics on ``host:port`` from a thread (``--metrics-bind``); returns the
    server (``shutdown()`` stops it)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            body = render(outbox)
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE_LATEST)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            del format, args  # scrapes are not worth a log line each

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def elapsed(started: float) -> float:
    return time.perf_counter() - started

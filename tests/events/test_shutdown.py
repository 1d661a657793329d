"""SIGTERM to `ordermill events relay`: it exits 0 at once, abandoning the batch in flight,
and a restart delivers every event to a real NATS JetStream exactly once (by id)."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import time

import ordermill
from ordermill.events.store import Store
from tests.events.conftest import (
    NatsServer,
    make_orders,
    outbox,
    start_relay_process,
    wait_for,
)
from tests.events.test_nats import assert_delivered_exactly, relay_once


def _stream(server: NatsServer) -> list[object]:
    try:
        return list(server.messages())
    except Exception:  # no stream yet
        return []


def _grew(server: NatsServer, before: int) -> bool:
    return len(_stream(server)) > before


def _backlog(store: Store) -> int:
    return next((s.backlog for s in store.status() if s.destination == "nats"), -1)


def _terminate(process: subprocess.Popen[str]) -> tuple[int, float]:
    """SIGTERM; the exit code and how long the relay took to stop."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        raise AssertionError(f"the relay did not stop on SIGTERM: {err}") from None
    assert "Traceback" not in (err or ""), err
    return process.returncode, time.monotonic() - started


def test_sigterm_while_acks_are_pending_moves_no_cursor_and_loses_nothing(
    oms: ordermill.Oms, db_url: str, nats_server: NatsServer
) -> None:
    """NATS frozen (SIGSTOP) while the relay waits for the acks of a batch: SIGTERM stops
    the relay with exit 0 and the cursor where it was (it moves only after the acks);
    the batch goes again after the restart, and the stream holds each event once."""
    store = Store(oms.engine)
    make_orders(oms, 5)
    process = start_relay_process(db_url, "--nats", nats_server.url)
    assert nats_server.process is not None
    try:
        wait_for(lambda: _backlog(store) == 0, what="the first delivery")
        os.kill(nats_server.process.pid, signal.SIGSTOP)
        try:
            make_orders(oms, 10)
            pending = _backlog(store)
            assert pending > 0
            time.sleep(1.0)  # the relay has read the batch and published it: acks pending
            code, took = _terminate(process)
            assert code == 0
            assert took < 10
            assert _backlog(store) == pending  # not one event counted as delivered
        finally:
            os.kill(nats_server.process.pid, signal.SIGCONT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    relay_once(db_url, nats_server.url)
    assert _backlog(store) == 0
    assert_delivered_exactly(db_url, nats_server)


def test_sigterm_at_any_moment_of_a_busy_relay_exits_0_and_loses_nothing(
    oms: ordermill.Oms, db_url: str, nats_server: NatsServer
) -> None:
    """SIGTERM at different moments of a relay delivering while orders keep coming (once it
    runs: a SIGTERM while Python is still importing ends it the default way, -15)."""
    for delay in (0.0, 0.1, 0.3, 0.6):
        make_orders(oms, 50)
        before = len(nats_server.messages()) if delay else 0
        process = start_relay_process(db_url, "--nats", nats_server.url)
        wait_for(functools.partial(_grew, nats_server, before), what="the relay to deliver")
        time.sleep(delay)
        make_orders(oms, 10)
        code, _ = _terminate(process)
        assert code == 0
    relay_once(db_url, nats_server.url)
    assert_delivered_exactly(db_url, nats_server)
    assert len(nats_server.messages()) == len(outbox(db_url))

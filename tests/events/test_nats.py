"""The relay to a real NATS JetStream: nothing lost, nothing doubled, across crashes and
outages; rolled-back events never leave; late commits are never skipped."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections import defaultdict

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.engine import create_engine
from ordermill.events.relay import RelaySettings
from ordermill.events.runner import RelayOptions, run_relay
from ordermill.events.store import Store
from tests.events.conftest import (
    NatsServer,
    make_orders,
    outbox,
    run_relay_process,
    start_relay_process,
    stop,
    wait_for,
)


def relay_once(db_url: str, nats_url: str) -> None:
    engine = create_engine(db_url)
    try:
        options = RelayOptions(nats_url=nats_url, settings=RelaySettings(once=True))
        relay = asyncio.run(run_relay(engine, options))
        assert not relay.failed
    finally:
        engine.dispose()


def assert_delivered_exactly(db_url: str, server: NatsServer) -> None:
    """The stream holds every outbox event once, with its id, type and order kept."""
    rows = outbox(db_url)
    messages = server.messages()
    ids = [m[1]["id"] for m in messages]
    assert sorted(ids) == sorted(str(r["event_uuid"]) for r in rows), "lost or doubled events"
    for subject, document, headers in messages:
        assert subject == document["type"]
        assert headers["Nats-Msg-Id"] == document["id"]
    by_uuid = {str(r["event_uuid"]): r for r in rows}
    per_order: dict[object, list[int]] = defaultdict(list)
    for _, document, _ in messages:
        row = by_uuid[document["id"]]
        per_order[row["order_id"]].append(row["event_id"])
    for order_id, event_ids in per_order.items():
        assert event_ids == sorted(event_ids), f"order {order_id} out of order"


def test_relay_delivers_every_event_once(
    oms: ordermill.Oms, db_url: str, nats_server: NatsServer
) -> None:
    make_orders(oms, 20, cancel_every=3)
    relay_once(db_url, nats_server.url)
    assert_delivered_exactly(db_url, nats_server)
    make_orders(oms, 5)
    relay_once(db_url, nats_server.url)  # only the new ones: the cursor moved
    assert_delivered_exactly(db_url, nats_server)
    status = {s.destination: s for s in Store(oms.engine).status()}
    assert status["nats"].backlog == 0


def _crash_after_first_batch(db_url: str, server: NatsServer, env: dict[str, str]) -> None:
    crashed = run_relay_process(
        db_url,
        "--once",
        "--nats",
        server.url,
        env={"ORDERMILL_TEST_RELAY_CRASH_AFTER_BATCHES": "1", **env},
    )
    assert crashed.returncode == -9, crashed.stderr  # killed -9 between the acks and the cursor
    again = run_relay_process(db_url, "--once", "--nats", server.url, env=env)
    assert again.returncode == 0, again.stderr


def test_kill_9_between_acks_and_cursor_loses_nothing(
    oms: ordermill.Oms, db_url: str, nats_server: NatsServer
) -> None:
    make_orders(oms, 30)
    _crash_after_first_batch(db_url, nats_server, {})
    assert_delivered_exactly(db_url, nats_server)  # republished, dropped by Nats-Msg-Id


def test_the_crash_test_catches_a_relay_that_moves_the_cursor_first(
    oms: ordermill.Oms, db_url: str, nats_server: NatsServer
) -> None:
    """The deliberately broken order (cursor, then publish) loses the batch: the check
    above must see it, or it proves nothing."""
    make_orders(oms, 10)
    _crash_after_first_batch(db_url, nats_server, {"ORDERMILL_TEST_RELAY_ADVANCE_FIRST": "1"})
    with pytest.raises(AssertionError, match="lost or doubled"):
        assert_delivered_exactly(db_url, nats_server)


def test_kill_9_at_any_moment_of_a_busy_relay_loses_nothing(
    oms: ordermill.Oms, db_url: str, nats_server: NatsServer
) -> None:
    make_orders(oms, 300)
    for delay in (0.3, 0.6, 0.9):
        process = start_relay_process(db_url, "--nats", nats_server.url)
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        make_orders(oms, 20)
    relay_once(db_url, nats_server.url)
    assert_delivered_exactly(db_url, nats_server)


def test_nats_outage_grows_only_its_backlog_then_drains(
    oms: ordermill.Oms, db_url: str, nats_server: NatsServer
) -> None:
    process = start_relay_process(db_url, "--nats", nats_server.url)
    try:
        make_orders(oms, 5)
        store = Store(oms.engine)
        wait_for(lambda: _backlog(store) == 0, what="first delivery")
        nats_server.stop()
        make_orders(oms, 5)
        wait_for(lambda: _last_error(store) is not None, what="the outage to be recorded")
        assert _backlog(store) > 0
        nats_server.start()
        wait_for(lambda: _backlog(store) == 0, timeout=60, what="the backlog to drain")
    finally:
        stop(process)
    assert_delivered_exactly(db_url, nats_server)


def _backlog(store: Store) -> int:
    return (
        sum(s.backlog for s in store.status() if s.destination == "nats") if store.status() else -1
    )


def _last_error(store: Store) -> str | None:
    return next((s.last_error for s in store.status() if s.destination == "nats"), None)


def test_rolled_back_events_are_never_delivered(
    oms: ordermill.Oms, db_url: str, nats_server: NatsServer
) -> None:
    make_orders(oms, 1)
    order = oms.list_orders() if hasattr(oms, "list_orders") else None
    del order
    with pytest.raises(RuntimeError), oms.transaction() as conn:
        placed = oms.place_order(
            [{"sku": "MUG", "qty": 1, "price": "1.00"}],
            customer_email="gone@example.com",
            conn=conn,
        )
        assert placed.order_id
        raise RuntimeError("roll back")
    relay_once(db_url, nats_server.url)
    assert all(
        m[1]["data"].get("customer_email") != "gone@example.com" for m in nats_server.messages()
    )
    assert_delivered_exactly(db_url, nats_server)


@pytest.mark.postgres_only
def test_an_event_that_commits_late_is_not_skipped(
    oms: ordermill.Oms, db_url: str, nats_server: NatsServer
) -> None:
    """A takes the lower event id but commits after B, while the relay runs."""
    make_orders(oms, 1)
    engine = create_engine(db_url)
    process = start_relay_process(db_url, "--nats", nats_server.url)
    try:
        with engine.connect() as late:
            tx = late.begin()
            late.execute(
                sa.text(
                    "INSERT INTO event (name, payload, created_at)"
                    " VALUES ('order_noted', '{}', now())"
                )
            )
            make_orders(oms, 1)  # B: higher ids, committed first
            wait_for(lambda: len(_stream(nats_server)) >= 3, what="the events before A")
            tx.commit()
        wait_for(lambda: len(_stream(nats_server)) == len(outbox(db_url)), what="A's event")
    finally:
        stop(process)
        engine.dispose()
    assert_delivered_exactly(db_url, nats_server)


@pytest.mark.postgres_only
def test_events_held_back_by_another_database_go_out_when_it_ends(
    oms: ordermill.Oms, db_url: str, nats_server: NatsServer
) -> None:
    """The horizon is server-wide: a transaction of another database holds it back, and
    its end fires no NOTIFY. The relay still delivers soon after, not at its next poll."""
    make_orders(oms, 1)
    other = create_engine(sa.make_url(db_url).set(database="postgres"))
    process = start_relay_process(db_url, "--nats", nats_server.url, "--poll-interval", "60")
    try:
        wait_for(lambda: len(_stream(nats_server)) == len(outbox(db_url)), what="the first order")
        with other.connect() as holder:
            holder.execute(sa.text("SELECT txid_current()"))  # takes a transaction id
            make_orders(oms, 1)  # committed above the horizon: NOTIFY, nothing to read
            time.sleep(0.5)
            assert len(_stream(nats_server)) < len(outbox(db_url))
            holder.commit()
        wait_for(
            lambda: len(_stream(nats_server)) == len(outbox(db_url)),
            timeout=5,
            what="the events once the other database's transaction ended",
        )
    finally:
        stop(process)
        other.dispose()
    assert_delivered_exactly(db_url, nats_server)


def _stream(server: NatsServer) -> list[object]:
    try:
        return list(server.messages())
    except Exception:
        return []


@pytest.mark.postgres_only
def test_two_relays_at_once_keep_order_and_lose_nothing(
    oms: ordermill.Oms, db_url: str, nats_server: NatsServer
) -> None:
    relays = [start_relay_process(db_url, "--nats", nats_server.url) for _ in range(2)]
    try:
        make_orders(oms, 100, cancel_every=2)
        relays[0].kill()  # the holder or the standby: either way the other carries on
        make_orders(oms, 50, cancel_every=2)
        store = Store(oms.engine)
        wait_for(lambda: _backlog(store) == 0, timeout=60, what="delivery")
    finally:
        for process in relays:
            stop(process)
    assert_delivered_exactly(db_url, nats_server)
    assert json.dumps(nats_server.messages()[0][1])  # plain JSON CloudEvents

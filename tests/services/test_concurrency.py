"""Races on one order (PostgreSQL, real threads), and the proof that each test can fail.

Every race starts its threads together at a barrier and is repeated. Each has a
twin that runs it with the order row lock switched off (``ORDERMILL_TEST_DISABLE_LOCKS``)
and a pause after the (no longer) locking read (``ORDERMILL_TEST_PAUSE_AFTER_LOCK``),
so that the racers all read the same state before any of them writes: that twin
must see a violation, or the race test would be too weak to catch a missing lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.locks import lock_switches
from ordermill.db.tables import order_item, shipment, shipment_item
from tests.services.shop import activities, events, place, stock, stock_up

pytestmark = pytest.mark.postgres_only

REPETITIONS = 20
BROKEN_REPETITIONS = 5
PAUSE = "0.05"
PLENTY = {"MUG": 1000, "TEA": 1000, "EBOOK": 1000}


@pytest.fixture
def wide_oms(db_url: str) -> Iterator[ordermill.Oms]:
    """An Oms with a connection for each of 32 racing threads, opened beforehand."""
    oms = ordermill.connect(db_url, pool_size=33, max_overflow=0)
    warm = [oms.engine.connect() for _ in range(33)]
    for conn in warm:
        conn.exec_driver_sql("SELECT 1")
        conn.close()
    stock_up(oms, PLENTY)
    yield oms
    oms.close()


@pytest.fixture
def locks_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lock_switches(), "disable_locks", True)
    monkeypatch.setattr(lock_switches(), "pause_after_lock", float(PAUSE))


def together(calls: list[Callable[[], object]]) -> list[str]:
    """Run the calls in threads released at once: "ok" or the exception's class name each."""
    barrier = threading.Barrier(len(calls))
    outcomes = [""] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            calls[index]()
            outcomes[index] = "ok"
        except Exception as exc:  # every other outcome is what the tests look for
            outcomes[index] = type(exc).__name__

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


# -- 32 cancels of one order -------------------------------------------------------------


def _cancel_race(oms: ordermill.Oms) -> list[str]:
    """One repetition; returns the violations seen (none when the order is safe)."""
    order = place(oms)
    before = stock(oms)
    outcomes = together([lambda: oms.cancel_order(order.uuid, "race")] * 32)
    after = stock(oms)
    problems = []
    counted = Counter(outcomes)
    if counted != {"ok": 1, "OrderNotCancelable": 31}:
        problems.append(f"outcomes {dict(counted)}")
    restored = {sku: after[sku] - before[sku] for sku in after}
    if restored != {"MUG": 2, "TEA": 1, "EBOOK": 1}:
        problems.append(f"stock restored {restored}")
    if events(oms, order.order_id).count("ordermill.order.canceled") != 1:
        problems.append("ordermill.order.canceled events != 1")
    if [m for m, _ in activities(oms, order.order_id)].count("Order canceled (race)") != 1:
        problems.append("cancel activities != 1")
    return problems


def test_32_cancels_of_one_order_succeed_once_and_restock_once(wide_oms: ordermill.Oms) -> None:
    for repetition in range(REPETITIONS):
        assert _cancel_race(wide_oms) == [], f"repetition {repetition}"
    assert stock(wide_oms) == PLENTY


def test_the_cancel_race_is_caught_without_the_row_lock(
    wide_oms: ordermill.Oms, locks_off: None
) -> None:
    seen = [_cancel_race(wide_oms) for _ in range(BROKEN_REPETITIONS)]
    print("violations without the lock:", seen)
    assert any(seen), "32 unlocked cancels went unnoticed: the race test is too weak"


# -- 16 shipments of everything that is left -------------------------------------------


def _shipped_units(oms: ordermill.Oms, order_id: int) -> dict[int, tuple[int, int]]:
    """order_item_id -> (ordered, in live shipments)."""
    live = (
        sa.select(sa.func.coalesce(sa.func.sum(shipment_item.c.qty), 0))
        .select_from(shipment_item.join(shipment))
        .where(
            shipment_item.c.order_item_id == order_item.c.order_item_id,
            shipment.c.status != "canceled",
        )
        .scalar_subquery()
    )
    with oms.engine.connect() as c:
        found = c.execute(
            sa.select(order_item.c.order_item_id, order_item.c.qty, live).where(
                order_item.c.order_id == order_id, order_item.c.requires_shipping.is_(True)
            )
        )
        return {r[0]: (r[1], r[2]) for r in found}


def _shipment_race(oms: ordermill.Oms) -> list[str]:
    order = place(oms)
    oms.update_payment_status(order.order_id, "paid")
    outcomes = together([lambda: oms.create_shipment(order.uuid, "UPS", None)] * 16)
    problems = []
    counted = Counter(outcomes)
    if counted != {"ok": 1, "ShipmentAlreadyExists": 15}:
        problems.append(f"outcomes {dict(counted)}")
    over = {
        i: units for i, units in _shipped_units(oms, order.order_id).items() if units[1] > units[0]
    }
    if over:
        problems.append(f"shipped more than ordered: {over}")
    if len(oms.list_shipments(order.order_id)) != 1:
        problems.append("shipments != 1")
    return problems


def test_16_shipments_of_everything_left_create_one(wide_oms: ordermill.Oms) -> None:
    for repetition in range(REPETITIONS):
        assert _shipment_race(wide_oms) == [], f"repetition {repetition}"


def test_the_shipment_race_is_caught_without_the_row_lock(
    wide_oms: ordermill.Oms, locks_off: None
) -> None:
    seen = [_shipment_race(wide_oms) for _ in range(BROKEN_REPETITIONS)]
    print("violations without the lock:", seen)
    assert any(seen), "16 unlocked shipments went unnoticed: the race test is too weak"


# -- a payment webhook racing a cancel -------------------------------------------------


def _observed(oms: ordermill.Oms, order_id: int) -> tuple[Any, ...]:
    """What the two serial orders are compared on: no ids, no times."""
    full = oms.get_order(order_id)
    return (
        (full.payment_status, full.shipment_status, full.status),
        tuple((i.sku, i.qty_restocked) for i in full.items or ()),
        tuple(events(oms, order_id)),
        tuple(activities(oms, order_id)),
    )


def _pay(oms: ordermill.Oms, order: ordermill.Order) -> None:
    oms.update_payment_status(order.order_id, "paid")


def _cancel(oms: ordermill.Oms, order: ordermill.Order) -> None:
    oms.cancel_order(order.uuid, "Customer changed their mind")


def _serial_outcomes(oms: ordermill.Oms) -> list[tuple[Any, ...]]:
    outcomes = []
    for first, second in ((_pay, _cancel), (_cancel, _pay)):
        order = place(oms)
        for step in (first, second):
            with contextlib.suppress(ordermill.OmsError):
                step(oms, order)
        outcomes.append(_observed(oms, order.order_id))
    return outcomes


def _payment_cancel_race(oms: ordermill.Oms, serial: list[tuple[Any, ...]]) -> list[str]:
    order = place(oms)
    together([lambda: _pay(oms, order), lambda: _cancel(oms, order)])
    final = _observed(oms, order.order_id)
    return [] if final in serial else [f"not a serial outcome: {final}"]


def test_a_payment_racing_a_cancel_ends_as_one_of_the_serial_orders(
    wide_oms: ordermill.Oms,
) -> None:
    serial = _serial_outcomes(wide_oms)
    assert serial[0] != serial[1]
    for repetition in range(REPETITIONS):
        assert _payment_cancel_race(wide_oms, serial) == [], f"repetition {repetition}"


def test_the_payment_cancel_race_is_caught_without_the_row_lock(
    wide_oms: ordermill.Oms, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _serial_outcomes(wide_oms)
    monkeypatch.setattr(lock_switches(), "disable_locks", True)
    monkeypatch.setattr(lock_switches(), "pause_after_lock", float(PAUSE))
    seen = [_payment_cancel_race(wide_oms, serial) for _ in range(BROKEN_REPETITIONS)]
    print("violations without the lock:", seen)
    assert any(seen), "an unlocked payment/cancel race went unnoticed: the test is too weak"


# -- 16 refunds of one captured order ----------------------------------------------------


def _refund_race(oms: ordermill.Oms) -> list[str]:
    """16 refunds of 10.00 against 100.00 captured: exactly 10 may succeed."""
    order = oms.place_order([{"sku": "CARD", "qty": 1, "price": "100.00"}], customer_email="r@x.io")
    oms.record_payment(order.uuid, "sale", "100.00")
    outcomes = together([lambda: oms.record_payment(order.uuid, "refund", "10.00")] * 16)
    found = oms.get_order(order.uuid)
    rows = [p for p in oms.list_payments(order.uuid) if p.kind == "refund"]
    violations = []
    if Counter(outcomes) != Counter({"ok": 10, "InvalidPaymentAmount": 6}):
        violations.append(f"outcomes {dict(Counter(outcomes))}")
    if sum(p.amount for p in rows) > found.amount_captured:
        violations.append(f"refunded {sum(p.amount for p in rows)} of {found.amount_captured}")
    if found.amount_refunded != sum(p.amount for p in rows):
        violations.append(f"total {found.amount_refunded} is not the rows' sum")
    return violations


def test_concurrent_refunds_never_refund_more_than_was_captured(
    wide_oms: ordermill.Oms,
) -> None:
    for _ in range(REPETITIONS // 4):
        assert _refund_race(wide_oms) == []


def test_concurrent_refunds_break_without_the_order_lock(
    wide_oms: ordermill.Oms, locks_off: None
) -> None:
    seen = [v for _ in range(BROKEN_REPETITIONS) for v in _refund_race(wide_oms)]
    assert seen, "16 refunds without the order lock should over-refund"

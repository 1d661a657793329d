"""Races on one order's returns (PostgreSQL, real threads), and the proof that each can
fail: concurrent requests never ask back more units than were delivered, concurrent
receipts never receive (nor restock) more than a return asked for. Each race has a
twin with the order row lock switched off that must see a violation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

import ordermill
from tests.services.shop import item_ids, place, stock, stock_up
from tests.services.test_concurrency import PLENTY, together

pytestmark = pytest.mark.postgres_only

REPETITIONS = 10
BROKEN_REPETITIONS = 5


@pytest.fixture
def wide_oms(db_url: str) -> Iterator[ordermill.Oms]:
    """An Oms with a connection for each of 16 racing threads, opened beforehand."""
    oms = ordermill.connect(db_url, pool_size=17, max_overflow=0)
    warm = [oms.engine.connect() for _ in range(17)]
    for conn in warm:
        conn.exec_driver_sql("SELECT 1")
        conn.close()
    stock_up(oms, PLENTY)
    yield oms
    oms.close()


@pytest.fixture
def locks_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from ordermill.db.locks import lock_switches

    monkeypatch.setattr(lock_switches(), "disable_locks", True)
    monkeypatch.setattr(lock_switches(), "pause_after_lock", 0.2)


def _request_race(oms: ordermill.Oms) -> list[str]:
    """16 requests of one mug each for a line of 2 delivered mugs."""
    order = place(oms)
    oms.update_shipment_status(order.uuid, "delivered")
    mug = item_ids(oms, order)["MUG"]
    ask = [{"order_item_id": mug, "qty": 1}]
    outcomes = together([lambda: oms.request_return(order.uuid, ask)] * 16)
    problems = []
    counted = Counter(outcomes)
    if counted != {"ok": 2, "ReturnExceedsDelivered": 14}:
        problems.append(f"outcomes {dict(counted)}")
    returned = {i.sku: i.qty_returned for i in oms.get_order(order.uuid).items or ()}
    if returned["MUG"] != 2:
        problems.append(f"{returned['MUG']} mugs in returns of 2 delivered")
    return problems


def test_concurrent_requests_never_exceed_the_delivered_units(wide_oms: ordermill.Oms) -> None:
    for repetition in range(REPETITIONS):
        assert _request_race(wide_oms) == [], f"repetition {repetition}"


def test_the_request_race_is_caught_without_the_row_lock(
    wide_oms: ordermill.Oms, locks_off: None
) -> None:
    seen = [_request_race(wide_oms) for _ in range(BROKEN_REPETITIONS)]
    print("violations without the lock:", seen)
    assert any(seen), "16 unlocked requests went unnoticed: the race test is too weak"


def _receipt_race(oms: ordermill.Oms) -> list[str]:
    """8 receipts of one mug each, back to stock, for a return of 2 mugs."""
    order = place(oms)
    oms.update_shipment_status(order.uuid, "delivered")
    mug = item_ids(oms, order)["MUG"]
    asked = oms.request_return(order.uuid, [{"order_item_id": mug, "qty": 2}])
    oms.approve_return(asked.uuid)
    before = stock(oms)["MUG"]
    got = [{"order_item_id": mug, "qty": 1, "condition": "unopened", "restock": True}]
    outcomes = together([lambda: oms.receive_return(asked.uuid, got)] * 8)
    problems = []
    counted = Counter(outcomes)
    if counted != {"ok": 2, "ReturnReceiptExceeded": 6}:
        problems.append(f"outcomes {dict(counted)}")
    if stock(oms)["MUG"] - before != 2:
        problems.append(f"{stock(oms)['MUG'] - before} mugs back in stock of 2 returned")
    return problems


def test_concurrent_receipts_never_exceed_the_return(wide_oms: ordermill.Oms) -> None:
    for repetition in range(REPETITIONS):
        assert _receipt_race(wide_oms) == [], f"repetition {repetition}"


def test_the_receipt_race_is_caught_without_the_row_lock(
    wide_oms: ordermill.Oms, locks_off: None
) -> None:
    seen = [_receipt_race(wide_oms) for _ in range(BROKEN_REPETITIONS)]
    print("violations without the lock:", seen)
    assert any(seen), "8 unlocked receipts went unnoticed: the race test is too weak"

"""16 refunds of one order at once (PostgreSQL, real threads): never more money back than
was captured, never more units of a line than it has, restocked once; and the proof, with
the order row lock switched off, that the test catches a missing lock."""

# The race fixtures (wide_oms, locks_off) are imported from test_concurrency.py.
# ruff: noqa: F811

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.refund_tables import refund
from ordermill.db.tables import order_item
from tests.services.shop import stock
from tests.services.test_concurrency import (  # noqa: F401
    BROKEN_REPETITIONS,
    locks_off,
    together,
    wide_oms,
)

pytestmark = pytest.mark.postgres_only

REPETITIONS = 10
CAPTURED = Decimal("160.00")


def _refund_race(oms: ordermill.Oms) -> list[str]:
    """One repetition: 8 refunds of 3 units (restocked) and 8 of 20.00 on an order of 16
    units at 10.00, paid in full. Returns the violations seen."""
    order = oms.place_order(
        [{"sku": "MUG", "qty": 16, "price": "10.00"}], customer_email="ada@example.com"
    )
    oms.record_payment(order.uuid, "sale", CAPTURED)
    item = (order.items or ())[0].order_item_id
    before = stock(oms)["MUG"]
    units = [{"order_item_id": item, "qty": 3, "restock": True}]
    calls: list[Callable[[], object]] = [
        lambda: oms.refund(order.uuid, lines=units, reason="damaged")
    ] * 8
    calls += [lambda: oms.refund(order.uuid, amount="20.00", reason="other")] * 8
    outcomes = together(calls)
    problems = []
    counted = Counter(outcomes)
    if set(counted) - {"ok", "RefundQtyExceedsRefundable", "RefundExceedsBalance"}:
        problems.append(f"outcomes {dict(counted)}")
    with oms.engine.connect() as c:
        refunded = c.execute(
            sa.select(sa.func.coalesce(sa.func.sum(refund.c.amount), 0)).where(
                refund.c.order_id == order.order_id
            )
        ).scalar_one()
        qty_refunded = c.execute(
            sa.select(order_item.c.qty_refunded).where(order_item.c.order_item_id == item)
        ).scalar_one()
    found = oms.get_order(order.uuid)
    if refunded > CAPTURED or found.amount_refunded > CAPTURED:
        problems.append(f"refunded {refunded} (ledger {found.amount_refunded}) > {CAPTURED}")
    if refunded != found.amount_refunded:
        problems.append(f"refunds {refunded} != ledger {found.amount_refunded}")
    if qty_refunded > 16:
        problems.append(f"{qty_refunded} units refunded of 16")
    if stock(oms)["MUG"] - before != qty_refunded:
        problems.append(f"restocked {stock(oms)['MUG'] - before}, refunded {qty_refunded}")
    if len(oms.list_refunds(order.uuid)) != counted["ok"]:
        problems.append("refund records != successes")
    return problems


def test_16_refunds_at_once_never_refund_more_than_captured(wide_oms: ordermill.Oms) -> None:
    for repetition in range(REPETITIONS):
        assert _refund_race(wide_oms) == [], f"repetition {repetition}"


def test_the_refund_race_is_caught_without_the_row_lock(
    wide_oms: ordermill.Oms,
    locks_off: None,
) -> None:
    seen = [_refund_race(wide_oms) for _ in range(BROKEN_REPETITIONS)]
    print("violations without the lock:", seen)
    assert any(seen), "16 unlocked refunds went unnoticed: the race test is too weak"

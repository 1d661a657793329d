"""The refund amounts, as properties: any order (quantities, prices, discount, tax,
shipping) refunded in any partial steps gives back exactly its grand total, never a
negative step, never more than was captured."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ordermill
from ordermill.domain.refunds import RefundBasis, RefundLineState, allocation, units_amount
from tests.services.shop import item_ids

CENT = Decimal("0.01")
_money = st.integers(min_value=0, max_value=99_999).map(lambda c: Decimal(c) * CENT)


@st.composite
def orders(draw: st.DrawFn) -> dict[str, Any]:
    lines = draw(
        st.lists(st.tuples(st.integers(min_value=1, max_value=7), _money), min_size=1, max_size=4)
    )
    tax, shipping = draw(_money), draw(_money)
    most = sum((q * p for q, p in lines), Decimal(0)) + tax + shipping
    discount = draw(st.integers(min_value=0, max_value=int(most / CENT))) * CENT
    return {"lines": lines, "tax": tax, "shipping": shipping, "discount": discount}


def _basis(order: dict[str, Any]) -> RefundBasis:
    lines = {
        n + 1: RefundLineState(n + 1, f"SKU-{n}", qty, qty * price, 0, 0)
        for n, (qty, price) in enumerate(order["lines"])
    }
    sub_total = sum((line.line_total for line in lines.values()), Decimal(0))
    return RefundBasis(
        currency="USD",
        grand_total=sub_total + order["tax"] + order["shipping"] - order["discount"],
        shipping_fee=order["shipping"],
        tax_amount=order["tax"],
        discount_amount=order["discount"],
        lines=lines,
        shipping_refunded=Decimal(0),
    )


@settings(max_examples=400, deadline=None)
@given(order=orders(), seed=st.integers(min_value=0, max_value=2**32))
def test_any_partial_steps_give_back_exactly_the_grand_total(
    order: dict[str, Any], seed: int
) -> None:
    basis = _basis(order)
    parts, shipping = allocation(basis)
    assert shipping >= 0 and all(part >= 0 for part in parts.values())
    assert sum(parts.values()) + shipping == basis.grand_total
    rng = random.Random(seed)
    total = Decimal(0)
    for item, line in basis.lines.items():
        done = 0
        while done < line.qty:
            step = rng.randint(1, line.qty - done)
            amount = units_amount(parts[item], line.qty, done + step, "USD") - units_amount(
                parts[item], line.qty, done, "USD"
            )
            assert amount >= 0
            total += amount
            done += step
    assert total + shipping == basis.grand_total


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(order=orders(), seed=st.integers(min_value=0, max_value=2**32))
def test_refunding_a_placed_order_in_random_steps_gives_back_its_total(
    oms: ordermill.Oms, order: dict[str, Any], seed: int
) -> None:
    placed = oms.place_order(
        [{"sku": f"SKU-{n}", "qty": q, "price": p} for n, (q, p) in enumerate(order["lines"])],
        customer_email="ada@example.com",
        tax_amount=order["tax"],
        shipping_fee=order["shipping"],
        discount_amount=order["discount"],
    )
    if placed.grand_total == 0:
        return
    oms.record_payment(placed.uuid, "sale", placed.grand_total)
    ids = sorted(item_ids(oms, placed).values())
    left = dict(zip(ids, (q for q, _ in order["lines"]), strict=True))
    rng = random.Random(seed)
    shipping_left = True
    net_paid = placed.grand_total
    while net_paid > 0:  # some units or shipping are still worth something
        asked = [
            {"order_item_id": i, "qty": rng.randint(1, left[i])}
            for i in ids
            if left[i] and rng.random() < 0.5
        ]
        with_shipping = shipping_left and rng.random() < 0.3
        if not asked and not with_shipping:
            continue
        found = oms.get_order(placed.uuid)
        try:
            oms.refund(
                placed.uuid,
                lines=asked or None,
                shipping="all" if with_shipping else None,
                reason="other",
            )
        except ordermill.InvalidRefund:  # units and shipping worth 0 here: refused
            assert found == oms.get_order(placed.uuid)
            continue
        for line in asked:
            left[line["order_item_id"]] -= line["qty"]
        shipping_left = shipping_left and not with_shipping
        after = oms.get_order(placed.uuid)
        assert Decimal(0) <= after.net_paid < net_paid <= after.amount_captured
        net_paid = after.net_paid
    final = oms.get_order(placed.uuid)
    refunded = sum((r.amount for r in oms.list_refunds(placed.uuid)), Decimal(0))
    assert (final.amount_refunded, refunded, final.net_paid) == (
        placed.grand_total, placed.grand_total, Decimal(0),
    )  # fmt: skip

"""A stateful test of the money services: any sequence of payments, refunds, shipments,
cancels and cancel-and-refunds keeps the ledger and the stock invariants.

- captured - refunded == net paid >= 0, and net paid + open authorization never exceed
  the grand total;
- the refunds' amounts are part of the ledger's refunded total;
- no line is refunded or restocked beyond its quantity;
- stock is conserved: the stock of a managed SKU at the start of the sequence plus the
  units orders held then == its stock now + the units orders hold (ordered - restocked).
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

import ordermill
from ordermill.db.refund_tables import refund
from ordermill.db.tables import order_item
from tests.services.shop import stock

START = {"MUG": 40, "TEA": 40}  # CARD has no stock row: unmanaged
PRICES = {"MUG": "9.90", "TEA": "4.35", "CARD": "1.00"}


def _held(oms: ordermill.Oms) -> dict[str, int]:
    """Units of each managed SKU that orders hold (ordered - restocked)."""
    held = dict.fromkeys(START, 0)
    with oms.engine.connect() as c:
        lines = c.execute(sa.select(order_item.c.sku, order_item.c.qty, order_item.c.qty_restocked))
        for sku, qty, restocked in lines:
            if sku in held:
                held[sku] += qty - restocked
    return held


def test_no_sequence_of_money_services_breaks_the_invariants(  # noqa: C901 (the rules)
    oms: ordermill.Oms,
) -> None:
    class MoneyMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.orders: list[str] = []
            # Each example starts with fresh stock; the orders of earlier ones stay.
            for sku, qty in START.items():
                oms.set_stock(sku, qty)
            self.start = {sku: START[sku] + held for sku, held in _held(oms).items()}

        def _pick(self, n: int) -> str | None:
            return self.orders[n % len(self.orders)] if self.orders else None

        @rule(
            lines=st.lists(
                st.tuples(st.sampled_from(sorted(PRICES)), st.integers(1, 3)),
                min_size=1, max_size=3, unique_by=lambda x: x[0],
            ),
            tax=st.sampled_from(["0", "1.23"]),
            shipping=st.sampled_from(["0", "4.99"]),
            discount=st.sampled_from(["0", "0.50"]),
        )  # fmt: skip
        def place(
            self, lines: list[tuple[str, int]], tax: str, shipping: str, discount: str
        ) -> None:
            try:
                placed = oms.place_order(
                    [{"sku": s, "qty": q, "price": PRICES[s]} for s, q in lines],
                    customer_email="m@example.com",
                    tax_amount=tax, shipping_fee=shipping, discount_amount=discount,
                )  # fmt: skip
            except ordermill.InsufficientStock:
                return
            self.orders.append(placed.uuid)

        @rule(
            n=st.integers(0, 50),
            kind=st.sampled_from(["sale", "authorization", "capture", "void", "refund"]),
            cents=st.integers(1, 4000),
        )
        def record_payment(self, n: int, kind: str, cents: int) -> None:
            uuid = self._pick(n)
            if uuid is not None:
                self._try(lambda: oms.record_payment(uuid, kind, Decimal(cents) / 100))

        @rule(
            n=st.integers(0, 50),
            qty=st.integers(1, 3),
            restock=st.booleans(),
            shipping=st.sampled_from([None, "all", "1.00"]),
            amount=st.sampled_from([None, "0.50", "5.00"]),
            line=st.integers(0, 2),
        )
        def refund(
            self, n: int, qty: int, restock: bool, shipping: Any, amount: Any, line: int
        ) -> None:
            uuid = self._pick(n)
            if uuid is None:
                return
            items = oms.get_order(uuid).items or ()
            item = items[line % len(items)].order_item_id
            asked = [{"order_item_id": item, "qty": qty, "restock": restock}]
            self._try(lambda: oms.refund(uuid, lines=asked, shipping=shipping, amount=amount,
                                         reason="other"))  # fmt: skip

        @rule(n=st.integers(0, 50))
        def pay_in_full(self, n: int) -> None:
            uuid = self._pick(n)
            if uuid is not None:
                due = oms.get_order(uuid).balance_due.quantize(Decimal("0.01"))
                self._try(lambda: oms.record_payment(uuid, "sale", due))

        @rule(n=st.integers(0, 50))
        def ship(self, n: int) -> None:
            uuid = self._pick(n)
            if uuid is not None:
                self._try(lambda: oms.create_shipment(uuid))

        @rule(n=st.integers(0, 50), both=st.booleans())
        def cancel(self, n: int, both: bool) -> None:
            uuid = self._pick(n)
            if uuid is not None:
                call = oms.cancel_and_refund if both else oms.cancel_order
                self._try(lambda: call(uuid, "model"))

        def _try(self, call: Any) -> None:
            # A refusal is typed (an OmsError); anything else escapes and fails the test.
            with contextlib.suppress(ordermill.OmsError):
                call()

        @invariant()
        def ledger_and_stock_hold(self) -> None:
            with oms.engine.connect() as c:
                refunds = dict(
                    c.execute(
                        sa.select(refund.c.order_id, sa.func.sum(refund.c.amount)).group_by(
                            refund.c.order_id
                        )
                    ).all()
                )
                lines = c.execute(
                    sa.select(order_item.c.qty, order_item.c.qty_restocked,
                              order_item.c.qty_refunded)
                ).all()  # fmt: skip
            for uuid in self.orders:
                o = oms.get_order(uuid)
                assert o.amount_captured - o.amount_refunded == o.net_paid >= 0
                open_authorization = o.amount_authorized - o.amount_captured - o.amount_voided
                assert o.net_paid + open_authorization <= o.grand_total
                assert refunds.get(o.order_id, Decimal(0)) <= o.amount_refunded
            for qty, restocked, refunded in lines:
                assert 0 <= restocked <= qty and 0 <= refunded <= qty
            now, held = stock(oms), _held(oms)
            assert {sku: now[sku] + held[sku] for sku in START} == self.start

    MoneyMachine.TestCase.settings = settings(
        max_examples=40,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    run_state_machine_as_test(MoneyMachine, settings=MoneyMachine.TestCase.settings)

"""The payment ledger: each kind, each refusal (data unchanged), the payment status
following the ledger, a provider's retried reference, and the invariants under any
sequence of operations."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ordermill
from ordermill.errors import (
    InvalidPayment,
    InvalidPaymentAmount,
    OrderNotFound,
    PaymentReferenceConflict,
)
from tests.services.shop import activities, event_payloads, events, history, place, statuses

# The standard order (tests/services/shop.py) costs 32.30 USD.
TOTAL = Decimal("32.30")


def cents(*amounts: Decimal) -> str:
    """Amounts as "1.00 2.50 ...", to compare with one expected string."""
    return " ".join(str(a.quantize(Decimal("0.01"))) for a in amounts)


def totals(oms: ordermill.Oms, order: ordermill.Order) -> str:
    """authorized captured voided refunded net-paid balance-due, read back."""
    found = oms.get_order(order.uuid)
    return cents(
        found.amount_authorized,
        found.amount_captured,
        found.amount_voided,
        found.amount_refunded,
        found.net_paid,
        found.balance_due,
    )


def test_a_new_order_owes_its_grand_total(oms: ordermill.Oms) -> None:
    order = place(oms)
    assert order.grand_total == TOTAL
    assert cents(order.net_paid, order.balance_due) == "0.00 32.30"
    assert totals(oms, order) == "0.00 0.00 0.00 0.00 0.00 32.30"
    assert oms.list_payments(order.uuid) == []


def test_each_kind_moves_its_total(oms: ordermill.Oms) -> None:
    order = place(oms)
    recorded = oms.record_payment(order.uuid, "authorization", "30.00", gateway="stripe")
    assert (recorded.kind, recorded.status) == ("authorization", "succeeded")
    assert recorded.amount == Decimal(30)
    assert (recorded.currency, recorded.gateway, recorded.actor.ref) == ("USD", "stripe", "system")
    assert totals(oms, order) == "30.00 0.00 0.00 0.00 0.00 32.30"
    oms.record_payment(order.order_number, "capture", "20.00")
    assert totals(oms, order) == "30.00 20.00 0.00 0.00 20.00 12.30"
    oms.record_payment(order.order_id, "void", "10.00")
    assert totals(oms, order) == "30.00 20.00 10.00 0.00 20.00 12.30"
    oms.record_payment(order.uuid, "sale", 12)
    assert totals(oms, order) == "42.00 32.00 10.00 0.00 32.00 0.30"
    oms.record_payment(order.uuid, "refund", Decimal("2.5"))
    assert totals(oms, order) == "42.00 32.00 10.00 2.50 29.50 2.80"
    assert [(p.kind, cents(p.amount)) for p in oms.list_payments(order.uuid)] == [
        ("authorization", "30.00"),
        ("capture", "20.00"),
        ("void", "10.00"),
        ("sale", "12.00"),
        ("refund", "2.50"),
    ]


def test_the_status_follows_the_ledger_through_a_sequence(oms: ordermill.Oms) -> None:
    order = place(oms)
    steps = [
        ("authorization", "32.30", ("pending", "pending", "pending")),
        ("capture", "10.00", ("partially_paid", "pending", "pending")),
        ("capture", "22.30", ("paid", "pending", "processing")),
        ("refund", "5.00", ("partially_refunded", "pending", "processing")),
        ("refund", "27.30", ("refunded", "pending", "closed")),
    ]
    for kind, amount, expected in steps:
        oms.record_payment(order.uuid, kind, amount)
        assert statuses(oms.get_order(order.uuid)) == expected, (kind, amount)
    assert [h for h in history(oms, order.order_id)[3:] if h[0] == "payment"] == [
        ("payment", "pending", "partially_paid"),
        ("payment", "partially_paid", "paid"),
        ("payment", "paid", "partially_refunded"),
        ("payment", "partially_refunded", "refunded"),
    ]
    assert [m for m, _ in activities(oms, order.order_id)][1:] == [
        "Authorized 32.30 USD",
        "Captured 10.00 USD",
        "Captured 22.30 USD",
        "Refunded 5.00 USD",
        "Refunded 27.30 USD",
    ]
    assert events(oms, order.order_id).count("ordermill.order.payment_recorded") == 5
    last = event_payloads(oms, order.order_id, "ordermill.order.payment_recorded")[-1]
    assert last["kind"] == "refund" and last["amount"] == "27.30" and last["currency"] == "USD"


def test_a_failed_capture_records_the_attempt_without_moving_money(oms: ordermill.Oms) -> None:
    order = place(oms)
    failed = oms.record_payment(
        order.uuid, "capture", "99.00", status="failed", reference="ch_x", gateway="stripe"
    )
    assert failed.status == "failed"
    assert totals(oms, order) == "0.00 0.00 0.00 0.00 0.00 32.30"
    assert statuses(oms.get_order(order.uuid)) == ("failed", "pending", "pending")
    assert activities(oms, order.order_id)[-1] == (
        "Capture of 99.00 USD failed (stripe, ref ch_x)",
        False,
    )
    # A later sale pays the order: the failed attempt does not count.
    oms.record_payment(order.uuid, "sale", "32.30")
    assert statuses(oms.get_order(order.uuid)) == ("paid", "pending", "processing")


def test_a_provider_reference_is_recorded_once(oms: ordermill.Oms, db_snapshot: Any) -> None:
    order = place(oms)
    first = oms.record_payment(order.uuid, "sale", "10.00", reference="ch_1", gateway="stripe")
    before = db_snapshot(oms.engine)
    again = oms.record_payment(order.uuid, "sale", "10", reference="ch_1", gateway="stripe")
    assert again == first
    assert db_snapshot(oms.engine) == before
    # The same reference at another gateway is another payment.
    oms.record_payment(order.uuid, "sale", "10.00", reference="ch_1", gateway="adyen")
    assert len(oms.list_payments(order.uuid)) == 2


@pytest.mark.parametrize(
    ("kind", "amount", "status", "where"),
    [
        ("refund", "10.00", "succeeded", "kind"),
        ("sale", "11.00", "succeeded", "amount"),
        ("sale", "10.00", "failed", "status"),
        ("sale", "10.00", "succeeded", "order"),
    ],
)
def test_a_reference_reused_for_another_payment_is_a_conflict(
    oms: ordermill.Oms, db_snapshot: Any, kind: str, amount: str, status: str, where: str
) -> None:
    order = place(oms)
    other = place(oms)
    oms.record_payment(order.uuid, "sale", "10.00", reference="ch_1", gateway="stripe")
    target = other if where == "order" else order
    before = db_snapshot(oms.engine)
    with pytest.raises(PaymentReferenceConflict) as caught:
        oms.record_payment(
            target.uuid, kind, amount, status=status, reference="ch_1", gateway="stripe"
        )
    assert caught.value.code == "payment_reference_conflict"
    assert "'ch_1'" in str(caught.value) and "sale of 10.0000 USD" in str(caught.value)
    assert db_snapshot(oms.engine) == before


@pytest.mark.parametrize(
    ("setup", "kind", "amount", "allowed"),
    [
        ([], "capture", "1.00", "0.00"),  # nothing authorized
        ([("authorization", "10.00")], "capture", "10.01", "10.00"),
        ([("authorization", "10.00"), ("capture", "4.00")], "void", "6.01", "6.00"),
        ([], "void", "0.01", "0.00"),
        ([], "refund", "0.01", "0.00"),
        ([("sale", "10.00"), ("refund", "3.00")], "refund", "7.01", "7.00"),
        ([], "sale", "32.31", "32.30"),  # beyond the grand total
        ([("authorization", "30.00")], "sale", "2.31", "2.30"),
        ([("sale", "32.30")], "authorization", "0.01", "0.00"),
    ],
)
def test_an_amount_beyond_what_the_kind_allows_is_refused(
    oms: ordermill.Oms,
    db_snapshot: Any,
    setup: list[tuple[str, str]],
    kind: str,
    amount: str,
    allowed: str,
) -> None:
    order = place(oms)
    for done_kind, done_amount in setup:
        oms.record_payment(order.uuid, done_kind, done_amount)
    before = db_snapshot(oms.engine)
    with pytest.raises(InvalidPaymentAmount) as caught:
        oms.record_payment(order.uuid, kind, amount)
    assert caught.value.code == "invalid_payment_amount"
    assert caught.value.details["allowed"] == allowed
    assert f"a {kind} of {amount} USD is more than" in str(caught.value)
    assert str(caught.value).endswith(f"{allowed} USD")
    assert db_snapshot(oms.engine) == before


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (1.5, "is a float"),
        ("1.234", "more than 2 decimal places"),
        ("0", "must be more than 0"),
        ("-1", "must be more than 0"),
        ("abc", "is not a decimal amount"),
        ("NaN", "is not a decimal amount"),
        (True, "is not a decimal amount"),
        ("123456789", "is too large"),
    ],
)
def test_an_amount_that_is_not_money_is_refused(
    oms: ordermill.Oms, db_snapshot: Any, amount: object, reason: str
) -> None:
    order = place(oms)
    before = db_snapshot(oms.engine)
    with pytest.raises(InvalidPaymentAmount, match=reason):
        oms.record_payment(order.uuid, "sale", amount)  # type: ignore[arg-type]
    assert db_snapshot(oms.engine) == before


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"kind": "chargeback"}, "kind"),
        ({"status": "pending"}, "status"),
        ({"reference": "x" * 256}, "reference"),
        ({"gateway": "bad\x00"}, "gateway"),
        ({"note": 7}, "note"),
    ],
)
def test_a_bad_kind_status_or_text_is_refused(
    oms: ordermill.Oms, db_snapshot: Any, arguments: dict[str, Any], field: str
) -> None:
    order = place(oms)
    before = db_snapshot(oms.engine)
    call: dict[str, Any] = {"kind": "sale", "amount": "1.00", **arguments}
    with pytest.raises(InvalidPayment) as caught:
        oms.record_payment(order.uuid, call.pop("kind"), call.pop("amount"), **call)
    assert caught.value.details["field"] == field
    assert db_snapshot(oms.engine) == before


def test_an_unknown_order_is_not_found(oms: ordermill.Oms) -> None:
    with pytest.raises(OrderNotFound):
        oms.record_payment("99999", "sale", "1.00")
    with pytest.raises(OrderNotFound):
        oms.list_payments("99999")


def test_a_configuration_without_the_ledger_statuses_keeps_its_statuses(db_url: str) -> None:
    from tests.services.shop import stock_up

    evershop = ordermill.connect(db_url, config="tests/fixtures/evershop_2_2.json")
    try:
        stock_up(evershop)
        order = place(evershop)
        evershop.record_payment(order.uuid, "sale", "10.00")  # no partially_paid: stays pending
        assert evershop.get_order(order.uuid).payment_status == "pending"
        evershop.record_payment(order.uuid, "sale", "22.30")
        assert evershop.get_order(order.uuid).payment_status == "paid"
        evershop.record_payment(order.uuid, "refund", "32.30")  # no refunded: stays paid
        found = evershop.get_order(order.uuid)
        assert (found.payment_status, cents(found.net_paid)) == ("paid", "0.00")
    finally:
        evershop.close()


def test_update_payment_status_keeps_its_meaning_without_a_ledger(oms: ordermill.Oms) -> None:
    order = place(oms)
    updated = oms.update_payment_status(order.uuid, "paid")
    assert statuses(updated) == ("paid", "pending", "processing")
    assert cents(updated.amount_captured, updated.balance_due) == "0.00 32.30"


def test_services_has_the_ledger(default_oms: ordermill.Oms) -> None:
    from ordermill import services

    order = place(default_oms)
    services.record_payment(order.uuid, "sale", "1.00")
    assert [cents(p.amount) for p in services.list_payments(order.uuid)] == ["1.00"]


# -- any sequence keeps the invariants -----------------------------------------------

_OPERATION = st.tuples(
    st.sampled_from(["authorization", "capture", "sale", "void", "refund"]),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("40"), places=2),
    st.sampled_from(["succeeded", "succeeded", "succeeded", "failed"]),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(_OPERATION, min_size=1, max_size=12))
def test_no_sequence_breaks_the_ledger(
    oms: ordermill.Oms, operations: list[tuple[str, Decimal, str]]
) -> None:
    order = place(oms, [{"sku": "CARD", "qty": 1, "price": "32.30"}])  # unmanaged: never short
    for kind, amount, status in operations:
        with contextlib.suppress(InvalidPaymentAmount):  # a refusal changes nothing
            oms.record_payment(order.uuid, kind, amount, status=status)
        found = oms.get_order(order.uuid)
        rows = [p for p in oms.list_payments(order.uuid) if p.status == "succeeded"]

        def total(*kinds: str, rows: list[ordermill.Payment] = rows) -> Decimal:
            return sum((p.amount for p in rows if p.kind in kinds), Decimal(0))

        assert found.amount_refunded <= found.amount_captured
        assert found.amount_captured <= total("authorization", "sale")
        assert found.amount_captured + found.amount_voided <= found.amount_authorized
        assert found.net_paid == total("capture", "sale") - total("refund")
        assert found.amount_authorized == total("authorization", "sale")
        assert found.amount_voided == total("void")
        assert 0 <= found.net_paid <= found.grand_total

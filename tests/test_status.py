"""Pure status rules: resolution, transitions, cancelability, rollup and display."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordermill.domain.config import Config
from ordermill.domain.errors import ConfigError, InvalidInput, InvalidStatus, StatusTransitionError
from ordermill.domain.status import (
    ROLLUP_WORDS,
    LineShipping,
    can_cancel_order,
    check_order_transition,
    display,
    is_cancelable,
    payment_status_choices,
    resolution_table,
    resolve_order_status,
    rollup_shipment_status,
)

FIXTURES = Path(__file__).parent / "fixtures"
DEFAULT = Config.default()
EVERSHOP_2_2 = Config.from_file(FIXTURES / "evershop_2_2.json")

SHIPMENT_COLUMNS = (
    "pending",
    "processing",
    "shipped",
    "delivered",
    "canceled",
    "partially_shipped",
    "partially_delivered",
    "partially_canceled",
)
PEN, PRO, SHI, COM, CAN, CLO = "pending", "processing", "shipped", "completed", "canceled", "closed"
# Rows: payment status. Columns: SHIPMENT_COLUMNS (configured statuses, then rollup words).
# fmt: off
DEFAULT_TABLE = {
    #            pending processing shipped delivered canceled p_shipped p_delivered p_canceled
    "pending":  (PEN,    PEN,       PEN,    PEN,      CAN,     PEN,      PEN,        PEN),
    "partially_paid":
                (PEN,    PEN,       PEN,    PEN,      CAN,     PEN,      PEN,        PEN),
    "paid":     (PRO,    PRO,       SHI,    COM,      CAN,     PRO,      SHI,        PRO),
    "failed":   (PEN,    PEN,       PEN,    PEN,      CAN,     PEN,      PEN,        PEN),
    "partially_refunded":
                (PRO,    PRO,       SHI,    COM,      CAN,     PRO,      SHI,        PRO),
    "refunded": (CLO,    CLO,       CLO,    CLO,      CAN,     CLO,      CLO,        CLO),
    "canceled": (CAN,    CAN,       CAN,    CAN,      CAN,     CAN,      CAN,        CAN),
}
# fmt: on
DEFAULT_ROWS = [
    (payment, shipment, order)
    for payment, row in DEFAULT_TABLE.items()
    for shipment, order in zip(SHIPMENT_COLUMNS, row, strict=True)
]


def test_rollup_words() -> None:
    assert ROLLUP_WORDS == (
        "pending",
        "partially_shipped",
        "partially_delivered",
        "partially_canceled",
    )


# -- resolution ----------------------------------------------------------------------------


@pytest.mark.parametrize(("payment", "shipment", "expected"), DEFAULT_ROWS)
def test_default_resolution(payment: str, shipment: str, expected: str) -> None:
    assert resolve_order_status(DEFAULT, payment, shipment) == expected


def test_resolution_table_is_the_whole_default_table_in_order() -> None:
    assert resolution_table(DEFAULT) == DEFAULT_ROWS


@pytest.mark.parametrize(
    ("payment", "shipment", "expected"),
    [
        # The precedence p:s, *:s, p:*, *:*, as EverShop 2.2's mapping shows it.
        ("paid", "shipped", "processing"),  # exact key
        ("canceled", "partially_canceled", "processing"),  # *:s beats p:*
        ("paid", "canceled", "processing"),  # *:s
        ("canceled", "shipped", "canceled"),  # p:*
        ("canceled", "canceled", "canceled"),  # exact key beats *:s
        ("pending", "pending", "new"),  # pending is a rollup word, not configured
        ("pending", "delivered", "processing"),
        ("paid", "partially_shipped", "processing"),
        ("paid", "partially_delivered", "processing"),
        ("paid", "pending", "processing"),
        ("paid", "delivered", "completed"),
        ("paid", "partially_canceled", "processing"),
        ("canceled", "pending", "canceled"),
    ],
)
def test_evershop_2_2_precedence(payment: str, shipment: str, expected: str) -> None:
    assert resolve_order_status(EVERSHOP_2_2, payment, shipment) == expected


def test_unknown_payment_status_is_named_with_the_allowed_ones() -> None:
    with pytest.raises(InvalidStatus) as caught:
        resolve_order_status(DEFAULT, "foo", "pending")
    assert str(caught.value) == (
        "Invalid payment status 'foo'; allowed: pending, partially_paid, paid, failed,"
        " partially_refunded, refunded, canceled"
    )
    assert caught.value.details["value"] == "foo"


def test_unknown_shipment_status_is_named_with_the_allowed_ones() -> None:
    with pytest.raises(InvalidStatus) as caught:
        resolve_order_status(EVERSHOP_2_2, "paid", "totally_made_up_status")
    assert str(caught.value) == (
        "Invalid shipment status 'totally_made_up_status'; allowed: shipped, delivered, "
        "canceled, pending, partially_shipped, partially_delivered, partially_canceled"
    )


def test_a_pair_without_mapping_is_named() -> None:
    # Validation refuses such a configuration; only an unvalidated one can reach this.
    bare = Config.model_construct(
        payment_statuses=DEFAULT.payment_statuses,
        shipment_statuses=DEFAULT.shipment_statuses,
        order_statuses=DEFAULT.order_statuses,
        pso_mapping={},
        restock_after_cancellation=True,
    )
    with pytest.raises(InvalidStatus, match="payment status 'paid' with shipment status 'shipped'"):
        resolve_order_status(bare, "paid", "shipped")


# -- order status transitions ----------------------------------------------------------------


def test_revert_is_refused() -> None:
    with pytest.raises(StatusTransitionError) as caught:
        check_order_transition(DEFAULT, "shipped", "processing")
    assert str(caught.value) == "Can not revert the status of the order from shipped to processing"
    assert caught.value.details == {"from_status": "shipped", "to_status": "processing"}


@pytest.mark.parametrize(("terminal", "new"), [("canceled", "closed"), ("closed", "pending")])
def test_a_terminal_status_is_never_left(terminal: str, new: str) -> None:
    with pytest.raises(StatusTransitionError, match=f"^Order is already {terminal}$") as caught:
        check_order_transition(DEFAULT, terminal, new)
    assert caught.value.details == {"from_status": terminal, "to_status": new}


@pytest.mark.parametrize("status", ["pending", "shipped", "canceled", "closed"])
def test_same_status_is_a_no_op(status: str) -> None:
    assert check_order_transition(DEFAULT, status, status) is False


@pytest.mark.parametrize(
    ("current", "new"),
    [("pending", "completed"), ("processing", "shipped"), ("completed", "canceled")],
)
def test_forward_moves_and_jumps_are_allowed(current: str, new: str) -> None:
    assert check_order_transition(DEFAULT, current, new) is True


@pytest.mark.parametrize("current", [None, "new", "legacy_status"])
def test_unknown_current_status_never_blocks(current: str | None) -> None:
    assert check_order_transition(DEFAULT, current, "pending") is True


def test_unknown_new_status_is_refused() -> None:
    with pytest.raises(InvalidStatus, match="Invalid order status 'done'; allowed: pending,"):
        check_order_transition(DEFAULT, "pending", "done")


# -- cancelability ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payment", "shipment", "expected"),
    [
        ("pending", "pending", True),
        ("pending", "processing", True),
        ("pending", "shipped", False),
        ("pending", "delivered", False),
        ("pending", "canceled", False),
        ("pending", "partially_shipped", False),
        ("pending", "partially_delivered", False),
        ("pending", "partially_canceled", True),
        ("failed", "pending", True),
        ("paid", "pending", False),
        ("refunded", "pending", False),
        ("canceled", "pending", False),
        ("pending", "made_up", False),
        ("made_up", "pending", False),
    ],
)
def test_default_cancelability(payment: str, shipment: str, expected: bool) -> None:
    assert is_cancelable(DEFAULT, payment, shipment) is expected


def evershop_2_2_with(**delivered: Any) -> Config:
    data = json.loads((FIXTURES / "evershop_2_2.json").read_text())
    data["oms"]["order"]["shipmentStatus"]["delivered"].update(delivered)
    return Config.from_dict(data)


@pytest.mark.parametrize(
    ("payment", "shipment", "expected"),
    [
        # EverShop's cancelOrderValidate cases. 2.2 keeps the flags in shipmentRollupCancelable,
        # which ordermill reads from the statuses: delivered is marked not cancelable here.
        ("pending", "partially_shipped", True),
        ("pending", "partially_delivered", False),  # EverShop says True: a delivered part stays
        ("pending", "delivered", False),
        ("pending", "canceled", True),
        ("pending", "partially_canceled", True),
        ("paid", "pending", False),
        ("pending", "shipped", True),
        ("pending", "totally_made_up_rollup", False),  # EverShop says True; see is_cancelable
    ],
)
def test_evershop_cancel_validation_cases(payment: str, shipment: str, expected: bool) -> None:
    config = evershop_2_2_with(isCancelable=False)
    assert is_cancelable(config, payment, shipment) is expected


def test_partial_rollups_follow_the_flag_of_the_full_status() -> None:
    config = Config.from_dict(
        {
            "oms": {
                "order": {
                    "shipmentStatus": {
                        "pending": {"name": "Pending"},
                        "shipped": {"name": "Shipped", "isCancelable": True},
                        "delivered": {"name": "Delivered", "isCancelable": False},
                        "canceled": {"name": "Canceled", "isCancelable": False},
                    }
                }
            }
        }
    )
    assert is_cancelable(config, "pending", "partially_shipped") is True
    assert is_cancelable(config, "pending", "partially_delivered") is False
    assert is_cancelable(config, "pending", "partially_canceled") is True


def test_the_statuses_the_services_write_are_required() -> None:
    with pytest.raises(ConfigError) as caught:
        Config.from_dict({"oms": {"order": {"shipmentStatus": {"pending": {"name": "Pending"}}}}})
    assert caught.value.problems == [
        "oms.order.shipmentStatus: the status 'shipped' is required (a new shipment has it)",
        "oms.order.shipmentStatus: the status 'delivered' is required (mark_delivered sets it)",
        "oms.order.shipmentStatus: the status 'canceled' is required"
        " (cancel_shipment and cancel_order set it)",
    ]


# -- shipment rollup -------------------------------------------------------------------------


def line(ordered: int, shipped: int = 0, delivered: int = 0, canceled: int = 0) -> LineShipping:
    return LineShipping(ordered, shipped, delivered, canceled)


@pytest.mark.parametrize(
    ("lines", "order_canceled", "expected"),
    [
        ([line(2, delivered=2)], True, "canceled"),
        ([], True, "canceled"),
        ([], False, None),
        ([line(2, delivered=2), line(1, delivered=1)], False, "delivered"),
        ([line(2, delivered=1, shipped=1)], False, "partially_delivered"),
        ([line(2, delivered=2), line(1)], False, "partially_delivered"),
        ([line(2, shipped=2), line(1, shipped=1)], False, "shipped"),
        ([line(2, shipped=1, delivered=0), line(3)], False, "partially_shipped"),
        ([line(2, canceled=2), line(3, canceled=3)], False, "partially_canceled"),
        ([line(2, canceled=2), line(1)], False, "partially_canceled"),
        ([line(5, shipped=5, canceled=5)], False, "shipped"),  # canceled, then shipped again
        ([line(2)], False, "pending"),
    ],
)
def test_rollup(lines: list[LineShipping], order_canceled: bool, expected: str | None) -> None:
    assert rollup_shipment_status(iter(lines), order_canceled=order_canceled) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ordered": 0}, "ordered must be at least 1, got 0"),
        ({"ordered": 2, "canceled": -1}, "canceled must not be negative, got -1"),
        ({"ordered": 2, "shipped": 2, "delivered": 1}, r"shipped \+ delivered \(2 \+ 1\)"),
    ],
)
def test_line_shipping_refuses_impossible_quantities(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        LineShipping(**kwargs)


@st.composite
def shipping_lines(draw: st.DrawFn) -> LineShipping:
    ordered = draw(st.integers(min_value=1, max_value=6))
    delivered = draw(st.integers(min_value=0, max_value=ordered))
    shipped = draw(st.integers(min_value=0, max_value=ordered - delivered))
    canceled = draw(st.integers(min_value=0, max_value=2 * ordered))
    return LineShipping(ordered, shipped, delivered, canceled)


@given(lines=st.lists(shipping_lines(), max_size=5), order_canceled=st.booleans())
def test_rollup_always_resolves_with_every_default_payment_status(
    lines: list[LineShipping], order_canceled: bool
) -> None:
    rollup = rollup_shipment_status(lines, order_canceled=order_canceled)
    if rollup is None:
        assert not lines
        return
    for payment in DEFAULT.payment_statuses:
        assert resolve_order_status(DEFAULT, payment, rollup) in DEFAULT.order_statuses


# -- display ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "kind", "code", "expected"),
    [
        (DEFAULT, "payment", "paid", ("Paid", "success")),
        (DEFAULT, "order", "closed", ("Closed", "outline")),
        (DEFAULT, "shipment", "pending", ("Pending", "default")),
        (DEFAULT, "shipment", "partially_shipped", ("Partially Shipped", "warning")),
        (DEFAULT, "shipment", "partially_delivered", ("Partially Delivered", "warning")),
        (DEFAULT, "shipment", "partially_canceled", ("Partially Canceled", "warning")),
        (EVERSHOP_2_2, "shipment", "pending", ("Pending", "default")),
        (EVERSHOP_2_2, "order", "new", ("New", "default")),
        (DEFAULT, "payment", "stripe_captured", ("stripe_captured", "default")),
        (DEFAULT, "order", "partially_shipped", ("partially_shipped", "default")),
    ],
)
def test_display(config: Config, kind: Any, code: str, expected: tuple[str, str]) -> None:
    assert display(config, kind, code) == expected


def test_display_refuses_an_unknown_kind() -> None:
    with pytest.raises(InvalidInput, match="Invalid status kind 'refund'"):
        display(DEFAULT, "refund", "paid")  # type: ignore[arg-type]


# -- what an order may do now ----------------------------------------------------------------


def test_a_terminal_order_cannot_be_canceled_whatever_its_statuses() -> None:
    assert can_cancel_order(DEFAULT, "pending", "pending", "pending") is True
    assert can_cancel_order(DEFAULT, "canceled", "pending", "pending") is False
    assert can_cancel_order(DEFAULT, "closed", "pending", "pending") is False
    assert can_cancel_order(DEFAULT, "processing", "paid", "pending") is False


def test_payment_choices_move_forward_and_cancel_only_a_cancelable_order() -> None:
    assert payment_status_choices(DEFAULT, "pending", "pending", "pending") == [
        "partially_paid",
        "paid",
        "failed",
        "partially_refunded",
        "refunded",
        "canceled",
    ]
    # paid is not cancelable: "canceled" would cancel it; a refund (closed) stays possible.
    # (partially_paid would take it back to pending).
    assert payment_status_choices(DEFAULT, "processing", "paid", "pending") == [
        "partially_refunded",
        "refunded",
    ]
    # A delivered, completed order can still be refunded.
    assert payment_status_choices(DEFAULT, "completed", "paid", "delivered") == [
        "partially_refunded",
        "refunded",
    ]
    # A canceled order may still record a late payment change (it stays canceled).
    assert payment_status_choices(DEFAULT, "canceled", "canceled", "canceled") == [
        "pending",
        "partially_paid",
        "paid",
        "failed",
        "partially_refunded",
        "refunded",
    ]

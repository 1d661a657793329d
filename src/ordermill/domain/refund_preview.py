"""What a refund would give back, before it is made: the admin's refund dialog shows it.

Pure, and priced by the refund rules themselves (``domain/refunds.py``): each line's
amounts come from ``allocation`` and ``units_amount``, and a requested refund is priced
by ``plan_refund``, the very function ``refund`` runs under the order's lock, so what
the dialog shows is what ``refund`` records (unless the order changes in between, when
``refund`` prices it again). The basis is read from an ``Order`` with its items and
from its refunds, the same values ``db/refunds.load_basis`` reads under the lock.

``cancel_and_refund_amount`` says when ``cancel_and_refund`` would refund and cancel an
order that ``cancel_order`` refuses (paid, nothing shipped), and how much it would give
back: all the net paid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ordermill.domain.config import Config
from ordermill.domain.errors import OmsError
from ordermill.domain.order_state import CANCELED, order_label
from ordermill.domain.records import Order, Refund
from ordermill.domain.refunds import (
    RefundBasis,
    RefundLineState,
    allocation,
    plan_refund,
    units_amount,
)
from ordermill.domain.status import can_cancel_order

__all__ = [
    "PreviewLine",
    "RefundPreview",
    "cancel_and_refund_amount",
    "preview_refund",
    "refund_basis",
]


@dataclass(frozen=True, slots=True)
class PreviewLine:
    """One order line in the dialog: what is left to refund of it, and what is asked."""

    order_item_id: int
    sku: str
    name: str | None
    qty: int
    qty_refunded: int
    refundable: int
    left_amount: Decimal  # all the units left to refund
    asked: int = 0
    amount: Decimal = Decimal(0)  # the asked units, as the refund would price them
    restock: bool = False


@dataclass(frozen=True, slots=True)
class RefundPreview:
    """A refund as it would be made now. ``error`` is the refund rules' refusal of the
    request (its amounts are then 0); an empty request is no error, only nothing."""

    currency: str
    lines: tuple[PreviewLine, ...]
    shipping_left: Decimal
    shipping_amount: Decimal
    amount: Decimal
    net_paid: Decimal
    error: str | None = None

    @property
    def ready(self) -> bool:
        """Something to refund and nothing refused: the dialog may confirm it."""
        return self.error is None and self.amount > 0


def refund_basis(order: Order, refunds: Sequence[Refund]) -> RefundBasis:
    """What a refund of ``order`` is priced from (``order`` read with its items)."""
    return RefundBasis(
        currency=order.currency,
        grand_total=order.grand_total,
        shipping_fee=order.shipping_fee,
        tax_amount=order.tax_amount,
        discount_amount=order.discount_amount,
        lines={
            item.order_item_id: RefundLineState(
                item.order_item_id,
                item.sku,
                item.qty,
                item.line_total,
                item.qty_refunded,
                item.qty_restocked,
            )
            for item in sorted(order.items or (), key=lambda i: i.order_item_id)
        },
        shipping_refunded=sum((r.shipping_amount for r in refunds), Decimal(0)),
    )


def preview_refund(
    order: Order,
    refunds: Sequence[Refund],
    *,
    reasons: Mapping[str, str],
    lines: Sequence[Mapping[str, Any]] = (),
    shipping: object = None,
    reason: str | None = None,
    note: str | None = None,
) -> RefundPreview:
    """The lines of ``order`` with what is left to refund, and the refund of ``lines``
    (``{"order_item_id", "qty", "restock"}``) and ``shipping`` priced as ``refund``
    would price it; ``reason`` defaults to the first configured one."""
    basis = refund_basis(order, refunds)
    parts, shipping_part = allocation(basis)
    currency = order.currency
    names = {item.order_item_id: item.name for item in order.items or ()}
    shipping_left = max(shipping_part - basis.shipping_refunded, Decimal(0))
    asked = {int(line["order_item_id"]): line for line in lines}
    amounts: dict[int, Decimal] = {}
    shipping_amount = total = Decimal(0)
    error = None
    if lines or shipping is not None:
        try:
            plan = plan_refund(
                basis, lines=list(lines), shipping=shipping, amount=None,
                reason=reason or next(iter(reasons), None), note=note, reasons=reasons,
                net_paid=order.net_paid, order=order_label(order),
            )  # fmt: skip
        except OmsError as refused:
            error = refused.message
        else:
            amounts = {line.order_item_id: line.amount for line in plan.lines}
            shipping_amount, total = plan.shipping_amount, plan.amount
    views = []
    for item_id, state in basis.lines.items():
        part = parts[item_id]
        left = units_amount(part, state.qty, state.qty, currency) - units_amount(
            part, state.qty, state.qty_refunded, currency
        )
        wanted = asked.get(item_id, {})
        views.append(
            PreviewLine(
                order_item_id=item_id,
                sku=state.sku,
                name=names.get(item_id),
                qty=state.qty,
                qty_refunded=state.qty_refunded,
                refundable=state.refundable_qty,
                left_amount=left,
                asked=int(wanted.get("qty", 0)),
                amount=amounts.get(item_id, Decimal(0)),
                restock=bool(wanted.get("restock")),
            )
        )
    return RefundPreview(
        currency=currency, lines=tuple(views), shipping_left=shipping_left,
        shipping_amount=shipping_amount, amount=total, net_paid=order.net_paid, error=error,
    )  # fmt: skip


def cancel_and_refund_amount(config: Config, order: Order) -> Decimal | None:
    """What ``cancel_and_refund`` would give back to cancel ``order`` (read with its
    shipments), when ``cancel_order`` refuses it only for its payment: some net paid,
    nothing shipped that is not canceled, and cancelable were it unpaid. ``None``
    otherwise (``cancel_order`` accepts it, or neither would)."""
    status, shipment_status = order.status, order.shipment_status
    if can_cancel_order(config, status, order.payment_status, shipment_status):
        return None
    if order.net_paid <= 0 or status in config.terminal_order_statuses:
        return None
    if any(s.status != CANCELED for s in order.shipments or ()):
        return None
    if not can_cancel_order(config, status, config.default_payment_status, shipment_status):
        return None
    return order.net_paid

"""Refunds: money given back for some units of some lines and some shipping, and the
cancellation of a paid order that nothing was shipped of.

``refund`` runs its numbered steps in one transaction:

1. The order is locked (``OrderNotFound``); its lines, their refunded and restocked
   units and the shipping refunded so far are read under the lock (``db/refunds.py``).
2. The request is checked and priced (``domain/refunds.py``): a configured reason
   (``UnknownRefundReason``), lines of the order (``RefundLineNotFound``) with units
   left to refund (``RefundQtyExceedsRefundable``), shipping left to refund and a
   total within the net paid (``RefundExceedsBalance``). Each line gives back its
   share of the grand total, so refunding everything gives back exactly the total.
3. The units asked to be restocked that are not back yet go back to stock, for
   managed SKUs only (inventory rows locked in SKU order, after the order's).
4. A ``refund`` row of the payment ledger (its totals; the payment status follows as
   for ``record_payment``), the refund with its lines and the lines' refunded units,
   the activity and the ``ordermill.order.payment_recorded`` and
   ``ordermill.order.refunded`` events are written, then the change.
5. One transaction: all of it or nothing; a refusal writes nothing.

``cancel_and_refund`` cancels as ``cancel_order`` does an order that ``cancel_order``
accepts; a paid or partly paid order with nothing shipped is first refunded all it paid
(one refund covering every unit left and the shipping left, restocking them once), then
canceled, in the same transaction. Anything shipped is ``OrderShippedNotRefundable``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection

from ordermill.db import ledger as _ledger
from ordermill.db import refunds as _refunds
from ordermill.db import rows
from ordermill.db.locks import lock_inventory
from ordermill.db.order_state import OrderRow, load_state, lock_order_by_ref, write_order_change
from ordermill.domain.change import Change
from ordermill.domain.config import Config
from ordermill.domain.errors import OrderNotCancelable, OrderShippedNotRefundable
from ordermill.domain.events import ORDER_REFUNDED, PAYMENT_RECORDED
from ordermill.domain.ledger import (
    LedgerTotals,
    check_amount,
    ledger_payment_status,
    new_payment,
    next_payment_status,
)
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.order_state import CANCELED, OrderState, order_label
from ordermill.domain.records import Order, Refund
from ordermill.domain.refunds import (
    ALL,
    RefundBasis,
    RefundPlan,
    event_lines,
    plan_refund,
    refund_activity,
)
from ordermill.domain.status import can_cancel_order
from ordermill.orders.cancel import (
    apply_cancellation,
    cancel_locked,
    cancel_reason,
    check_cancelable,
)
from ordermill.orders.context import Context
from ordermill.orders.plugins import watch

__all__ = ["cancel_and_refund", "list_refunds", "refund"]


def refund(
    ctx: Context,
    order_ref: OrderRef,
    *,
    lines: list[dict[str, Any]] | None = None,
    shipping: str | int | Decimal | None = None,
    amount: str | int | Decimal | None = None,
    reason: str,
    note: str | None = None,
    conn: Connection | None = None,
) -> Refund:
    """Give money back for some lines and shipping; see the module docstring."""
    with ctx.transaction(conn) as tx:
        locked = lock_order_by_ref(tx, order_ref)
        basis = _refunds.load_basis(tx, locked)
        plan = plan_refund(
            basis,
            lines=lines,
            shipping=shipping,
            amount=amount,
            reason=reason,
            note=note,
            reasons=ctx.config.refund_reasons,
            net_paid=LedgerTotals.of(locked).net_paid,
            order=order_label(locked),
        )
        change = Change(locked, reason=f"refund: {plan.reason}")
        totals = _ledger_totals(ctx, locked, plan, change)
        change.decide(ctx.config)
        written, _ = _write_refund(tx, locked, basis, plan, change, totals)
        write_order_change(tx, change)
    return written


def _ledger_totals(
    ctx: Context, locked: OrderRow, plan: RefundPlan, change: Change
) -> LedgerTotals:
    """The ledger totals after the refund; sets the payment status they give."""
    after = LedgerTotals.of(locked).after("refund", plan.amount)
    wanted = ledger_payment_status(after, locked.grand_total, failed_attempt=False)
    change.set_payment_status(next_payment_status(ctx.config, locked, wanted))
    return after


def _write_refund(
    tx: Connection,
    locked: OrderRow,
    basis: RefundBasis,
    plan: RefundPlan,
    change: Change,
    totals: LedgerTotals,
) -> tuple[Refund, dict[int, int]]:
    """Restock, then write the ledger row and the refund; the events and activity go on
    ``change``. Returns the refund and the units restocked per line."""
    by_line, by_sku = _restock(tx, plan, change)
    new = new_payment("refund", plan.amount, currency=locked.currency, note=plan.note)
    label = order_label(locked)
    check_amount(new, LedgerTotals.of(locked), locked.grand_total, order=label,
                 currency=locked.currency)  # fmt: skip
    payment = _ledger.insert_payment(
        tx, locked.order_id, new, currency=locked.currency, totals=totals, now=change.now
    )
    written = _refunds.insert_refund(
        tx, locked.order_id, payment.payment_id, plan,
        currency=basis.currency, restocked=by_line, now=change.now,
    )  # fmt: skip
    change.add_activity(refund_activity(plan, locked.currency, by_sku))
    change.add_event(
        PAYMENT_RECORDED,
        payment_id=payment.payment_id,
        kind="refund",
        status="succeeded",
        amount=str(plan.amount),
        currency=locked.currency,
        gateway=None,
        reference=None,
    )
    change.add_event(
        ORDER_REFUNDED,
        refund_id=written.refund_id,
        payment_id=payment.payment_id,
        amount=str(plan.amount),
        shipping_amount=str(plan.shipping_amount),
        currency=locked.currency,
        reason=plan.reason,
        lines=event_lines(plan, by_line),
        restocked=[{"sku": sku, "qty": qty} for sku, qty in by_sku.items()],
    )
    return written, by_line


def _restock(
    tx: Connection, plan: RefundPlan, change: Change
) -> tuple[dict[int, int], dict[str, int]]:
    """Lock the stock of the lines to restock and have ``change`` put the units of the
    managed SKUs back; returns units per line and per SKU (ascending)."""
    wanted = [line for line in plan.lines if line.restock > 0]
    if not wanted:
        return {}, {}
    stock = lock_inventory(tx, (line.sku for line in wanted))
    managed = [line for line in wanted if line.sku in stock and stock[line.sku].manage_stock]
    per_sku: Counter[str] = Counter()
    for line in managed:
        per_sku[line.sku] += line.restock
    by_sku = {sku: per_sku[sku] for sku in sorted(per_sku)}
    by_line = {line.order_item_id: line.restock for line in managed}
    if managed:
        change.restock(list(by_line.items()), list(by_sku.items()))
    return by_line, by_sku


def list_refunds(
    ctx: Context, order_ref: OrderRef, *, conn: Connection | None = None
) -> list[Refund]:
    """The order's refunds with their lines, oldest first (``OrderNotFound``)."""
    with ctx.reading(conn, single_statement=True) as reader:
        return _refunds.list_refunds(reader, order_ref)


_REFUND_ALL_REASON = "other"


def cancel_and_refund(
    ctx: Context, order_ref: OrderRef, reason: str | None = None, *, conn: Connection | None = None
) -> Order:
    """Cancel the order, first refunding what it paid when nothing was shipped; see the
    module docstring."""
    text = cancel_reason(reason)
    with ctx.transaction(conn) as tx:
        locked = lock_order_by_ref(tx, order_ref)
        refused: OrderNotCancelable | None = None
        try:
            check_cancelable(ctx.config, locked)
        except OrderNotCancelable as exc:
            refused = exc
        if refused is None:  # cancel_order accepts it: exactly what cancel_order does
            return cancel_locked(ctx, tx, locked, text)
        return _refund_then_cancel(ctx, tx, locked, text, refused)


def _refund_then_cancel(
    ctx: Context, tx: Connection, locked: OrderRow, text: str | None, refused: OrderNotCancelable
) -> Order:
    """Refund all the net paid of an order refused only for being paid, then cancel it."""
    config, totals, label = ctx.config, LedgerTotals.of(locked), order_label(locked)
    unpaid_cancelable = can_cancel_order(
        config, locked.status, config.default_payment_status, locked.shipment_status
    )
    if totals.net_paid <= 0 or locked.status in config.terminal_order_statuses:
        raise refused
    state = load_state(tx, locked.order_id)
    if any(s.status != CANCELED for s in state.shipments.values()):
        raise OrderShippedNotRefundable(
            f"Order {label} is not cancelable: goods were shipped; refund its lines instead",
            order=label, status=locked.status, payment_status=locked.payment_status,
            shipment_status=locked.shipment_status,
        )  # fmt: skip
    if not unpaid_cancelable:
        raise refused
    # Every SKU of the order at once, in SKU order: the refund's and the cancel's
    # restocks then only re-read rows this transaction holds.
    lock_inventory(tx, (line.sku for line in state.lines.values()))
    basis = _refunds.load_basis(tx, locked)
    restock = config.restock_after_cancellation
    plan = plan_refund(
        basis,
        lines=[
            {"order_item_id": line.order_item_id, "qty": line.refundable_qty, "restock": restock}
            for line in basis.lines.values()
            if line.refundable_qty > 0
        ],
        shipping=ALL,
        amount=totals.net_paid,
        reason=_reason_code(config, text),
        note=text,
        reasons=config.refund_reasons,
        net_paid=totals.net_paid,
        order=label,
    )
    change = Change(locked, reason=f"order canceled and refunded: {text}" if text
                    else "order canceled and refunded")  # fmt: skip
    after = totals.after("refund", plan.amount)
    change.set_payment_status(CANCELED)
    watch(ctx, tx, change, "cancel_order", reason=text)
    _, by_line = _write_refund(tx, locked, basis, plan, change, after)
    apply_cancellation(tx, config, change, _restocked(state, by_line), reason=text)
    row = write_order_change(tx, change)
    return replace(rows.order_from_row(row), amount_refunded=after.refunded)


def _reason_code(config: Config, text: str | None) -> str:
    """The refund's reason: the cancel reason when it is a refund reason code, else
    ``other`` (or the first configured code)."""
    reasons = config.refund_reasons
    if text in reasons:
        return str(text)
    return _REFUND_ALL_REASON if _REFUND_ALL_REASON in reasons else next(iter(reasons))


def _restocked(state: OrderState, by_line: dict[int, int]) -> OrderState:
    """``state`` with the refund's restocked units counted, so the cancel adds none."""
    lines = {
        item: replace(line, qty_restocked=line.qty_restocked + by_line.get(item, 0))
        for item, line in state.lines.items()
    }
    return OrderState(lines=lines, shipments=state.shipments)

"""Refund rules: what a refund of some lines and shipping costs, and what it may ask.
Pure: ``orders/refunds.py`` locks, loads and writes.

How much a line gives back. The order's grand total, rounded to the currency's minor
unit, is split once into a shipping part and one part per line (``allocation``):

- shipping: the shipping fee (less any discount beyond the goods and tax);
- the lines: the rest (sub total - discount + tax), split across the lines in
  proportion to their line totals, in whole minor units, by largest remainder (ties:
  the lower ``order_item_id``), so that the parts sum to it exactly. Discount and tax
  are both order-level amounts spread in proportion to the line totals, so a line's part
  is its line total after its share of the discount, plus its share of the tax.

k units of a line, of which r were refunded before, give back
``units_amount(part, qty, r + k) - units_amount(part, qty, r)`` where
``units_amount(part, qty, n)`` is ``part * n / qty`` rounded half up to the minor unit:
whatever the steps, the amounts of a line telescope to its part, and the parts of all
lines plus shipping to the grand total. Nothing is ever below 0.

A refund's money is a ``refund`` row of the payment ledger (``domain/ledger.py``), so it
never exceeds the net paid (captured - refunded).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import floor
from typing import Any

from ordermill.domain.errors import (
    InvalidPaymentAmount,
    InvalidRefund,
    RefundExceedsBalance,
    RefundLineNotFound,
    RefundQtyExceedsRefundable,
    UnknownRefundReason,
)
from ordermill.domain.ledger import MINOR_UNITS, new_payment
from ordermill.domain.text import unstorable

__all__ = [
    "ALL",
    "PlannedLine",
    "RefundBasis",
    "RefundLineState",
    "RefundPlan",
    "allocation",
    "check_reason",
    "plan_refund",
    "quantum",
    "refund_activity",
    "units_amount",
]

ALL = "all"
_NOTE_MAX = 2000


def quantum(currency: str) -> Decimal:
    """The currency's minor unit: 0.01 for most, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))


@dataclass(frozen=True, slots=True)
class RefundLineState:
    """One order line as a refund reads it, under the order's lock."""

    order_item_id: int
    sku: str
    qty: int
    line_total: Decimal
    qty_refunded: int
    qty_restocked: int

    @property
    def refundable_qty(self) -> int:
        return self.qty - self.qty_refunded


@dataclass(frozen=True, slots=True)
class RefundBasis:
    """What a refund is priced from: the order's amounts, its lines, and the shipping
    already refunded."""

    currency: str
    grand_total: Decimal
    shipping_fee: Decimal
    tax_amount: Decimal
    discount_amount: Decimal
    lines: Mapping[int, RefundLineState]  # by order_item_id, ascending
    shipping_refunded: Decimal


def allocation(basis: RefundBasis) -> tuple[dict[int, Decimal], Decimal]:
    """Each line's part of the rounded grand total, and the shipping part (module
    docstring); the parts sum to the grand total rounded to the minor unit."""
    q = quantum(basis.currency)
    total = basis.grand_total.quantize(q, ROUND_HALF_UP)
    sub_total = sum((line.line_total for line in basis.lines.values()), Decimal(0))
    goods = sub_total + basis.tax_amount - basis.discount_amount
    shipping = basis.shipping_fee + min(goods, Decimal(0))
    shipping_part = min(max(shipping, Decimal(0)).quantize(q, ROUND_HALF_UP), total)
    units = int((total - shipping_part) / q)
    ids = sorted(basis.lines)
    weights = [Fraction(basis.lines[i].line_total) for i in ids]
    if sum(weights) == 0:
        weights = [Fraction(basis.lines[i].qty) for i in ids]
    whole = sum(weights)
    exact = [units * w / whole for w in weights]
    parts = [floor(x) for x in exact]
    left = units - sum(parts)
    by_remainder = sorted(range(len(ids)), key=lambda n: (-(exact[n] - parts[n]), ids[n]))
    for n in by_remainder[:left]:
        parts[n] += 1
    return {i: q * part for i, part in zip(ids, parts, strict=True)}, shipping_part


def units_amount(part: Decimal, qty: int, units: int, currency: str) -> Decimal:
    """The amount of ``units`` of a line of ``qty`` whose part is ``part``: its
    proportion, rounded half up to the minor unit (``qty`` units give ``part``)."""
    q = quantum(currency)
    return (part * units / qty).quantize(q, ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class PlannedLine:
    order_item_id: int
    sku: str
    qty: int
    amount: Decimal
    restock: int  # units to put back if the SKU's stock is managed


@dataclass(frozen=True, slots=True)
class RefundPlan:
    lines: tuple[PlannedLine, ...]
    shipping_amount: Decimal
    amount: Decimal
    reason: str
    note: str | None


def check_reason(reason: object, reasons: Mapping[str, str]) -> str:
    """The reason code, or ``UnknownRefundReason`` naming it and the allowed codes."""
    if not isinstance(reason, str) or reason not in reasons:
        raise UnknownRefundReason(
            f"reason: {reason!r} is not a refund reason; allowed: {', '.join(reasons)}",
            field="reason", value=str(reason), allowed=list(reasons),
        )  # fmt: skip
    return reason


def _note(note: object) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str):
        raise InvalidRefund(f"note: {note!r} is not a string", field="note")
    text = note.strip()
    if len(text) > _NOTE_MAX:
        raise InvalidRefund(f"note is longer than {_NOTE_MAX} characters ({len(text)})",
                            field="note")  # fmt: skip
    if bad := unstorable(text):
        raise InvalidRefund(f"note contains {bad}", field="note")
    return text or None


def _money(value: object, field: str, currency: str) -> Decimal:
    """A positive amount in the currency's minor unit (the ledger's own format check)."""
    try:
        return new_payment("refund", value, currency=currency).amount
    except InvalidPaymentAmount as exc:
        message = exc.message.replace("amount:", f"{field}:", 1)
        raise InvalidRefund(message, field=field, value=str(value)) from None


def _whole(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidRefund(f"{field}: {value!r} is not a whole number > 0", field=field,
                            value=str(value))  # fmt: skip
    return value


def _requested_lines(lines: object) -> list[tuple[int, int, bool]]:
    """(order_item_id, qty, restock) per requested line, shapes checked."""
    if lines is None:
        return []
    if isinstance(lines, str | bytes | Mapping) or not isinstance(lines, Sequence):
        raise InvalidRefund("lines: expected a list of {order_item_id, qty, restock}",
                            field="lines")  # fmt: skip
    found: list[tuple[int, int, bool]] = []
    for n, raw in enumerate(lines):
        if not isinstance(raw, Mapping):
            raise InvalidRefund(f"lines[{n}]: {raw!r} is not an object", field=f"lines[{n}]")
        unknown = set(raw) - {"order_item_id", "qty", "restock"}
        if unknown:
            raise InvalidRefund(f"lines[{n}]: unknown field(s) {', '.join(sorted(unknown))}",
                                field=f"lines[{n}]")  # fmt: skip
        item = _whole(raw.get("order_item_id"), f"lines[{n}].order_item_id")
        qty = _whole(raw.get("qty"), f"lines[{n}].qty")
        restock = raw.get("restock", False)
        if not isinstance(restock, bool):
            raise InvalidRefund(f"lines[{n}].restock: {restock!r} is not true or false",
                                field=f"lines[{n}].restock")  # fmt: skip
        if any(item == other for other, _, _ in found):
            raise InvalidRefund(f"lines[{n}]: order item {item} is named twice",
                                field=f"lines[{n}].order_item_id", value=str(item))  # fmt: skip
        found.append((item, qty, restock))
    return found


def _planned_line(
    basis: RefundBasis, parts: Mapping[int, Decimal], asked: tuple[int, int, bool], order: str
) -> PlannedLine:
    item, qty, restock = asked
    line = basis.lines.get(item)
    if line is None:
        raise RefundLineNotFound(
            f"Order {order} has no line {item}; its lines: {', '.join(map(str, basis.lines))}",
            order=order, order_item_id=item,
        )  # fmt: skip
    if qty > line.refundable_qty:
        raise RefundQtyExceedsRefundable(
            f"Order {order}: cannot refund {qty} of line {item} ({line.sku}): {line.qty}"
            f" ordered, {line.qty_refunded} already refunded, {line.refundable_qty} left",
            order=order, order_item_id=item, qty=qty, refundable=line.refundable_qty,
        )  # fmt: skip
    before = units_amount(parts[item], line.qty, line.qty_refunded, basis.currency)
    after = units_amount(parts[item], line.qty, line.qty_refunded + qty, basis.currency)
    # Never more back in stock than the line took: what is not restocked yet.
    to_restock = min(qty, line.qty - line.qty_restocked) if restock else 0
    return PlannedLine(item, line.sku, qty, after - before, max(to_restock, 0))


def _shipping(basis: RefundBasis, shipping_part: Decimal, shipping: object, order: str) -> Decimal:
    left = max(shipping_part - basis.shipping_refunded, Decimal(0))
    if shipping is None:
        return Decimal(0)
    if shipping == ALL:
        return left
    asked = _money(shipping, "shipping", basis.currency)
    if asked > left:
        raise RefundExceedsBalance(
            f"Order {order}: a shipping refund of {asked} {basis.currency} is more than the"
            f" shipping left to refund, {left} {basis.currency}",
            order=order, field="shipping", amount=str(asked), allowed=str(left),
            currency=basis.currency,
        )  # fmt: skip
    return asked


def plan_refund(
    basis: RefundBasis,
    *,
    lines: object,
    shipping: object,
    amount: object,
    reason: object,
    note: object,
    reasons: Mapping[str, str],
    net_paid: Decimal,
    order: str,
) -> RefundPlan:
    """Check a refund request against the locked order and price it; every refusal is
    typed and names the value (module docstring for the amounts)."""
    code = check_reason(reason, reasons)
    text = _note(note)
    asked = _requested_lines(lines)
    parts, shipping_part = allocation(basis)
    planned = tuple(_planned_line(basis, parts, one, order) for one in asked)
    shipping_amount = _shipping(basis, shipping_part, shipping, order)
    computed = sum((line.amount for line in planned), Decimal(0)) + shipping_amount
    total = computed if amount is None else _money(amount, "amount", basis.currency)
    if not planned and shipping_amount == 0 and amount is None:
        raise InvalidRefund(
            f"Order {order}: nothing to refund (give lines, shipping or an amount)",
            order=order, field="lines",
        )  # fmt: skip
    if total <= 0:
        raise InvalidRefund(
            f"Order {order}: the refund's amount is 0 {basis.currency}; give an amount",
            order=order, field="amount",
        )  # fmt: skip
    limit = max(net_paid, Decimal(0)).quantize(quantum(basis.currency), ROUND_HALF_UP)
    if total > limit:
        raise RefundExceedsBalance(
            f"Order {order}: a refund of {total} {basis.currency} is more than the net paid"
            f" (captured - refunded), {limit} {basis.currency}",
            order=order, field="amount", amount=str(total), allowed=str(limit),
            currency=basis.currency,
        )  # fmt: skip
    return RefundPlan(planned, shipping_amount, total, code, text)


def refund_activity(plan: RefundPlan, currency: str, restocked: Mapping[str, int]) -> str:
    """ "Refunded 12.50 USD (damaged): 2 x line 7, shipping 4.00; restocked A-1 x 2"."""
    parts = [f"{line.qty} x line {line.order_item_id}" for line in plan.lines]
    if plan.shipping_amount:
        parts.append(f"shipping {plan.shipping_amount}")
    text = f"Refunded {plan.amount} {currency} ({plan.reason})"
    if parts:
        text += ": " + ", ".join(parts)
    if restocked:
        text += "; restocked " + ", ".join(f"{sku} x {qty}" for sku, qty in restocked.items())
    if plan.note:
        text += f". {plan.note}"
    return text


def event_lines(plan: RefundPlan, restocked_by_line: Mapping[int, int]) -> list[dict[str, Any]]:
    return [
        {
            "order_item_id": line.order_item_id,
            "qty": line.qty,
            "amount": str(line.amount),
            "qty_restocked": restocked_by_line.get(line.order_item_id, 0),
        }
        for line in plan.lines
    ]

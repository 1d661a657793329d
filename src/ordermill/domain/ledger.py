"""The payment ledger's rules: what a payment may be, how much each kind allows, and the
payment status the ledger gives an order. Pure: ``orders/ledger.py`` locks, loads and
writes.

An order's ledger is its rows of five kinds; the order keeps the sums of the succeeded
ones (``LedgerTotals``)::

    authorization   authorized += amount           (money held, not yet taken)
    capture         captured   += amount           (held money taken)
    sale            authorized += amount, captured += amount   (both at once)
    void            voided     += amount           (held money released)
    refund          refunded   += amount           (taken money given back)

    open authorization = authorized - captured - voided
    net paid           = captured - refunded
    balance due        = grand total - net paid

The invariants every succeeded row keeps (``allowed``), so that no sequence of rows can
break them:

- a capture or a void takes at most the open authorization;
- a refund gives back at most the net paid (never more refunded than captured);
- authorizations and sales never make net paid plus the open authorization exceed the
  grand total: a shop cannot charge an order for more than it costs (an overpayment is
  refused, not recorded, so the balance due is never negative). Since a capture only
  moves money from the open authorization to net paid, captures never exceed it either.

A failed row (``status="failed"``) records the attempt and moves no money: only its
format is checked, never the amounts it would have moved.

Amounts are exact decimals in the order's currency with at most its minor unit's
decimals (2 for most currencies; ``MINOR_UNITS`` lists the ISO 4217 exceptions).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Literal

from ordermill.domain.config import Config
from ordermill.domain.errors import (
    InvalidPayment,
    InvalidPaymentAmount,
    InvalidStatus,
    StatusTransitionError,
)
from ordermill.domain.status import check_order_transition, resolve_order_status
from ordermill.domain.text import unstorable

__all__ = [
    "KINDS",
    "MINOR_UNITS",
    "STATUSES",
    "LedgerTotals",
    "NewPayment",
    "PaymentKind",
    "activity_message",
    "allowed",
    "check_amount",
    "is_failed_attempt",
    "ledger_payment_status",
    "new_payment",
    "next_payment_status",
]

PaymentKind = Literal["authorization", "capture", "sale", "void", "refund"]
KINDS: tuple[str, ...] = ("authorization", "capture", "sale", "void", "refund")
SUCCEEDED, FAILED = "succeeded", "failed"
STATUSES: tuple[str, ...] = (SUCCEEDED, FAILED)

# ISO 4217 currencies whose minor unit is not 2 decimals; every other has 2.
MINOR_UNITS = MappingProxyType(
    {
        **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW"), 0),
        **dict.fromkeys(("PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
        **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    }
)
_MAX_AMOUNT = Decimal("99999999.9999")  # NUMERIC(12, 4)
_TEXT_LIMITS = {"reference": 255, "gateway": 64, "note": 2000}

# The payment statuses the ledger sets; a configuration without one of them keeps the
# order's payment status where the ledger would have set it (``next_payment_status``).
PAID, PARTIALLY_PAID = "paid", "partially_paid"
REFUNDED, PARTIALLY_REFUNDED = "refunded", "partially_refunded"
PAYMENT_FAILED = "failed"

_ATTEMPTS = ("authorization", "capture", "sale")  # a failed one of these is a failed payment
_VERBS = {
    "authorization": ("Authorized", "Authorization"),
    "capture": ("Captured", "Capture"),
    "sale": ("Charged", "Sale"),
    "void": ("Voided", "Void"),
    "refund": ("Refunded", "Refund"),
}


@dataclass(frozen=True, slots=True)
class LedgerTotals:
    """The sums of an order's succeeded ledger rows (authorized includes sales)."""

    authorized: Decimal = Decimal(0)
    captured: Decimal = Decimal(0)
    voided: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)

    @classmethod
    def of(cls, row: Any) -> LedgerTotals:
        """The totals stored on an order row (or an ``Order``)."""
        return cls(row.amount_authorized, row.amount_captured, row.amount_voided,
                   row.amount_refunded)  # fmt: skip

    @property
    def open_authorization(self) -> Decimal:
        return self.authorized - self.captured - self.voided

    @property
    def net_paid(self) -> Decimal:
        return self.captured - self.refunded

    def after(self, kind: str, amount: Decimal) -> LedgerTotals:
        """The totals once a succeeded row of ``kind`` and ``amount`` is added."""
        if kind == "authorization":
            return replace(self, authorized=self.authorized + amount)
        if kind == "capture":
            return replace(self, captured=self.captured + amount)
        if kind == "sale":
            return replace(self, authorized=self.authorized + amount,
                           captured=self.captured + amount)  # fmt: skip
        if kind == "void":
            return replace(self, voided=self.voided + amount)
        return replace(self, refunded=self.refunded + amount)


@dataclass(frozen=True, slots=True)
class NewPayment:
    """A payment to record, its format checked (not yet its amount against the ledger)."""

    kind: str
    amount: Decimal
    status: str
    gateway: str | None
    reference: str | None
    note: str | None

    @property
    def moves_money(self) -> bool:
        return self.status == SUCCEEDED


def new_payment(
    kind: object,
    amount: object,
    *,
    currency: str,
    status: object = SUCCEEDED,
    gateway: object = None,
    reference: object = None,
    note: object = None,
) -> NewPayment:
    """Check a payment's kind, status, amount format and texts; ``InvalidPayment`` or
    ``InvalidPaymentAmount`` name the value and the reason."""
    if kind not in KINDS:
        raise InvalidPayment(
            f"kind: {kind!r} is not a payment kind; allowed: {', '.join(KINDS)}",
            field="kind", value=str(kind), allowed=list(KINDS),
        )  # fmt: skip
    if status not in STATUSES:
        raise InvalidPayment(
            f"status: {status!r} is not a payment status; allowed: {', '.join(STATUSES)}",
            field="status", value=str(status), allowed=list(STATUSES),
        )  # fmt: skip
    return NewPayment(
        kind=str(kind),
        amount=_money(amount, currency),
        status=str(status),
        gateway=_text(gateway, "gateway"),
        reference=_text(reference, "reference"),
        note=_text(note, "note"),
    )


def _money(value: object, currency: str) -> Decimal:
    """A positive amount with at most the currency's decimals; floats are refused."""
    if isinstance(value, float):
        raise InvalidPaymentAmount(
            f"amount: {value!r} is a float; pass money as a string, int or Decimal"
            " (floats cannot hold cents exactly)",
            field="amount", value=repr(value),
        )  # fmt: skip
    amount: Decimal | None = None
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | str) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        raise InvalidPaymentAmount(
            f"amount: {value!r} is not a decimal amount", field="amount", value=str(value)
        )
    places = MINOR_UNITS.get(currency, 2)
    if amount <= 0:
        raise InvalidPaymentAmount(
            f"amount: {amount} must be more than 0", field="amount", value=str(amount)
        )
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise InvalidPaymentAmount(
            f"amount: {amount} has more than {places} decimal places, the minor unit of"
            f" {currency}",
            field="amount", value=str(amount), currency=currency,
        )  # fmt: skip
    if amount > _MAX_AMOUNT:
        raise InvalidPaymentAmount(
            f"amount: {amount} is too large", field="amount", value=str(amount)
        )
    return amount.quantize(Decimal(1).scaleb(-places))


def _text(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidPayment(f"{field}: {value!r} is not a string", field=field)
    text = value.strip()
    limit = _TEXT_LIMITS[field]
    if len(text) > limit:
        raise InvalidPayment(
            f"{field} is longer than {limit} characters ({len(text)})", field=field
        )
    if bad := unstorable(text):
        raise InvalidPayment(f"{field} contains {bad}", field=field)
    return text or None


def allowed(kind: str, totals: LedgerTotals, grand_total: Decimal) -> Decimal:
    """The most a succeeded row of ``kind`` may move now (0: none)."""
    if kind in ("capture", "void"):
        limit = totals.open_authorization
    elif kind == "refund":
        limit = totals.net_paid
    else:  # authorization, sale: within what the order still costs
        limit = grand_total - totals.net_paid - totals.open_authorization
    return max(limit, Decimal(0))


_LIMIT_REASONS = {
    "authorization": "the grand total less the net paid and the open authorization",
    "sale": "the grand total less the net paid and the open authorization",
    "capture": "the open authorization (authorized - captured - voided)",
    "void": "the open authorization (authorized - captured - voided)",
    "refund": "the net paid (captured - refunded)",
}


def check_amount(
    payment: NewPayment, totals: LedgerTotals, grand_total: Decimal, *, order: str, currency: str
) -> None:
    """``InvalidPaymentAmount`` unless the ledger allows ``payment``'s amount now."""
    if not payment.moves_money:
        return
    limit = allowed(payment.kind, totals, grand_total)
    limit = limit.quantize(Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2)))
    if payment.amount > limit:
        raise InvalidPaymentAmount(
            f"Order {order}: a {payment.kind} of {payment.amount} {currency} is more than"
            f" {_LIMIT_REASONS[payment.kind]}, {limit} {currency}",
            order=order, kind=payment.kind, amount=str(payment.amount),
            allowed=str(limit), currency=currency,
        )  # fmt: skip


def ledger_payment_status(
    totals: LedgerTotals, grand_total: Decimal, *, failed_attempt: bool
) -> str | None:
    """The payment status the ledger says, or None when it says nothing (only
    authorizations, voids, or nothing at all: the status stays as it is).

    Net paid covering the total -> paid; some refunded -> refunded when nothing is
    left paid, else partially_refunded; some captured -> partially_paid; a failed
    authorization, capture or sale with nothing captured -> failed.
    """
    if totals.captured > 0 and totals.net_paid >= grand_total:
        return PAID
    if totals.refunded > 0:
        return REFUNDED if totals.net_paid <= 0 else PARTIALLY_REFUNDED
    if totals.captured > 0:
        return PARTIALLY_PAID
    if failed_attempt:
        return PAYMENT_FAILED
    return None


def next_payment_status(config: Config, locked: Any, wanted: str | None) -> str:
    """The payment status a ledger row leaves ``locked`` (the order row) in.

    ``wanted`` (``ledger_payment_status``) applies only when the configuration has it
    and the order status it resolves to is a move the status rules allow; otherwise the
    payment status stays as it is. The ledger records money that already moved at the
    provider, so it never refuses a row over a status: an EverShop configuration without
    ``refunded`` or ``partially_paid`` records the rows and keeps its statuses, and a
    ledger row never cancels an order (a cancellation is ``cancel_order``'s, with its
    checks, shipments and restock).
    """
    current: str = locked.payment_status
    if wanted is None or wanted == current or wanted not in config.payment_statuses:
        return current
    try:
        resolved = resolve_order_status(config, wanted, locked.shipment_status)
        check_order_transition(config, locked.status, resolved)
    except (InvalidStatus, StatusTransitionError):
        return current
    if resolved == "canceled" and locked.status != "canceled":
        return current
    return wanted


def activity_message(payment: NewPayment, currency: str) -> str:
    """ "Captured 12.50 USD (ref ch_1)", or "Capture of 12.50 USD failed (ref ch_1)"."""
    done, noun = _VERBS[payment.kind]
    money = f"{payment.amount} {currency}"
    text = f"{done} {money}" if payment.moves_money else f"{noun} of {money} failed"
    source = ", ".join(
        part
        for part in (payment.gateway, f"ref {payment.reference}" if payment.reference else None)
        if part
    )
    return f"{text} ({source})" if source else text


def is_failed_attempt(payment: NewPayment) -> bool:
    return not payment.moves_money and payment.kind in _ATTEMPTS

"""An order file's payments: the order's ledger, exported and imported back identically.

``payments`` is a list, oldest first, of objects with the keys of
``domain.order_file.PAYMENT_KEYS``::

    {"kind": "sale", "status": "succeeded", "amount": "29.40", "gateway": "stripe",
     "reference": "ch_1", "actor": "system", "note": null,
     "created_at": "2026-03-01T10:00:00+00:00"}

Only ``kind`` and ``amount`` are required; ``status`` defaults to ``succeeded``,
``actor`` to ``system`` and ``created_at`` to the order's creation. Each row is checked
as ``record_payment`` checks it (kind, status, amount in the order's currency, texts),
and the succeeded rows, replayed in the file's order, must each be one the ledger allows
(``domain.ledger.check_amount``: no capture past the open authorization, no refund past
the net paid, no charge past the grand total). Their sums become the order's ledger
totals. The payment status is the file's own (``payment_status``), never recomputed: a
shop's configuration may keep it elsewhere than the ledger would set it.

A provider's (gateway, reference) names one row in the whole database: one already
recorded, or repeated in the file, makes the order a bad row (``transfer.batch``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ordermill.domain.errors import InvalidOrder, OmsError
from ordermill.domain.ledger import LedgerTotals, NewPayment, check_amount, new_payment
from ordermill.domain.order_file import PAYMENT_KEYS
from ordermill.transfer.fields import short_text, timestamp

__all__ = ["ImportedPayment", "provider_key", "validate_payments"]

_KEYS = frozenset(PAYMENT_KEYS)


@dataclass(frozen=True, slots=True)
class ImportedPayment:
    """One ledger row read from a file."""

    payment: NewPayment
    actor: str
    created_at: datetime | None


def validate_payments(
    raw: object, *, currency: str, grand_total: Decimal, order: str
) -> tuple[tuple[ImportedPayment, ...], LedgerTotals]:
    """The file's ledger rows of one order and the totals they leave; ``InvalidOrder``
    (or the ledger's own error) naming the row and the reason."""
    if raw is None:
        return (), LedgerTotals()
    if not isinstance(raw, list):
        raise InvalidOrder("payments: expected a list", field="payments")
    totals = LedgerTotals()
    rows = []
    seen: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(raw):
        where = f"payments[{i}]"
        row = _payment(where, entry, currency)
        key = provider_key(row)
        if key is not None and seen.setdefault(key, i) != i:
            raise InvalidOrder(
                f"{where}: reference {key[1]!r} is also the reference of payments[{seen[key]}]",
                field=where,
            )
        try:
            check_amount(row.payment, totals, grand_total, order=order, currency=currency)
        except OmsError as exc:
            raise InvalidOrder(f"{where}: {exc.message}", field=where) from None
        if row.payment.moves_money:
            totals = totals.after(row.payment.kind, row.payment.amount)
        rows.append(row)
    return tuple(rows), totals


def _payment(where: str, entry: object, currency: str) -> ImportedPayment:
    if not isinstance(entry, Mapping):
        raise InvalidOrder(f"{where}: expected an object", field=where)
    unknown = set(entry) - _KEYS
    if unknown:
        raise InvalidOrder(f"{where}: unknown keys {sorted(unknown)}", field=where)
    try:
        payment = new_payment(
            entry.get("kind"),
            entry.get("amount"),  # JSON numbers are read as exact Decimals, never floats
            currency=currency,
            status=entry.get("status", "succeeded"),
            gateway=entry.get("gateway"),
            reference=entry.get("reference"),
            note=entry.get("note"),
        )
    except OmsError as exc:
        raise InvalidOrder(f"{where}: {exc.message}", field=where) from None
    actor = short_text(entry.get("actor"), f"{where}.actor", 255) or "system"
    return ImportedPayment(
        payment, actor, timestamp(entry.get("created_at"), f"{where}.created_at")
    )


def provider_key(row: ImportedPayment) -> tuple[str, str] | None:
    """The (gateway, reference) that names the row in the whole ledger, if it has one."""
    paid = row.payment
    return None if paid.reference is None else (paid.gateway or "", paid.reference)

"""Recording payments: the order's ledger, its totals and the payment status that follows.

``record_payment`` runs its numbered steps in one transaction:

1. The payment's kind, status, amount and texts are checked (``domain/ledger.py``)
   against the order's currency, before anything is written.
2. The order is locked (``OrderNotFound`` if there is none); its ledger totals are on
   the locked row, so reading it is loading them. With ``expected_version`` it must
   still be at that version (``StaleOrder``).
3. A provider's (gateway, reference) already in the ledger is a retry: the same kind,
   amount and status on the same order return that row and write nothing; anything
   else is ``PaymentReferenceConflict``.
4. The amount must be one the ledger allows now (``InvalidPaymentAmount``, naming it
   and the most allowed); a failed attempt moves no money and is not checked.
5. The payment status follows the ledger where the configuration has the status and
   the status rules allow the order status it resolves to (``next_payment_status``);
   otherwise it stays. A ``Change`` carries the status change, its history, the
   activity ("Captured 12.50 USD (ref ch_1)") and the ``ordermill.order.payment_recorded`` event.
6. The ledger row and the order's new totals are written (``db/ledger.py``), then
   the change (``write_order_change``).
7. One transaction: all of it or nothing.

``update_payment_status`` (``orders/payments.py``) keeps setting a status by hand for
shops that keep no ledger.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.engine import Connection, Row

from ordermill.db import ledger as _ledger
from ordermill.db import rows
from ordermill.db.order_state import lock_order_by_ref, write_order_change
from ordermill.domain.change import Change
from ordermill.domain.errors import PaymentReferenceConflict
from ordermill.domain.events import PAYMENT_RECORDED
from ordermill.domain.ledger import (
    LedgerTotals,
    NewPayment,
    activity_message,
    check_amount,
    is_failed_attempt,
    ledger_payment_status,
    new_payment,
    next_payment_status,
)
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.order_state import order_label
from ordermill.domain.records import Payment
from ordermill.orders.context import Context

__all__ = ["list_payments", "record_payment"]


def record_payment(
    ctx: Context,
    order_ref: OrderRef,
    kind: str,
    amount: str | int | Decimal,
    *,
    reference: str | None = None,
    status: str = "succeeded",
    gateway: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
    conn: Connection | None = None,
) -> Payment:
    """Add a row to the order's payment ledger; see the module docstring."""
    with ctx.transaction(conn) as tx:
        locked = lock_order_by_ref(tx, order_ref, expected_version=expected_version)
        new = new_payment(
            kind,
            amount,
            currency=locked.currency,
            status=status,
            gateway=gateway,
            reference=reference,
            note=note,
        )
        if new.reference is not None:
            existing = _ledger.find_payment(tx, new.gateway, new.reference)
            if existing is not None:
                return _retried(existing, locked.order_id, new)
        totals = LedgerTotals.of(locked)
        check_amount(
            new, totals, locked.grand_total, order=order_label(locked), currency=locked.currency
        )
        after = totals.after(new.kind, new.amount) if new.moves_money else None
        change = _change(ctx, locked, new, after or totals)
        written = _ledger.insert_payment(
            tx, locked.order_id, new, currency=locked.currency, totals=after, now=change.now
        )
        change.add_event(
            PAYMENT_RECORDED,
            order_uuid=str(locked.uuid),
            payment_id=written.payment_id,
            kind=new.kind,
            status=new.status,
            amount=str(new.amount),
            currency=locked.currency,
            gateway=new.gateway,
            reference=new.reference,
        )
        write_order_change(tx, change)
    return rows.payment_from_row(written)


def _change(ctx: Context, locked: Row[object], new: NewPayment, totals: LedgerTotals) -> Change:
    """The status, history and activity of recording ``new`` (leaving ``totals``)."""
    wanted = ledger_payment_status(
        totals, locked.grand_total, failed_attempt=is_failed_attempt(new)
    )
    status = next_payment_status(ctx.config, locked, wanted)
    change = Change(locked, reason=f"payment ledger: {new.kind} {new.status}")
    change.set_payment_status(status)
    change.decide(ctx.config)
    change.add_activity(activity_message(new, locked.currency))
    return change


def _retried(existing: Row[object], order_id: int, new: NewPayment) -> Payment:
    """The row a provider's retry repeats, or ``PaymentReferenceConflict``."""
    found = rows.payment_from_row(existing)
    same = (found.order_id, found.kind, found.amount, found.status) == (
        order_id,
        new.kind,
        new.amount,
        new.status,
    )
    if not same:
        raise PaymentReferenceConflict(
            f"Payment reference {new.reference!r}"
            + (f" of gateway {new.gateway!r}" if new.gateway else "")
            + f" is already recorded as a {found.status} {found.kind} of {found.amount}"
            f" {found.currency} (payment {found.payment_id}); it cannot also be a"
            f" {new.status} {new.kind} of {new.amount}",
            gateway=new.gateway,
            reference=new.reference,
            payment_id=found.payment_id,
        )
    return found


def list_payments(
    ctx: Context, order_ref: OrderRef, *, conn: Connection | None = None
) -> list[Payment]:
    """The order's ledger rows, oldest first (``OrderNotFound`` if there is no order)."""
    with ctx.reading(conn, single_statement=True) as reader:
        return [rows.payment_from_row(r) for r in _ledger.list_payments(reader, order_ref)]

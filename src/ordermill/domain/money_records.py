"""The records of money that moved and goods that came back: ledger rows, refunds
and returns (re-exported by ``ordermill.domain.records``, where to import them from)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ordermill.domain.actor import Actor

__all__ = ["Payment", "Refund", "RefundLine", "Return", "ReturnLine", "ReturnStatusChange"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Payment:
    """One row of an order's payment ledger, as recorded (rows are never changed).

    ``kind`` is authorization, capture, sale (authorized and captured at once), void or
    refund; ``status`` succeeded or failed (a failed attempt moves no money).
    ``reference`` is the payment provider's id of the transaction, unique per
    ``gateway``; ``actor`` says who recorded it.
    """

    payment_id: int
    order_id: int
    kind: str
    status: str
    amount: Decimal
    currency: str
    gateway: str | None
    reference: str | None
    actor: Actor
    note: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundLine:
    """The units of one order line a refund gave back: ``amount`` is their share of the
    line total after the order's discount, plus their tax; ``qty_restocked`` the units
    of them put back into stock (managed SKUs only)."""

    refund_line_id: int
    refund_id: int
    order_item_id: int
    qty: int
    amount: Decimal
    qty_restocked: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Refund:
    """A refund of an order: the money given back (``amount``, also a ``refund`` row of
    the payment ledger, ``payment_id``), the lines and shipping it covers, and why.

    ``amount`` is the lines' amounts plus ``shipping_amount``, unless a custom amount
    was given; ``reason`` is a code of the configuration's ``refund_reasons``.
    """

    refund_id: int
    order_id: int
    payment_id: int
    amount: Decimal
    shipping_amount: Decimal
    currency: str
    reason: str
    note: str | None
    created_at: datetime
    lines: tuple[RefundLine, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnLine:
    """Some units of one order line asked back: ``qty_received`` of them arrived so far,
    ``qty_restocked`` of those went back to stock. ``condition`` and ``restock`` are
    those of the line's latest receipt (None before the first)."""

    return_line_id: int
    return_id: int
    order_item_id: int
    qty_requested: int
    qty_received: int
    qty_restocked: int
    condition: str | None
    restock: bool | None
    reason: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnStatusChange:
    history_id: int
    return_id: int
    from_status: str | None
    to_status: str
    reason: str | None
    changed_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Return:
    """A return (RMA) of some delivered units of an order.

    ``status``: requested, approved, received, refunded, or declined, canceled; it moves
    forward only, and each status reached has its time. ``requested_by`` is ``staff`` or
    ``customer``; ``refund_id`` names the refund that paid it back.
    """

    return_id: int
    uuid: str
    order_id: int
    order_uuid: str
    order_number: str
    status: str
    reason: str | None
    note: str | None
    requested_by: str
    decline_reason: str | None
    refund_id: int | None
    requested_at: datetime
    approved_at: datetime | None
    declined_at: datetime | None
    canceled_at: datetime | None
    received_at: datetime | None
    refunded_at: datetime | None
    created_at: datetime
    updated_at: datetime
    lines: tuple[ReturnLine, ...] = ()
    history: tuple[ReturnStatusChange, ...] = ()

    @property
    def id(self) -> int:
        return self.return_id

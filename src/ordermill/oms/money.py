"""Money: the payment ledger of an order, its refunds, and cancel-and-refund."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection

from ordermill.domain.actor import Actor, acting_as
from ordermill.domain.records import Order, Payment, Refund
from ordermill.domain.refund_preview import RefundPreview
from ordermill.oms.base import OmsBase
from ordermill.orders import ledger as _ledger
from ordermill.orders import refund_preview as _preview
from ordermill.orders import refunds as _refunds

_NOT_PAYMENT = frozenset({"self", "order", "kind", "amount", "actor"})


class MoneyFacade(OmsBase):
    def record_payment(
        self,
        order: int | str,
        kind: str,
        amount: str | int | Decimal,
        *,
        reference: str | None = None,
        status: str = "succeeded",
        gateway: str | None = None,
        note: str | None = None,
        expected_version: int | None = None,
        conn: Connection | None = None,
        actor: Actor | None = None,
    ) -> Payment:
        """A payment in the order's ledger; totals and status follow (``orders.ledger``)."""
        options = {k: v for k, v in locals().items() if k not in _NOT_PAYMENT}
        with acting_as(actor):
            return _ledger.record_payment(self.ctx, order, kind, amount, **options)

    def list_payments(self, order: int | str, *, conn: Connection | None = None) -> list[Payment]:
        return _ledger.list_payments(self.ctx, order, conn=conn)

    def refund(
        self,
        order: int | str,
        *,
        lines: list[dict[str, Any]] | None = None,
        shipping: str | int | Decimal | None = None,
        amount: str | int | Decimal | None = None,
        reason: str,
        note: str | None = None,
        conn: Connection | None = None,
        actor: Actor | None = None,
    ) -> Refund:
        """Give money back for some units of some lines (``{"order_item_id", "qty",
        "restock"}``) and shipping (an amount or ``"all"`` left), or a custom ``amount``
        up to the net paid; a ledger refund row, restock and status follow
        (``orders.refunds``)."""
        with acting_as(actor):
            return _refunds.refund(
                self.ctx, order, lines=lines, shipping=shipping, amount=amount, reason=reason,
                note=note, conn=conn,
            )  # fmt: skip

    def refund_preview(
        self,
        order: int | str,
        *,
        lines: list[dict[str, Any]] | None = None,
        shipping: str | int | Decimal | None = None,
        reason: str | None = None,
        note: str | None = None,
        conn: Connection | None = None,
    ) -> RefundPreview:
        """What ``refund`` would give back now for these lines and shipping, priced by
        the same rules, and what is left to refund of each line; writes nothing. A
        refusal is the preview's ``error`` (``orders.refund_preview``)."""
        return _preview.refund_preview(
            self.ctx, order, lines=lines or (), shipping=shipping, reason=reason, note=note,
            conn=conn,
        )  # fmt: skip

    def list_refunds(self, order: int | str, *, conn: Connection | None = None) -> list[Refund]:
        """The order's refunds with their lines, oldest first."""
        return _refunds.list_refunds(self.ctx, order, conn=conn)

    def cancel_and_refund(
        self,
        uuid: int | str,
        reason: str | None = None,
        *,
        conn: Connection | None = None,
        actor: Actor | None = None,
    ) -> Order:
        """Cancel as ``cancel_order`` does; a paid order with nothing shipped is first
        refunded what it paid (restocking once), in the same transaction."""
        with acting_as(actor):
            return _refunds.cancel_and_refund(self.ctx, uuid, reason, conn=conn)

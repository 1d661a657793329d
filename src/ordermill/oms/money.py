"""Money: the payment ledger of an order."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.engine import Connection

from ordermill.domain.actor import Actor, acting_as
from ordermill.domain.records import Payment
from ordermill.oms.base import OmsBase
from ordermill.orders import ledger as _ledger

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
        conn: Connection | None = None,
        actor: Actor | None = None,
    ) -> Payment:
        """A payment in the order's ledger; totals and status follow (``orders.ledger``)."""
        options = {k: v for k, v in locals().items() if k not in _NOT_PAYMENT}
        with acting_as(actor):
            return _ledger.record_payment(self.ctx, order, kind, amount, **options)

    def list_payments(self, order: int | str, *, conn: Connection | None = None) -> list[Payment]:
        return _ledger.list_payments(self.ctx, order, conn=conn)

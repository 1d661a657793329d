"""Returns (RMA): request, approve, decline, cancel, receive, refund and read them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection

from ordermill.domain.actor import Actor, acting_as
from ordermill.domain.records import Return
from ordermill.oms.base import OmsBase
from ordermill.orders import returns as _returns


class ReturnsFacade(OmsBase):
    def request_return(
        self,
        order: int | str,
        lines: Sequence[Mapping[str, Any]],
        *,
        reason: str | None = None,
        note: str | None = None,
        requested_by: str = "staff",
        conn: Connection | None = None,
        actor: Actor | None = None,
    ) -> Return:
        """Ask delivered units back: ``lines`` is ``[{"order_item_id", "qty", "reason"?}]``.
        A line never goes back beyond its delivered units across the order's returns."""
        with acting_as(actor):
            return _returns.request_return(
                self.ctx,
                order,
                lines,
                reason=reason,
                note=note,
                requested_by=requested_by,
                conn=conn,
            )

    def approve_return(
        self, return_uuid: str, *, conn: Connection | None = None, actor: Actor | None = None
    ) -> Return:
        """requested -> approved."""
        with acting_as(actor):
            return _returns.approve_return(self.ctx, return_uuid, conn=conn)

    def decline_return(
        self,
        return_uuid: str,
        reason: str,
        *,
        conn: Connection | None = None,
        actor: Actor | None = None,
    ) -> Return:
        """requested -> declined, with the reason why."""
        with acting_as(actor):
            return _returns.decline_return(self.ctx, return_uuid, reason, conn=conn)

    def cancel_return(
        self, return_uuid: str, *, conn: Connection | None = None, actor: Actor | None = None
    ) -> Return:
        """requested or approved -> canceled."""
        with acting_as(actor):
            return _returns.cancel_return(self.ctx, return_uuid, conn=conn)

    def receive_return(
        self,
        return_uuid: str,
        lines: Sequence[Mapping[str, Any]],
        *,
        conn: Connection | None = None,
        actor: Actor | None = None,
    ) -> Return:
        """Units arrived: ``[{"order_item_id", "qty", "condition", "restock": bool}]``
        (condition: unopened, opened or damaged); may take several receipts. Units go
        back to stock only when ``restock`` is chosen and the SKU's stock is managed."""
        with acting_as(actor):
            return _returns.receive_return(self.ctx, return_uuid, lines, conn=conn)

    def refund_return(
        self,
        return_uuid: str,
        *,
        shipping: str | int | Decimal | None = None,
        conn: Connection | None = None,
        actor: Actor | None = None,
    ) -> Return:
        """received -> refunded: one refund of the received units (no restock: the
        receipt did that), in the same transaction."""
        with acting_as(actor):
            return _returns.refund_return(self.ctx, return_uuid, shipping=shipping, conn=conn)

    def get_return(self, return_uuid: str, *, conn: Connection | None = None) -> Return:
        return _returns.get_return(self.ctx, return_uuid, conn=conn)

    def list_returns(self, order: int | str, *, conn: Connection | None = None) -> list[Return]:
        """The order's returns, oldest first."""
        return _returns.list_returns(self.ctx, order, conn=conn)

"""Pricing a refund without making it: the order and its refunds read in one snapshot,
priced by the refund rules (``domain/refund_preview.py``). Nothing is locked or written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from ordermill.db.refunds import list_refunds
from ordermill.domain.order_ref import OrderRef
from ordermill.domain.refund_preview import RefundPreview, preview_refund
from ordermill.orders.context import Context
from ordermill.orders.read import get_order

__all__ = ["refund_preview"]


def refund_preview(
    ctx: Context,
    order_ref: OrderRef,
    *,
    lines: Sequence[Mapping[str, Any]] = (),
    shipping: object = None,
    reason: str | None = None,
    note: str | None = None,
    conn: Connection | None = None,
) -> RefundPreview:
    """What ``refund`` would give back for ``lines`` and ``shipping`` now, each line with
    what is left to refund of it (``OrderNotFound``; a refusal is the preview's
    ``error``, never raised)."""
    with ctx.reading(conn) as reader:
        order = get_order(ctx, order_ref, conn=reader)
        refunds = list_refunds(reader, order.order_id)
    return preview_refund(
        order, refunds, reasons=ctx.config.refund_reasons, lines=lines, shipping=shipping,
        reason=reason, note=note,
    )  # fmt: skip

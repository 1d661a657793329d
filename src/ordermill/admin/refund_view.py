"""What the order page shows of refunds: the refund dialog's lines, priced by the refund
rules (``domain/refund_preview.py``, never in a template), the order's refunds, and
the cancel-and-refund offer. Reading the dialog's form is here too."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from ordermill.admin.web import field
from ordermill.domain.errors import InvalidInput
from ordermill.domain.records import Order
from ordermill.domain.refund_preview import cancel_and_refund_amount, preview_refund
from ordermill.domain.refunds import ALL
from ordermill.oms import Oms

__all__ = ["RefundForm", "read_refund_form", "refund_context"]

RefundForm = dict[str, Any]


def refund_context(oms: Oms, order: Order, request: RefundForm | None = None) -> dict[str, Any]:
    """The refunds, the dialog (priced for ``request``, the form read back, if any) and
    what cancel-and-refund would give back (``None``: not offered)."""
    refunds = oms.list_refunds(order.order_id)
    reasons = oms.config.refund_reasons
    return {
        "refunds": refunds,
        "items_by_id": {item.order_item_id: item for item in order.items or ()},
        "refund_reasons": reasons,
        "refund_preview": preview_refund(order, refunds, reasons=reasons, **(request or {})),
        "cancel_refund_amount": cancel_and_refund_amount(oms.config, order),
    }


def read_refund_form(order: Order, form: FormData) -> RefundForm:
    """The dialog's request: ``qty_<line>`` and ``restock_<line>`` per line (lines at 0
    left out), ``shipping`` ("all" when ticked), ``reason`` and ``note``."""
    lines = []
    for item in order.items or ():
        name = f"refund_qty_{item.order_item_id}"
        raw = field(form, name)
        if not raw:
            continue
        try:
            qty = int(raw)
        except ValueError:
            raise InvalidInput(
                f"The quantity to refund of {item.sku} must be a whole number, not {raw!r}.",
                field=name,
            ) from None
        if qty < 0:
            raise InvalidInput(
                f"The quantity to refund of {item.sku} cannot be negative.", field=name
            )
        if qty:
            restock = field(form, f"refund_restock_{item.order_item_id}") == "yes"
            lines.append({"order_item_id": item.order_item_id, "qty": qty, "restock": restock})
    return {
        "lines": lines,
        "shipping": ALL if field(form, "refund_shipping") == ALL else None,
        "reason": field(form, "refund_reason") or None,
        "note": field(form, "refund_note") or None,
    }

"""The refund dialog's actions on the order page: price a refund (htmx, as the form
changes), make it, and cancel-and-refund an order that plain cancel refuses.

The amounts are the refund rules' (``Oms.refund_preview``); a refused refund comes
back as the page with the service's message next to the dialog and the dialog as it
was filled in, never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ordermill.admin.order_page import act
from ordermill.admin.refund_view import read_refund_form, refund_context
from ordermill.admin.web import AdminUser, Form, admin_of, field, render
from ordermill.domain.errors import InvalidInput
from ordermill.domain.records import Order
from ordermill.oms import Oms

__all__ = ["router"]

router = APIRouter()


@router.post("/orders/{key}/refund/preview", name="refund_preview")
def refund_preview(request: Request, key: str, _: AdminUser, form: Form) -> Response:
    """The dialog's amounts for the form as filled in (the fragment htmx swaps in)."""
    oms = admin_of(request).oms
    order = oms.get_order(key)
    try:
        wanted = read_refund_form(order, form)
        preview = oms.refund_preview(order.order_id, **wanted)
    except InvalidInput as refused:
        preview = replace(oms.refund_preview(order.order_id), error=refused.message)
    context = {"refund_preview": preview, "order": order}
    return render(request, "refund_preview.html", context)


@router.post("/orders/{key}/refund")
def make_refund(request: Request, key: str, _: AdminUser, form: Form) -> Response:
    oms = admin_of(request).oms
    order = oms.get_order(key)
    wanted: dict[str, Any] = {}

    def call() -> object:
        wanted.update(read_refund_form(order, form))
        if not wanted["reason"]:
            raise InvalidInput("Choose the reason for the refund.", field="refund_reason")
        return oms.refund(order.uuid, **wanted)

    def again(oms: Oms, fresh: Order) -> Mapping[str, Any]:
        return refund_context(oms, fresh, wanted or None)

    return act(request, order, form, "refund", "refunded", call, extra=again)


@router.post("/orders/{key}/cancel-and-refund")
def cancel_and_refund(request: Request, key: str, _: AdminUser, form: Form) -> Response:
    oms = admin_of(request).oms
    order = oms.get_order(key)

    def call() -> object:
        reason = field(form, "reason")
        if not reason:
            raise InvalidInput("Give the reason for the cancellation.", field="reason")
        if field(form, "confirm") != "yes":
            raise InvalidInput("Tick the box to confirm the refund and cancellation.",
                               field="confirm")  # fmt: skip
        return oms.cancel_and_refund(order.uuid, reason)

    return act(request, order, form, "cancel", "canceled_refunded", call)

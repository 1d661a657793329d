"""The actions of the order page's Returns card: approve, decline, cancel, receive and
refund a return, each one POST that calls one service and answers as every action of the
order page does (``order_page._act``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from ordermill.admin.order_forms import required as _required
from ordermill.admin.order_page import _order, act
from ordermill.admin.web import AdminUser, Form, admin_of, field
from ordermill.domain.errors import InvalidInput, ReturnNotFound
from ordermill.domain.records import Order, Return

__all__ = ["router"]

router = APIRouter()


def _own_return(request: Request, order: Order, return_uuid: str) -> Return:
    """The return, if it belongs to this order: an action posted under one order must never
    touch another order's return."""
    for found in admin_of(request).oms.list_returns(order.order_id):
        if found.uuid == return_uuid:
            return found
    raise ReturnNotFound(
        f"Return {return_uuid} is not a return of order #{order.order_number}",
        order=order.order_number,
        **{"return": return_uuid},
    )


def _receipt(order: Order, found: Return, form: FormData) -> list[dict[str, object]]:
    """The receipt lines typed in the form: a quantity, condition and back-to-stock choice
    per return line (a blank or 0 quantity leaves the line out)."""
    skus = {item.order_item_id: item.sku for item in order.items or ()}
    lines: list[dict[str, object]] = []
    for line in found.lines:
        item_id = line.order_item_id
        raw = field(form, f"qty_{item_id}")
        if not raw or raw == "0":
            continue
        if not raw.isdigit():
            raise InvalidInput(
                f"The quantity received of {skus.get(item_id, item_id)} must be a whole"
                f" number, not {raw!r}.",
                field=f"qty_{item_id}",
            )
        lines.append(
            {
                "order_item_id": item_id,
                "qty": int(raw),
                "condition": field(form, f"condition_{item_id}"),
                "restock": field(form, f"restock_{item_id}") == "yes",
            }
        )
    if not lines:
        raise InvalidInput("Enter the quantity received of at least one line.", field="lines")
    return lines


@router.post("/orders/{key}/returns/{return_uuid}/{action}")
def return_action(
    request: Request, key: str, return_uuid: str, action: str, _: AdminUser, form: Form
) -> Response:
    oms, order = admin_of(request).oms, _order(request, key)
    found = _own_return(request, order, return_uuid)
    calls = {
        "approve": lambda: oms.approve_return(found.uuid),
        "decline": lambda: oms.decline_return(
            found.uuid, _required(form, "reason", "Give the reason for declining.")
        ),
        "cancel": lambda: oms.cancel_return(found.uuid),
        "receive": lambda: oms.receive_return(found.uuid, _receipt(order, found, form)),
        "refund": lambda: oms.refund_return(found.uuid),
    }
    call = calls.get(action)
    if call is None:
        raise ReturnNotFound(f"No such action on a return: {action}", action=action)
    done = f"return_{action}"
    return act(request, order, form, f"return:{found.uuid}", done, call)

"""The order page and every action on it.

Each action is a POST that calls one service. On success a plain form submission is
redirected back to the page (so a reload does not repeat it) and an htmx one gets the
page again; on a refused action the page comes back with the service's message next to
that action and the values the person typed, with 404, 409 or 422.

Every form sends the order's version it was rendered with: when the order changed since
(someone else's action), the action does nothing and the page comes back as the order
now is, saying so (409).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from ordermill.admin.formatting import Badge, badge
from ordermill.admin.order_forms import NOTICES
from ordermill.admin.order_forms import required as _required
from ordermill.admin.order_forms import shipment_items as _shipment_items
from ordermill.admin.order_forms import version as _version
from ordermill.admin.refund_view import refund_context
from ordermill.admin.return_views import CONDITIONS, return_views
from ordermill.admin.web import (
    AdminUser,
    Form,
    admin_of,
    current_principal,
    error_status,
    field,
    is_htmx,
    redirect,
    render,
)
from ordermill.domain.actor import acting_as
from ordermill.domain.carriers import tracking_url
from ordermill.domain.errors import InvalidInput, OmsError, ShipmentNotFound, StaleOrder
from ordermill.domain.order_state import CANCELED, DELIVERED
from ordermill.domain.records import Order, OrderItem, Shipment
from ordermill.domain.status import (
    can_cancel_order,
    payment_status_choices,
    resolve_order_status,
)
from ordermill.oms import Oms
from ordermill.orders.reports import CANCELED_ORDER_STATUS

__all__ = ["NOTICES", "LineView", "ShipmentView", "act", "router", "show"]

router = APIRouter()


@dataclass(frozen=True, slots=True)
class LineView:
    item: OrderItem
    shipped: int
    delivered: int
    to_ship: int


@dataclass(frozen=True, slots=True)
class ShipmentView:
    shipment: Shipment
    number: int
    badge: Badge
    lines: tuple[tuple[OrderItem | None, int], ...]
    can_deliver: bool
    can_cancel: bool
    can_edit: bool
    tracking_url: str | None


def _lines(order: Order) -> list[LineView]:
    canceled = order.status == CANCELED_ORDER_STATUS
    views = []
    for item in order.items or ():
        # Units in shipments that are not canceled; the delivered ones are among them.
        shipped = item.qty_shipped or 0
        delivered = item.qty_delivered or 0
        to_ship = 0 if canceled or not item.requires_shipping else max(item.qty - shipped, 0)
        views.append(LineView(item=item, shipped=shipped, delivered=delivered, to_ship=to_ship))
    return views


def _shipments(oms: Oms, order: Order) -> list[ShipmentView]:
    items = {item.order_item_id: item for item in order.items or ()}
    statuses = oms.config.shipment_statuses
    views = []
    for number, shipment in enumerate(order.shipments or (), start=1):
        definition = statuses.get(shipment.status)
        phase = definition.phase if definition else None
        closed = phase in (DELIVERED, CANCELED) or shipment.status in (DELIVERED, CANCELED)
        views.append(
            ShipmentView(
                shipment=shipment,
                number=number,
                badge=badge(oms.config, "shipment", shipment.status),
                lines=tuple((items.get(si.order_item_id), si.qty) for si in shipment.items),
                can_deliver=not closed,
                can_cancel=not closed,
                can_edit=CANCELED not in (shipment.status, phase),
                tracking_url=tracking_url(
                    oms.config.carriers, shipment.carrier, shipment.tracking_number
                ),
            )
        )
    return views


def _payment_choices(oms: Oms, order: Order) -> list[Badge]:
    """The payment statuses offered; the service checks again, this keeps refused ones off."""
    codes = payment_status_choices(
        oms.config, order.status, order.payment_status, order.shipment_status
    )
    return [badge(oms.config, "payment", code) for code in codes]


_SHIPMENT_UUID = re.compile(
    r"\bshipment ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)


def _history_reasons(order: Order) -> dict[int, str]:
    """Each status change's reason, a shipment named as the page names it ("Shipment 1")
    rather than by the uuid the log keeps."""
    numbers = {s.uuid: n for n, s in enumerate(order.shipments or (), start=1)}

    def named(found: re.Match[str]) -> str:
        number = numbers.get(found.group(1))
        return found.group(0) if number is None else f"Shipment {number}"

    return {h.history_id: _SHIPMENT_UUID.sub(named, h.reason or "") for h in order.history or ()}


def _final_payment_choices(oms: Oms, order: Order) -> dict[str, str]:
    """The payment choices that would close the order for good (refunded, canceled: the
    order status they resolve to leads nowhere), each with the question to confirm."""
    config, questions = oms.config, {}
    for code in payment_status_choices(
        config, order.status, order.payment_status, order.shipment_status
    ):
        resolved = resolve_order_status(config, code, order.shipment_status)
        if resolved != order.status and not config.order_statuses[resolved].next:
            questions[code] = (
                f"Yes, mark the payment {config.payment_statuses[code].name}: the order"
                f" becomes {config.order_statuses[resolved].name}, which cannot be undone."
            )
    return questions


def page_context(oms: Oms, order: Order) -> dict[str, Any]:
    lines = _lines(order)
    cancelable = can_cancel_order(
        oms.config, order.status, order.payment_status, order.shipment_status
    )
    return {
        "title": f"Order #{order.order_number}",
        "nav": "orders",
        "order": order,
        "lines": lines,
        "can_ship": any(line.to_ship for line in lines),
        "shipments": _shipments(oms, order),
        "returns": return_views(oms, order),
        "return_conditions": CONDITIONS,
        "carrier_names": [c.name for c in oms.config.carriers.values()],
        "payment_choices": _payment_choices(oms, order),
        "payment_current": badge(oms.config, "payment", order.payment_status),
        "payment_questions": _final_payment_choices(oms, order),
        "payments": oms.list_payments(order.order_id),
        "cancelable": cancelable,
        "activities": sorted(
            order.activities or (), key=lambda a: (a.created_at, a.activity_id), reverse=True
        ),
        "history": sorted(order.history or (), key=lambda h: (h.changed_at, h.history_id)),
        "history_reasons": _history_reasons(order),
        **refund_context(oms, order),
        "tracking_link": oms.get_tracking_link(order.order_id),
        "issued_tracking_url": None,
    }


def show(
    request: Request,
    key: str,
    *,
    notice: str | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
    extra: Callable[[Oms, Order], Mapping[str, Any]] | None = None,
    stale: bool = False,
    issued_tracking_url: str | None = None,
) -> Response:
    """The page of order ``key``; ``extra`` adds to (or replaces in) its context."""
    oms = admin_of(request).oms
    order = oms.get_order(key)
    context = page_context(oms, order)
    context.update(
        {
            "notice": notice,
            "errors": dict(errors or {}),
            "values": dict(values or {}),
            "stale": stale,
        }
    )
    if extra is not None:
        context.update(extra(oms, order))
    context["issued_tracking_url"] = issued_tracking_url
    return render(request, "order.html", context, status_code=status_code)


@router.get("/orders/{key}", name="order")
def order_page(request: Request, key: str, _: AdminUser, done: str | None = None) -> Response:
    return show(request, key, notice=NOTICES.get(done or ""))


def act(
    request: Request,
    order: Order,
    form: FormData,
    action: str,
    done: str,
    call: Callable[[], object],
    extra: Callable[[Oms, Order], Mapping[str, Any]] | None = None,
) -> Response:
    """Run one service call on ``order`` as the signed-in token (the history's actor),
    and answer as the module docstring says (``extra``: more context for the page of a
    refused action)."""
    principal = current_principal(request)
    try:
        with acting_as(None if principal is None else principal.actor):
            call()
    except StaleOrder:
        return show(request, order.order_number, stale=True, status_code=409)
    except OmsError as error:
        values = {name: value for name, value in form.items() if isinstance(value, str)}
        return show(
            request,
            order.order_number,
            errors={action: str(error)},
            values=values,
            status_code=error_status(error),
            extra=extra,
        )
    if is_htmx(request):
        return show(request, order.order_number, notice=NOTICES[done])
    return redirect(request, f"/orders/{order.order_number}?done={done}")


def _order(request: Request, key: str) -> Order:
    """The order the URL names; an unknown one is a 404 page, not an error on the form."""
    return admin_of(request).oms.get_order(key)


def _own_shipment(order: Order, shipment_uuid: str) -> Shipment:
    """The shipment, if it belongs to this order: an action posted under one order must
    never touch another order's shipment."""
    for shipment in order.shipments or ():
        if shipment.uuid == shipment_uuid:
            return shipment
    raise ShipmentNotFound(
        f"Shipment {shipment_uuid} is not a shipment of order #{order.order_number}",
        shipment=shipment_uuid,
        order=order.order_number,
    )


@router.post("/orders/{key}/payment-status")
def set_payment_status(request: Request, key: str, _: AdminUser, form: Form) -> Response:
    oms, order = admin_of(request).oms, _order(request, key)

    def call() -> object:
        status = _required(form, "payment_status", "Choose the new payment status.")
        question = _final_payment_choices(oms, order).get(status)
        if question is not None and field(form, "confirm") != "yes":
            # Re-rendered with the question as a required checkbox (order.html).
            raise InvalidInput("Confirm this change below: it cannot be undone.", field="confirm")
        return oms.update_payment_status(order.uuid, status, expected_version=_version(form))

    return act(request, order, form, "payment", "payment", call)


@router.post("/orders/{key}/shipments")
def create_shipment(request: Request, key: str, _: AdminUser, form: Form) -> Response:
    oms, order = admin_of(request).oms, _order(request, key)

    def call() -> object:
        items = _shipment_items(order, form)
        carrier = _required(form, "carrier", "Enter the carrier.")
        return oms.create_shipment(
            order.uuid,
            carrier,
            field(form, "tracking_number") or None,
            items=items,
            expected_version=_version(form),
        )

    return act(request, order, form, "shipment", "shipment", call)


@router.post("/orders/{key}/shipments/{shipment_uuid}/tracking")
def edit_tracking(
    request: Request, key: str, shipment_uuid: str, _: AdminUser, form: Form
) -> Response:
    oms, order = admin_of(request).oms, _order(request, key)
    shipment = _own_shipment(order, shipment_uuid)

    def call() -> object:
        carrier = _required(form, "carrier", "The carrier cannot be empty.")
        return oms.update_shipment(
            shipment.uuid,
            carrier=carrier,
            tracking_number=field(form, "tracking_number") or None,
            expected_version=_version(form),
        )

    return act(request, order, form, f"shipment:{shipment.uuid}", "tracking", call)


@router.post("/orders/{key}/shipments/{shipment_uuid}/deliver")
def mark_delivered(
    request: Request, key: str, shipment_uuid: str, _: AdminUser, form: Form
) -> Response:
    oms, order = admin_of(request).oms, _order(request, key)
    shipment = _own_shipment(order, shipment_uuid)
    return act(
        request,
        order,
        form,
        f"shipment:{shipment.uuid}",
        "delivered",
        lambda: oms.mark_delivered(shipment.uuid, expected_version=_version(form)),
    )


@router.post("/orders/{key}/shipments/{shipment_uuid}/cancel")
def cancel_shipment(
    request: Request, key: str, shipment_uuid: str, _: AdminUser, form: Form
) -> Response:
    oms, order = admin_of(request).oms, _order(request, key)
    shipment = _own_shipment(order, shipment_uuid)
    return act(
        request,
        order,
        form,
        f"shipment:{shipment.uuid}",
        "shipment_canceled",
        lambda: oms.cancel_shipment(shipment.uuid, expected_version=_version(form)),
    )


@router.post("/orders/{key}/cancel")
def cancel_order(request: Request, key: str, _: AdminUser, form: Form) -> Response:
    oms, order = admin_of(request).oms, _order(request, key)

    def call() -> object:
        reason = _required(form, "reason", "Give the reason for the cancellation.")
        if field(form, "confirm") != "yes":
            raise InvalidInput("Tick the box to confirm the cancellation.", field="confirm")
        return oms.cancel_order(order.uuid, reason=reason, expected_version=_version(form))

    return act(request, order, form, "cancel", "canceled", call)


@router.post("/orders/{key}/notes")
def add_note(request: Request, key: str, _: AdminUser, form: Form) -> Response:
    oms, order = admin_of(request).oms, _order(request, key)

    def call() -> object:
        message = _required(form, "message", "Write the note first.")
        return oms.add_order_activity_log(
            order.uuid,
            message,
            customer_notified=field(form, "customer_notified") == "yes",
            expected_version=_version(form),
        )

    return act(request, order, form, "note", "note", call)

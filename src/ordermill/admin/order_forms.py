"""The order page's form fields: what a person typed, checked before any service runs."""

from __future__ import annotations

from starlette.datastructures import FormData

from ordermill.admin.web import field
from ordermill.domain.errors import InvalidInput
from ordermill.domain.records import Order

__all__ = ["NOTICES", "required", "shipment_items", "version"]


def version(form: FormData) -> int | None:
    """The order's version the form was rendered with (None: a form without one)."""
    raw = field(form, "version")
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput(f"version: {raw[:20]!r} is not an order version", field="version")
    return int(raw)


def required(form: FormData, name: str, message: str) -> str:
    value = field(form, name)
    if not value:
        raise InvalidInput(message, field=name)
    return value


def shipment_items(order: Order, form: FormData) -> list[dict[str, int]]:
    items = []
    for item in order.items or ():
        raw = field(form, f"qty_{item.order_item_id}")
        if not raw:
            continue
        try:
            qty = int(raw)
        except ValueError:
            raise InvalidInput(
                f"The quantity to ship of {item.sku} must be a whole number, not {raw!r}.",
                field=f"qty_{item.order_item_id}",
            ) from None
        if qty < 0:
            raise InvalidInput(
                f"The quantity to ship of {item.sku} cannot be negative.",
                field=f"qty_{item.order_item_id}",
            )
        if qty:
            items.append({"order_item_id": item.order_item_id, "qty": qty})
    if not items:
        raise InvalidInput("Choose at least one item to ship.", field="items")
    return items


# What the order page says after each action (``?done=`` names one).
NOTICES = {
    "payment": "Payment status updated.",
    "shipment": "Shipment created.",
    "tracking": "Tracking details saved.",
    "delivered": "Shipment marked as delivered.",
    "shipment_canceled": "Shipment canceled; its items can be shipped again.",
    "canceled": "Order canceled.",
    "note": "Note added.",
    "refunded": "Refund recorded.",
    "canceled_refunded": "Order canceled and refunded.",
    "return_approve": "Return approved.",
    "return_decline": "Return declined.",
    "return_cancel": "Return canceled.",
    "return_receive": "Return receipt recorded.",
    "return_refund": "Return refunded.",
    "tracking_revoked": "Tracking link revoked: its page now answers “not found”.",
}

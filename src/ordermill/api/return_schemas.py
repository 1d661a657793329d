"""Request and response bodies of the returns (RMA) routes, and the views that build the
responses: staff see everything; customers see their returns without the staff note,
the restock decisions, the refund's id or the history's reasons."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, StringConstraints

from ordermill.api.schemas import MAX_ORDER_LINES, Money, _Request, _Response
from ordermill.domain.records import Return, ReturnLine

__all__ = [
    "CustomerReturn",
    "CustomerReturnList",
    "DeclineReturnRequest",
    "ReceiveReturnRequest",
    "RefundReturnRequest",
    "RequestReturnRequest",
    "StaffReturn",
    "StaffReturnList",
    "return_list",
    "return_view",
]

_WHOLE = "A whole number written without a fraction"
_Id = Annotated[StrictInt, Field(ge=1, le=2**63 - 1, description=_WHOLE)]
_Qty = Annotated[StrictInt, Field(ge=1, le=1_000_000, description=_WHOLE)]
_Reason = Annotated[str, StringConstraints(max_length=255, pattern=r"^[^\x00]*$")]
_Lines = Field(min_length=1, max_length=MAX_ORDER_LINES)


class ReturnLineIn(_Request):
    order_item_id: _Id
    qty: _Qty
    reason: _Reason | None = None


class RequestReturnRequest(_Request):
    lines: Annotated[list[ReturnLineIn], _Lines]
    reason: _Reason | None = None
    note: Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00]*$")] | None = None


class DeclineReturnRequest(_Request):
    reason: Annotated[
        str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\x00]*[^\s\x00][^\x00]*$")
    ]


class ReceiptLineIn(_Request):
    order_item_id: _Id
    qty: _Qty
    condition: Literal["unopened", "opened", "damaged"]
    restock: StrictBool = Field(
        default=False, description="Put the units back into stock (managed SKUs only)"
    )


class ReceiveReturnRequest(_Request):
    lines: Annotated[list[ReceiptLineIn], _Lines]


class RefundReturnRequest(_Request):
    shipping: Money | Literal["all"] | None = Field(
        default=None, description='Shipping to refund too: an amount or "all"'
    )


class CustomerReturnLine(_Response):
    order_item_id: int
    qty_requested: int
    qty_received: int
    condition: str | None
    reason: str | None


class StaffReturnLine(CustomerReturnLine):
    return_line_id: int
    qty_restocked: int
    restock: bool | None


class CustomerReturnStatusChange(_Response):
    from_status: str | None
    to_status: str
    changed_at: datetime


class StaffReturnStatusChange(CustomerReturnStatusChange):
    reason: str | None


class CustomerReturn(_Response):
    uuid: str
    order_uuid: str
    order_number: str
    status: str
    reason: str | None
    requested_by: str
    decline_reason: str | None
    requested_at: datetime
    approved_at: datetime | None
    declined_at: datetime | None
    canceled_at: datetime | None
    received_at: datetime | None
    refunded_at: datetime | None
    lines: list[CustomerReturnLine]
    history: list[CustomerReturnStatusChange]


class StaffReturn(CustomerReturn):
    return_id: int
    order_id: int
    note: str | None
    refund_id: int | None
    lines: list[StaffReturnLine]  # type: ignore[assignment]
    history: list[StaffReturnStatusChange]  # type: ignore[assignment]


class CustomerReturnList(_Response):
    items: list[CustomerReturn]


class StaffReturnList(_Response):
    items: list[StaffReturn]


_SHARED = (
    "uuid", "order_uuid", "order_number", "status", "reason", "requested_by",
    "decline_reason", "requested_at", "approved_at", "declined_at", "canceled_at",
    "received_at", "refunded_at",
)  # fmt: skip
_LINE = ("order_item_id", "qty_requested", "qty_received", "condition", "reason")


def _line(value: ReturnLine, *, admin: bool) -> CustomerReturnLine:
    shared = {name: getattr(value, name) for name in _LINE}
    if not admin:
        return CustomerReturnLine(**shared)
    return StaffReturnLine(
        **shared,
        return_line_id=value.return_line_id,
        qty_restocked=value.qty_restocked,
        restock=value.restock,
    )


def return_view(value: Return, *, admin: bool) -> CustomerReturn:
    """The return as this audience sees it (``StaffReturn`` for an admin)."""
    shared = {name: getattr(value, name) for name in _SHARED}
    lines = [_line(line, admin=admin) for line in value.lines]
    if not admin:
        history = [
            CustomerReturnStatusChange(
                from_status=h.from_status, to_status=h.to_status, changed_at=h.changed_at
            )
            for h in value.history
        ]
        return CustomerReturn(**shared, lines=lines, history=history)
    return StaffReturn(
        **shared,
        return_id=value.return_id,
        order_id=value.order_id,
        note=value.note,
        refund_id=value.refund_id,
        lines=lines,
        history=[
            StaffReturnStatusChange(
                from_status=h.from_status,
                to_status=h.to_status,
                changed_at=h.changed_at,
                reason=h.reason,
            )
            for h in value.history
        ],
    )


def return_list(found: list[Return], *, admin: bool) -> CustomerReturnList | StaffReturnList:
    views = [return_view(r, admin=admin) for r in found]
    if admin:
        return StaffReturnList(items=[v for v in views if isinstance(v, StaffReturn)])
    return CustomerReturnList(items=views)

"""Refunds of an order (staff only): refund lines and shipping, list the refunds, and
cancel-and-refund a paid order that nothing was shipped of."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import Field, StrictBool, StrictInt, StringConstraints
from sqlalchemy.engine import Connection
from starlette.responses import Response

from ordermill.api import access
from ordermill.api.customer_schemas import CustomerOrder
from ordermill.api.deps import Authorized, IdempotencyKey, OmsDep
from ordermill.api.idempotency import StoredResponse
from ordermill.api.openapi import MUTATION, READ, problems, success_headers
from ordermill.api.problems import ProblemRoute
from ordermill.api.replies import json_response, mutate, reply
from ordermill.api.routes.orders import OrderKey, order_url
from ordermill.api.schemas import (
    CancelOrderRequest,
    Money,
    MoneyOut,
    StaffOrder,
    _Request,
    _Response,
)
from ordermill.api.views import order_view
from ordermill.domain.records import Refund

router = APIRouter(route_class=ProblemRoute, tags=["refunds"])

_NO_NUL = r"^[^\x00]*$"
_ID = Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]


class RefundLineIn(_Request):
    order_item_id: _ID
    qty: Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
    restock: StrictBool = Field(
        default=False, description="Put the units back into stock (managed SKUs, once)"
    )


class RefundRequest(_Request):
    lines: list[RefundLineIn] | None = Field(
        default=None,
        description="Units of lines to refund: each gives back its share of the grand total",
    )
    shipping: Literal["all"] | Money | None = Field(
        default=None, description='An amount of the shipping fee, or "all" that is left'
    )
    amount: Money | None = Field(
        default=None, description="A custom amount instead of the lines' and shipping's"
    )
    reason: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(
        description="A refund reason code of the status configuration"
    )
    note: Annotated[str, StringConstraints(max_length=2000, pattern=_NO_NUL)] | None = None


class RefundLineView(_Response):
    refund_line_id: int
    order_item_id: int
    qty: int
    amount: MoneyOut
    qty_restocked: int


class RefundView(_Response):
    refund_id: int
    payment_id: int
    amount: MoneyOut
    shipping_amount: MoneyOut
    currency: str
    reason: str
    note: str | None
    created_at: datetime
    lines: list[RefundLineView]


class RefundList(_Response):
    items: list[RefundView]


def refund_view(value: Refund) -> RefundView:
    return RefundView(
        refund_id=value.refund_id,
        payment_id=value.payment_id,
        amount=value.amount,
        shipping_amount=value.shipping_amount,
        currency=value.currency,
        reason=value.reason,
        note=value.note,
        created_at=value.created_at,
        lines=[
            RefundLineView(
                refund_line_id=line.refund_line_id,
                order_item_id=line.order_item_id,
                qty=line.qty,
                amount=line.amount,
                qty_restocked=line.qty_restocked,
            )
            for line in value.lines
        ],
    )


@router.post(
    "/orders/{order_uuid}/refunds",
    status_code=201,
    response_model=RefundView,
    summary="Refund units of lines and shipping, or a custom amount (a ledger refund follows)",
    description=(
        "Each unit gives back its share of the grand total (discount and tax spread over"
        " the lines), so refunding everything gives back exactly the total. More than the"
        " net paid, the shipping left or a line's units left is 409; an unknown reason or"
        " line is 422."
    ),
    responses={**success_headers(201, created=True), **problems(*MUTATION, 404)},
)
def create_refund(
    request: Request,
    order_uuid: OrderKey,
    body: RefundRequest,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def execute(conn: Connection) -> StoredResponse:
        done = oms.refund(
            order_uuid,
            lines=[line.model_dump() for line in body.lines] if body.lines else None,
            shipping=body.shipping,
            amount=body.amount,
            reason=body.reason,
            note=body.note,
            conn=conn,
        )
        location = f"{order_url(order_uuid)}/refunds"
        return reply(refund_view(done), status=201, location=location)

    return mutate(oms, request, principal, idempotency_key, body, execute)


@router.get(
    "/orders/{order_uuid}/refunds",
    response_model=RefundList,
    summary="The order's refunds with their lines, oldest first",
    responses=problems(*READ, 404),
)
def list_order_refunds(
    order_uuid: OrderKey,
    oms: OmsDep,
    principal: Authorized,
) -> Response:
    found = oms.list_refunds(order_uuid)
    return json_response(RefundList(items=[refund_view(r) for r in found]))


@router.post(
    "/orders/{order_uuid}/cancel-and-refund",
    response_model=StaffOrder | CustomerOrder,
    summary="Cancel the order, first refunding what it paid when nothing was shipped",
    description=(
        "An order that /cancel accepts is canceled the same way. A paid or partly paid"
        " order with nothing shipped is refunded its net paid (every unit and the shipping"
        " left, restocked once) and canceled in one transaction; anything shipped is 409."
    ),
    responses={**success_headers(200), **problems(*MUTATION, 404)},
)
def cancel_and_refund(
    request: Request,
    order_uuid: OrderKey,
    oms: OmsDep,
    principal: Authorized,
    body: CancelOrderRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    given = body or CancelOrderRequest()

    def execute(conn: Connection) -> StoredResponse:
        canceled = oms.cancel_and_refund(order_uuid, given.reason, conn=conn)
        found = access.details_for(principal, canceled, conn=conn)
        return reply(order_view(found, admin=principal.is_admin, config=oms.config))

    return mutate(oms, request, principal, idempotency_key, given, execute)

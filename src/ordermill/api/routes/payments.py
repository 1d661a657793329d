"""The payment ledger of an order: record a payment, list the ledger (staff only)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import Field, StringConstraints
from sqlalchemy.engine import Connection
from starlette.responses import Response

from ordermill.api.deps import Authorized, IdempotencyKey, IfMatch, OmsDep
from ordermill.api.etags import expected_version
from ordermill.api.idempotency import StoredResponse
from ordermill.api.openapi import ORDER_MUTATION, READ, problems, success_headers
from ordermill.api.problems import ProblemRoute
from ordermill.api.replies import json_response, mutate, reply
from ordermill.api.routes.orders import OrderKey, order_url
from ordermill.api.schemas import ActorView, Money, _Request, _Response
from ordermill.domain.records import Payment

router = APIRouter(route_class=ProblemRoute, tags=["payments"])

_NO_NUL = r"^[^\x00]*$"


class RecordPaymentRequest(_Request):
    kind: Literal["authorization", "capture", "sale", "void", "refund"]
    amount: Money = Field(description="In the order's currency, at most its minor unit's decimals")
    status: Literal["succeeded", "failed"] = "succeeded"
    reference: Annotated[str, StringConstraints(max_length=255, pattern=_NO_NUL)] | None = Field(
        default=None, description="The provider's id; recorded once per gateway"
    )
    gateway: Annotated[str, StringConstraints(max_length=64, pattern=_NO_NUL)] | None = None
    note: Annotated[str, StringConstraints(max_length=2000, pattern=_NO_NUL)] | None = None


class PaymentView(_Response):
    payment_id: int
    kind: str
    status: str
    amount: Decimal
    currency: str
    gateway: str | None
    reference: str | None
    actor: ActorView
    note: str | None
    created_at: datetime


class PaymentList(_Response):
    items: list[PaymentView]


def payment_view(value: Payment) -> PaymentView:
    return PaymentView(
        payment_id=value.payment_id,
        kind=value.kind,
        status=value.status,
        amount=value.amount,
        currency=value.currency,
        gateway=value.gateway,
        reference=value.reference,
        actor=ActorView.of(value.actor),
        note=value.note,
        created_at=value.created_at,
    )


@router.post(
    "/orders/{order_uuid}/payments",
    status_code=201,
    response_model=PaymentView,
    summary="Record an authorization, capture, sale, void or refund (the payment status follows)",
    description=(
        "A provider's (gateway, reference) is recorded once: the same payment again answers"
        " with the row recorded first (201, nothing written); a different one under that"
        " reference is 409. An amount beyond what its kind allows now is 422."
    ),
    responses={**success_headers(201, created=True), **problems(*ORDER_MUTATION)},
)
def record_payment(
    request: Request,
    order_uuid: OrderKey,
    body: RecordPaymentRequest,
    oms: OmsDep,
    principal: Authorized,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    expected = expected_version(if_match)

    def execute(conn: Connection) -> StoredResponse:
        recorded = oms.record_payment(
            order_uuid,
            body.kind,
            body.amount,
            reference=body.reference,
            status=body.status,
            gateway=body.gateway,
            note=body.note,
            expected_version=expected,
            conn=conn,
        )
        location = f"{order_url(order_uuid)}/payments"
        return reply(payment_view(recorded), status=201, location=location)

    return mutate(oms, request, principal, idempotency_key, body, execute)


@router.get(
    "/orders/{order_uuid}/payments",
    response_model=PaymentList,
    summary="The order's payment ledger, oldest first",
    responses=problems(*READ, 404),
)
def list_order_payments(
    order_uuid: OrderKey,
    oms: OmsDep,
    principal: Authorized,
) -> Response:
    found = oms.list_payments(order_uuid)
    return json_response(PaymentList(items=[payment_view(p) for p in found]))

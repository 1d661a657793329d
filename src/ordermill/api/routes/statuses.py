"""The configured status vocabulary, for user interfaces: names, badges and flags."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from ordermill.api.deps import Authorized, OmsDep
from ordermill.api.openapi import READ, problems
from ordermill.api.problems import ProblemRoute
from ordermill.api.replies import json_response
from ordermill.domain.config import ROLLUP_WORDS, Config
from ordermill.domain.status import display

router = APIRouter(route_class=ProblemRoute, tags=["statuses"])


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class PaymentStatusView(_View):
    code: str
    name: str
    badge: str
    is_default: bool
    is_cancelable: bool


class ShipmentStatusView(_View):
    code: str
    name: str
    badge: str
    is_default: bool
    is_cancelable: bool | None = Field(
        description="null for a rollup word: its cancelability follows the shipments"
    )
    phase: Literal["shipped", "delivered", "canceled"] | None
    rollup: bool = Field(
        description="A word derived from the order's shipments rather than a configured status"
    )


class OrderStatusView(_View):
    code: str
    name: str
    badge: str
    is_default: bool
    next: list[str]


class StatusesResponse(_View):
    payment: list[PaymentStatusView]
    shipment: list[ShipmentStatusView]
    order: list[OrderStatusView] = Field(description="In flow order")


def statuses_view(config: Config) -> StatusesResponse:
    payment = [
        PaymentStatusView(
            code=code,
            name=s.name,
            badge=s.badge,
            is_default=s.is_default,
            is_cancelable=s.is_cancelable,
        )
        for code, s in config.payment_statuses.items()
    ]
    shipment = [
        ShipmentStatusView(
            code=code,
            name=s.name,
            badge=s.badge,
            is_default=s.is_default,
            is_cancelable=s.is_cancelable,
            phase=s.phase,
            rollup=False,
        )
        for code, s in config.shipment_statuses.items()
    ]
    for word in ROLLUP_WORDS:
        if word not in config.shipment_statuses:
            name, badge = display(config, "shipment", word)
            shipment.append(
                ShipmentStatusView(
                    code=word,
                    name=name,
                    badge=badge,
                    is_default=False,
                    is_cancelable=None,
                    phase=None,
                    rollup=True,
                )
            )
    order = [
        OrderStatusView(
            code=code,
            name=config.order_statuses[code].name,
            badge=config.order_statuses[code].badge,
            is_default=config.order_statuses[code].is_default,
            next=list(config.order_statuses[code].next),
        )
        for code in config.order_status_flow
    ]
    return StatusesResponse(payment=payment, shipment=shipment, order=order)


@router.get(
    "/statuses",
    response_model=StatusesResponse,
    summary="Payment, shipment (with the rollup words) and order statuses",
    responses=problems(*READ),
)
def list_statuses(
    oms: OmsDep,
    principal: Authorized,
) -> Response:
    return json_response(statuses_view(oms.config))

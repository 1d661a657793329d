"""The configured status vocabulary, for user interfaces: names, badges and flags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from starlette.responses import Response

from ordermill.api.deps import Allowed, OmsDep
from ordermill.api.openapi import READ, problems
from ordermill.api.problems import ProblemRoute
from ordermill.api.replies import json_response
from ordermill.api.schemas import StatusesResponse
from ordermill.api.views import statuses_view
from ordermill.domain.records import Principal

router = APIRouter(route_class=ProblemRoute, tags=["statuses"])


@router.get(
    "/statuses",
    response_model=StatusesResponse,
    summary="Payment, shipment (with the rollup words) and order statuses",
    responses=problems(*READ),
)
def list_statuses(
    oms: OmsDep,
    principal: Annotated[Principal, Allowed("statuses:read")],
) -> Response:
    return json_response(statuses_view(oms.config))

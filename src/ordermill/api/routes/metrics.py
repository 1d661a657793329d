"""``GET /metrics``: the Prometheus metrics, for a token allowed ``metrics:read`` (admins).

Not in the OpenAPI contract (it is for the monitoring system, in Prometheus's text
format). With ``--metrics-bind`` the metrics are served on that address instead and
this route is not mounted (``create_app(metrics_route=False)``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ordermill.api.deps import Authorized, OmsDep
from ordermill.api.problems import ProblemRoute

router = APIRouter(route_class=ProblemRoute, include_in_schema=False)


@router.get("/metrics")
async def metrics(request: Request, oms: OmsDep, _: Authorized) -> Response:
    from ordermill.ops.metrics import CONTENT_TYPE_LATEST, render

    sampler = getattr(request.app.state, "pool_sampler", None)
    body = await run_in_threadpool(render, oms.engine, sampler)
    return Response(body, media_type=CONTENT_TYPE_LATEST)

"""Liveness and readiness probes: no authentication, no business data."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ordermill.api.deps import OmsDep
from ordermill.api.openapi import problems
from ordermill.api.problems import ProblemRoute
from ordermill.api.replies import json_response
from ordermill.orders.health import check_database

router = APIRouter(route_class=ProblemRoute, tags=["health"])


class ReplicaHealth(BaseModel):
    state: Literal["in_use", "lagging", "down"] = Field(
        description="in_use: listings, exports and reports read from the replica; lagging"
        " (behind by more than max_lag_seconds) or down: they read from the primary"
    )
    lag_seconds: float | None = Field(description="How far behind it is; null when unknown")
    max_lag_seconds: float


class Health(BaseModel):
    status: str


class Ready(Health):
    replica: ReplicaHealth | None = Field(
        default=None, description="The read replica; absent when none is configured"
    )


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Ready,
    summary="The database is reachable and its schema up to date",
    responses=problems(503),
)
def readyz(oms: OmsDep) -> Response:
    """503 when the database is unreachable, has no schema or one of another migration.

    A read replica's lag is shown; a replica that lags or is down does not make the
    service unready (the primary serves its reads meanwhile).
    """
    problem = check_database(oms.ctx)
    if problem is not None:
        raise StarletteHTTPException(503, problem, headers={"Retry-After": "5"})
    replica = oms.replica_status()
    if replica is None:  # no replica configured: no "replica" key at all
        return json_response(Ready(status="ok"), exclude={"replica"})
    lag = None if replica.lag_seconds is None else round(replica.lag_seconds, 3)
    health = ReplicaHealth(
        state=replica.state, lag_seconds=lag, max_lag_seconds=replica.max_lag_seconds
    )
    return json_response(Ready(status="ok", replica=health))

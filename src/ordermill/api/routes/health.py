"""Liveness and readiness probes: no authentication, no business data."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ordermill.api.deps import OmsDep
from ordermill.api.openapi import problems
from ordermill.api.problems import ProblemRoute
from ordermill.orders.health import check_database

router = APIRouter(route_class=ProblemRoute, tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="The database is reachable and its schema up to date",
    responses=problems(503),
)
def readyz(oms: OmsDep) -> Health:
    """503 when the database is unreachable, has no schema or one of another migration."""
    problem = check_database(oms.ctx)
    if problem is not None:
        raise StarletteHTTPException(503, problem, headers={"Retry-After": "5"})
    return Health(status="ok")

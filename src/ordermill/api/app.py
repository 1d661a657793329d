"""The FastAPI application: ``create_app(oms)`` for a given Oms, ``app_factory()`` for uvicorn.

    uvicorn ordermill.api:app_factory --factory --workers 4

``app_factory`` reads the settings (``ordermill.ops.settings``: ``ORDERMILL_*``
variables over ``$ORDERMILL_SETTINGS_FILE``), which is what ``ordermill serve``
exports before starting uvicorn, so each worker process builds its own engine.
Its ``read_database_url`` and ``max_replica_lag`` name a read replica; its
``statement_timeout`` (seconds, default 30, 0 for none) bounds every statement.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ordermill.api.docs_pages import mount_docs
from ordermill.api.observe import Observe, observed
from ordermill.api.openapi import build_openapi, operation_id
from ordermill.api.problems import (
    PROBLEM_MEDIA_TYPE,
    RequestTooLarge,
    handle_http_exception,
    handle_oms_error,
    handle_unexpected,
    handle_validation_error,
    problem_type,
)
from ordermill.domain.errors import OmsError
from ordermill.domain.ratelimit import TokenBuckets
from ordermill.oms import Oms, connect
from ordermill.ops.logs import configure_logging
from ordermill.ops.settings import Settings, load_settings

__all__ = ["API_PREFIX", "DEFAULT_MAX_BODY_BYTES", "app_factory", "create_app"]

logger = logging.getLogger("ordermill.api")

API_PREFIX = "/api/v1"
# An order of 500 lines with long names stays well under this.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024

_DESCRIPTION = """\
The ordermill order management service.

Authenticate with `Authorization: Bearer <token>` (create tokens with
`ordermill tokens create`). An **admin** token may do everything. A **customer**
token sees only that customer's orders (another customer's order answers exactly
like a missing one), only the activities the customer was notified of, and may
cancel its own order when the order is cancelable; every other change is 403.

Money amounts are decimal strings. Errors are RFC 9457 `application/problem+json`
with a stable `type` and `code` per error class. Every POST, PATCH and PUT accepts
an `Idempotency-Key` header.
"""


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with a 413 problem.

    A declared Content-Length over the limit is refused before the app runs; a
    body streamed without one is counted while the route reads it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise RequestTooLarge(self.max_bytes)
            return message

        await self.app(scope, counting, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        problem: dict[str, Any] = {
            "type": problem_type(RequestTooLarge.code),
            "title": "Content Too Large",
            "status": 413,
            "detail": RequestTooLarge(self.max_bytes).detail,
            "instance": scope.get("path", ""),
            "code": RequestTooLarge.code,
            "details": {"limit": self.max_bytes},
        }
        seen = observed(scope)
        if seen is not None:
            seen.error_code = RequestTooLarge.code
            problem["request_id"] = seen.request_id
        body = json.dumps(problem, separators=(",", ":")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class AnswerWhenCancelled:
    """Answer a request that uvicorn cancels at shutdown with a 503 problem.

    On SIGTERM uvicorn lets requests in flight finish for ``--graceful-timeout`` seconds,
    then cancels the rest; it would answer them a plain-text 500 and log a traceback.
    This answers 503 (``shutting_down``, ``Retry-After``, ``Connection: close``) instead:
    the client, or a proxy in front, retries on a server that is up. The request's
    transaction is rolled back when the process ends, unless it was committing at that
    instant: a retry with the same ``Idempotency-Key`` is safe either way.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching)
        except asyncio.CancelledError:
            if started:
                raise
            logger.warning("request cancelled at shutdown: %s %s", scope["method"], scope["path"])
            await send_problem(
                send,
                scope,
                status=503,
                title="Service Unavailable",
                code="shutting_down",
                detail="The server stopped before this request finished; retry it",
                headers={"retry-after": "1"},
            )


async def send_problem(
    send: Send,
    scope: Scope,
    *,
    status: int,
    title: str,
    code: str,
    detail: str,
    headers: dict[str, str] | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """A problem+json response sent below the framework (from ASGI middleware)."""
    problem: dict[str, Any] = {
        "type": problem_type(code),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": scope.get("path", ""),
        "code": code,
    }
    if details:
        problem["details"] = details
    body = json.dumps(problem, separators=(",", ":")).encode()
    raw = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((k.encode(), v.encode()) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def create_app(
    oms: Oms,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    close_oms_on_shutdown: bool = False,
    tracking_limiter: TokenBuckets | None = None,
    metrics: bool = True,
    metrics_route: bool = True,
    log_requests: bool = True,
    cors_origins: list[str] | None = None,
) -> FastAPI:
    """The REST service over ``oms``: routes under /api/v1, probes at /healthz and /readyz,
    the admin under /admin and the guest tracking page under /track.

    Every request gets an id and one log line (``api/observe.py``); with ``metrics`` its
    latency and outcome are counted and, with ``metrics_route``, ``GET /metrics`` serves
    them to tokens allowed ``metrics:read``. ``cors_origins``: browsers on these origins
    may call the API. ``tracking_limiter`` limits the tracking page and ``/api/v1/track``
    per client address (default: 30 requests, then one every 2 seconds, per process).
    """
    from ordermill import __version__
    from ordermill.admin import mount as mount_admin
    from ordermill.admin import mount_tracking
    from ordermill.api.routes import (
        health,
        listing,
        orders,
        payments,
        refunds,
        returns,
        shipments,
        statuses,
        stock,
        tracking,
        webhooks,
    )
    from ordermill.api.routes import metrics as metrics_routes

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sampler = None
        if metrics:
            from ordermill.ops.metrics import PoolSampler

            sampler = PoolSampler({"primary": oms.engine})
            sampler.start()
            app.state.pool_sampler = sampler
        yield
        if sampler is not None:
            sampler.stop()
        if close_oms_on_shutdown:
            oms.close()

    app = FastAPI(
        title="ordermill",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # both served from package files: api/docs_pages.py
        redoc_url=None,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
    )
    app.state.oms = oms
    # One limiter for the tracking page and its JSON, per process (domain/ratelimit.py).
    app.state.tracking_limiter = tracking_limiter or TokenBuckets()
    app.add_exception_handler(OmsError, handle_oms_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(Exception, handle_unexpected)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(AnswerWhenCancelled)  # sees every cancellation
    if cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(  # outermost
        Observe, metrics=metrics, log_requests=log_requests, api_prefix=API_PREFIX
    )

    app.include_router(health.router)
    if metrics and metrics_route:
        app.include_router(metrics_routes.router)
    routers = (listing, orders, payments, refunds, shipments, returns, statuses, stock)
    for module in (*routers, tracking, webhooks):
        app.include_router(module.router, prefix=API_PREFIX)
    mount_admin(app, oms)  # the staff pages under /admin (HTML, session cookie)
    # The public guest tracking page under /track (HTML, no sign-in).
    mount_tracking(app, oms, limiter=app.state.tracking_limiter)
    mount_docs(app)

    def openapi() -> dict[str, Any]:
        return build_openapi(app)

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_factory(settings: Settings | None = None) -> FastAPI:
    """The app for ``uvicorn --factory``: the Oms and the rest come from the settings
    (``ORDERMILL_*`` variables over ``$ORDERMILL_SETTINGS_FILE``).

    It also sets up the process's logging (``ordermill.ops.logs``) and tracing when
    configured (``ordermill.ops.tracing``).
    """
    settings = settings or load_settings()
    configure_logging(settings.log_format, settings.log_level)
    oms = connect(
        settings.database_url,
        settings.config,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        statement_timeout=settings.statement_timeout,
        read_url=settings.read_database_url,
        max_replica_lag=settings.max_replica_lag,
    )
    app = create_app(
        oms,
        max_body_bytes=settings.max_body_bytes,
        close_oms_on_shutdown=True,
        metrics=settings.metrics_enabled,
        metrics_route=settings.metrics_bind is None,
        cors_origins=settings.cors_origins,
    )
    if settings.otel_endpoint or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from ordermill.ops.tracing import instrument

        instrument(app, oms.engine, settings.otel_endpoint)
    return app

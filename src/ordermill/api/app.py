"""The FastAPI application: ``create_app(oms)`` for a given Oms, ``app_factory()`` for uvicorn.

    uvicorn ordermill.api:app_factory --factory --workers 4

``app_factory`` reads ``ORDERMILL_DATABASE_URL`` and ``ORDERMILL_CONFIG`` (a
status configuration file), ``ORDERMILL_READ_DATABASE_URL`` (a read replica) and
``ORDERMILL_MAX_REPLICA_LAG`` (seconds), which is what ``ordermill serve`` exports before
starting uvicorn, so each worker process builds its own engine.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ordermill.api.logs import configure_logging
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
from ordermill.db.replica import DEFAULT_MAX_REPLICA_LAG
from ordermill.domain.errors import OmsError
from ordermill.oms import Oms, connect

__all__ = ["API_PREFIX", "DEFAULT_MAX_BODY_BYTES", "app_factory", "create_app"]

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
        body = json.dumps(
            {
                "type": problem_type(RequestTooLarge.code),
                "title": "Content Too Large",
                "status": 413,
                "detail": RequestTooLarge(self.max_bytes).detail,
                "instance": scope.get("path", ""),
                "code": RequestTooLarge.code,
                "details": {"limit": self.max_bytes},
            },
            separators=(",", ":"),
        ).encode()
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
) -> FastAPI:
    """The REST service over ``oms``: routes under /api/v1, probes at /healthz and /readyz."""
    from ordermill import __version__
    from ordermill.admin import mount as mount_admin
    from ordermill.api.routes import (
        health,
        listing,
        orders,
        payments,
        shipments,
        statuses,
        stock,
        webhooks,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if close_oms_on_shutdown:
            oms.close()

    app = FastAPI(
        title="ordermill",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
    )
    app.state.oms = oms
    app.add_exception_handler(OmsError, handle_oms_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(Exception, handle_unexpected)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)

    app.include_router(health.router)
    for module in (listing, orders, payments, shipments, statuses, stock, webhooks):
        app.include_router(module.router, prefix=API_PREFIX)
    mount_admin(app, oms)  # the staff pages under /admin (HTML, session cookie)

    def openapi() -> dict[str, Any]:
        return build_openapi(app)

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_factory() -> FastAPI:
    """The app for ``uvicorn --factory``: the Oms comes from the environment.

    It also sets up the process's logging (``ordermill.api.logs``).
    """
    configure_logging()
    max_lag = os.environ.get("ORDERMILL_MAX_REPLICA_LAG") or None
    oms = connect(
        os.environ.get("ORDERMILL_DATABASE_URL"),
        os.environ.get("ORDERMILL_CONFIG") or None,
        read_url=os.environ.get("ORDERMILL_READ_DATABASE_URL") or None,
        max_replica_lag=float(max_lag) if max_lag else DEFAULT_MAX_REPLICA_LAG,
    )
    return create_app(oms, close_oms_on_shutdown=True)

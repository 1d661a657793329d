"""Seeing inside the service: a request id, one log line and the metrics of every request.

``Observe`` is the outermost ASGI middleware. Per request it

1. takes the client's ``X-Request-ID`` when it is sane (1 to 128 visible ASCII
   characters), else makes one, and echoes it in the reply's ``X-Request-ID`` header
   (problem+json bodies carry it as ``request_id``, see ``problems.py``);
2. lets the route run; the principal's token id (``deps.get_principal``), a refusal's
   stable error code and an unexpected error (``problems.py``) are noted in the
   request's ``Observed`` on the way;
3. logs ONE line (``ordermill.api``, event ``request``): request id, operation (the
   OpenAPI operation id: the route function's name), method, route template (never
   the query string: filters carry e-mail addresses), the order's uuid when the path
   has one, the token id (never the secret), the status, the duration and the error
   code. A 5xx is that same line at ERROR with the traceback and the problem id: an
   error is logged once;
4. observes the latency histogram and the service-call counters (``ops.metrics``).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SCOPE_KEY", "Observe", "Observed", "observed"]

SCOPE_KEY = "ordermill.observed"
logger = logging.getLogger("ordermill.api")
_SANE_ID = re.compile(r"[\x21-\x7e]{1,128}")
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)


@dataclass(slots=True)
class Observed:
    """What the layers inside learn about a request, for its log line and metrics."""

    request_id: str
    token_id: int | None = None
    error_code: str | None = None
    problem_id: str | None = None
    error: BaseException | None = None
    extra: dict[str, Any] | None = None


def observed(scope: Scope) -> Observed | None:
    found = scope.get(SCOPE_KEY)
    return found if isinstance(found, Observed) else None


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if _SANE_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def _operation(scope: Scope, prefix: str) -> tuple[str, str | None]:
    """The operation id and the route template; ``unmatched`` for no route."""
    route = scope.get("route")
    if route is None:
        return "unmatched", None
    name = getattr(route, "name", None) or "unknown"  # the operation id (api/openapi.py)
    template = getattr(route, "path", None)
    # FastAPI keeps an included router's route path without the router's prefix.
    if template and scope["path"].startswith(prefix) and not template.startswith(prefix):
        template = prefix + template
    return str(name), template


def _order_uuid(scope: Scope) -> str | None:
    params = scope.get("path_params") or {}
    for key, value in params.items():
        if "order" in key and isinstance(value, str) and _UUID.fullmatch(value):
            return value
    return None


class Observe:
    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: bool = True,
        log_requests: bool = True,
        api_prefix: str = "/api/v1",
    ) -> None:
        self.app = app
        self.api_prefix = api_prefix
        self.metrics = metrics
        self.log_requests = log_requests
        if metrics:
            from ordermill.ops import metrics as m

            self._m: Any = m
        else:
            self._m = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen = Observed(_request_id(scope))
        scope[SCOPE_KEY] = seen
        header = (b"x-request-id", seen.request_id.encode())
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._done(scope, seen, status, time.perf_counter() - started)

    def _done(self, scope: Scope, seen: Observed, status: int, seconds: float) -> None:
        operation, template = _operation(scope, self.api_prefix)
        if self._m is not None:
            self._m.REQUEST_SECONDS.labels(operation, scope["method"], str(status)).observe(seconds)
            outcome = "ok" if status < 400 else "refused" if status < 500 else "error"
            self._m.SERVICE_CALLS.labels(operation, outcome).inc()
            if outcome == "refused":
                self._m.SERVICE_REFUSALS.labels(operation, seen.error_code or str(status)).inc()
        level = logging.ERROR if status >= 500 else logging.INFO
        if not (self.log_requests and logger.isEnabledFor(level)):
            return
        fields: dict[str, Any] = {
            "request_id": seen.request_id,
            "operation": operation,
            "method": scope["method"],
            "route": template,
            "order_uuid": _order_uuid(scope),
            "token_id": seen.token_id,
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "error_code": seen.error_code,
            "problem_id": seen.problem_id,
            **(seen.extra or {}),
        }
        error = seen.error
        logger.log(
            level,
            "request",
            exc_info=(type(error), error, error.__traceback__) if error is not None else None,
            extra={k: v for k, v in fields.items() if v is not None},
        )

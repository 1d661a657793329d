"""Errors as RFC 9457 problem details (``application/problem+json``).

``PROBLEMS`` is the one table from error class to HTTP status and title; the
most specific class in an error's MRO wins. Every problem has a stable
``type`` (``urn:ordermill:problem:<code>``, from the error class's ``code``),
the message as ``detail``, the request path as ``instance``, the ``code``
itself, and the error's structured ``details`` when it has any.

An error nobody planned for is a 500 problem with a fresh ``problem_id``;
the traceback goes to the server log under the same id (on the request's one log
line, ``api/observe.py``) and never to the client. Every problem carries the
request's ``request_id``.
"""

from __future__ import annotations

import itertools
import json
import logging
import uuid
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import compile_path

from ordermill.api.observe import observed
from ordermill.api.validation import describe_validation_errors
from ordermill.db.errors import DBAPIError, unavailable
from ordermill.domain.errors import (
    AccessDenied,
    ConfigError,
    Conflict,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    InvalidIfMatch,
    InvalidInput,
    MissingScope,
    NotAuthenticated,
    NotFound,
    OmsError,
    PermissionDenied,
    RateLimited,
    ServiceUnavailable,
    StaleOrder,
)
from ordermill.domain.serialize import to_jsonable

__all__ = [
    "PROBLEMS",
    "PROBLEM_MEDIA_TYPE",
    "Problem",
    "ProblemResponse",
    "ProblemRoute",
    "RequestTooLarge",
    "handle_http_exception",
    "handle_oms_error",
    "handle_unexpected",
    "handle_validation_error",
    "problem_type",
    "statement_name",
    "unexpected_problem",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("ordermill.api")


class RequestTooLarge(StarletteHTTPException):
    """The request body is over the service's size limit (an HTTPException, so that
    FastAPI's body reader lets it through instead of calling it a parse error)."""

    code = "request_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes")
        self.limit = limit


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


class ProblemRoute(APIRoute):
    """A route that refuses unknown query parameters (422) and turns any unplanned
    exception into a logged 500 problem, once.

    (Starlette's last-resort handler would also answer, but it re-raises the
    error, so the server would log it a second time without the problem id.)
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        # A misspelt filter must not be ignored silently: it would widen the result.
        known = _query_names(self.dependant)

        async def guarded(request: Request) -> Response:
            unknown = [name for name in request.query_params if name not in known]
            if unknown:
                raise RequestValidationError(
                    [
                        {
                            "type": "extra_forbidden",
                            "loc": ("query", name),
                            "msg": "Unknown query parameter",
                            "input": request.query_params.get(name),
                        }
                        for name in unknown
                    ]
                )
            try:
                return await handler(request)
            except (OmsError, StarletteHTTPException, RequestValidationError):
                raise
            except Exception as exc:
                return unexpected_problem(request, exc)

        return guarded


# (error class, HTTP status, title). Order does not matter: the most specific
# class of the raised error's MRO that appears here decides.
PROBLEMS: Sequence[tuple[type[Exception], int, str]] = (
    (NotFound, 404, "Not Found"),
    (InvalidInput, 422, "Invalid Input"),
    (InvalidIdempotencyKey, 400, "Invalid Idempotency-Key"),
    (IdempotencyKeyReused, 422, "Idempotency-Key Reused"),
    (Conflict, 409, "Conflict"),
    (IdempotencyKeyInFlight, 409, "Request In Progress"),
    (AccessDenied, 403, "Forbidden"),
    (NotAuthenticated, 401, "Unauthorized"),
    (PermissionDenied, 403, "Forbidden"),
    (MissingScope, 403, "Forbidden"),
    (StaleOrder, 412, "Precondition Failed"),
    (InvalidIfMatch, 400, "Invalid If-Match"),
    (RateLimited, 429, "Too Many Requests"),
    (ServiceUnavailable, 503, "Service Unavailable"),
)
_BY_CLASS: Mapping[type[Exception], tuple[int, str]] = {
    cls: (status, title) for cls, status, title in PROBLEMS
}


class Problem(BaseModel):
    """An RFC 9457 problem details object, with ordermill's extension members."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"additionalProperties": True},
    )

    type: str = Field(
        description="Stable URI of the error class: urn:ordermill:problem:<code>",
        examples=["urn:ordermill:problem:order_not_found"],
    )
    title: str = Field(description="Short summary of the error class")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong with this request, naming the values")
    instance: str | None = Field(default=None, description="The request path")
    code: str = Field(description="Stable machine-readable error code")
    details: dict[str, Any] | None = Field(
        default=None, description="The values the detail names, as structured data"
    )
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Each invalid request field (request validation errors)"
    )
    problem_id: str | None = Field(
        default=None, description="For 5xx problems: the id under which the server logged it"
    )
    request_id: str | None = Field(
        default=None,
        description="The request's id (the X-Request-ID header), as in the server's log line",
    )


class ProblemResponse(Response):
    media_type = PROBLEM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=str).encode(
            "utf-8"
        )


def problem_type(code: str) -> str:
    return f"urn:ordermill:problem:{code}"


def _problem(
    request: Request,
    *,
    status: int,
    title: str,
    code: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }
    body.update({k: v for k, v in extensions.items() if v is not None})
    seen = observed(request.scope)
    if seen is not None:
        seen.error_code = code
        body["request_id"] = seen.request_id
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def _status_for(exc: Exception) -> tuple[int, str] | None:
    for cls in type(exc).__mro__:
        found = _BY_CLASS.get(cls)
        if found is not None:
            return found
    return None


def handle_oms_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OmsError)
    found = _status_for(exc)
    if found is None or isinstance(exc, ConfigError):
        # A broken configuration or an error class missing from the table is our bug.
        return unexpected_problem(request, exc)
    status, title = found
    headers = {"WWW-Authenticate": 'Bearer realm="ordermill"'} if status == 401 else {}
    if isinstance(exc, (RateLimited, ServiceUnavailable)):
        headers["Retry-After"] = str(exc.retry_after)
    return _problem(
        request,
        status=status,
        title=title,
        code=exc.code,
        detail=exc.message,
        headers=headers,
        details=to_jsonable(exc.details) or None,
    )


def handle_validation_error(request: Request, exc: Exception) -> Response:
    """FastAPI's request validation errors, in the same problem shape (422), each named
    as a client wrote it (``items[0].price``) and in the services' words where they have
    some (money), never with Pydantic's internal tags (``api/validation.py``)."""
    assert isinstance(exc, RequestValidationError)
    detail, errors = describe_validation_errors(exc.errors(), exc.body)
    return _problem(
        request,
        status=422,
        title="Invalid Request",
        code="invalid_request",
        detail=detail,
        errors=errors,
    )


def handle_http_exception(request: Request, exc: Exception) -> Response:
    """Routing errors (unknown path 404, wrong method 405) as problems too."""
    assert isinstance(exc, StarletteHTTPException)
    titles = {
        404: "Not Found",
        405: "Method Not Allowed",
        413: "Content Too Large",
        503: "Service Unavailable",
    }
    codes = {
        404: "route_not_found",
        405: "method_not_allowed",
        413: RequestTooLarge.code,
        503: "service_unavailable",
    }
    status = exc.status_code
    headers = dict(exc.headers or {})
    if status == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return _problem(
        request,
        status=status,
        title=titles.get(status, "HTTP Error"),
        code=codes.get(status, f"http_{status}"),
        detail=exc.detail,
        headers=headers,
        details={"limit": exc.limit} if isinstance(exc, RequestTooLarge) else None,
    )


_QUOTES = '"(`'


def statement_name(statement: str | None) -> str | None:
    """What a statement does and to which table ("SELECT api_token", "UPDATE inventory"):
    enough to find it in the code, and never a value (parameters are not in the text)."""
    words = (statement or "").split()
    if not words:
        return None
    verb = words[0].upper()
    markers = ("FROM",) if verb in ("SELECT", "WITH", "DELETE") else ("INTO", "UPDATE")
    for word, following in itertools.pairwise(words):
        if word.upper() in markers:
            return f"{verb} {following.strip(_QUOTES)}"
    return verb


def _database_error(exc: BaseException) -> tuple[str | None, str | None]:
    """The database's error code (SQLSTATE, or SQLite's error name) and the statement's name."""
    if not isinstance(exc, DBAPIError):
        return None, None
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "sqlite_errorname", None)
    return code, statement_name(exc.statement)


def _allowed_methods(request: Request) -> str:
    """Every method the contract serves at this path (Starlette names only the first
    route's: ``GET`` for ``PUT /api/v1/orders``, where ``POST`` is allowed too)."""
    path = request.scope["path"]
    methods = {
        method.upper()
        for template, operations in request.app.openapi().get("paths", {}).items()
        if compile_path(template)[0].match(path)
        for method in operations
    }
    return ", ".join(sorted(methods))


def unexpected_problem(request: Request, exc: BaseException) -> ProblemResponse:
    """A 500 (or a 503 when the database cannot serve now) whose id is also in the server log.

    A database error is logged with its error code and the statement's name; its bound
    parameters (token hashes among them) never are: the engine hides them from the
    error's text (``db.engine``). A 503 is logged as a warning without a traceback: it
    is the database's state, not a bug.
    """
    problem_id = uuid.uuid4().hex
    mapped = unavailable(exc)
    db_error_code, statement = _database_error(exc)
    fields = {
        "problem_id": problem_id,
        "http_method": request.method,
        "http_path": request.url.path,
        "error_class": type(exc).__name__,
        "db_error_code": db_error_code,
        "statement": statement,
    }
    seen = observed(request.scope)
    if seen is not None:  # the request's one log line (api/observe.py) carries it all
        seen.problem_id = problem_id
        if mapped is None:  # a 503 is the database's state, not a bug: no traceback
            seen.error = exc
        seen.extra = {k: v for k, v in fields.items() if k not in ("http_method", "http_path")}
    else:
        (logger.warning if mapped else logger.error)(
            "%s problem_id=%s method=%s path=%s error=%s%s",
            f"database unavailable ({mapped.code})" if mapped else "unexpected error",
            problem_id,
            request.method,
            request.url.path,
            type(exc).__name__,
            f" db_error_code={db_error_code} statement={statement!r}" if statement else "",
            exc_info=None if mapped else exc,
            extra=fields,
        )
    if mapped is not None:
        return _problem(
            request,
            status=503,
            title="Service Unavailable",
            code=mapped.code,
            detail=f"{mapped.message} (problem id {problem_id})",
            headers={"Retry-After": str(mapped.retry_after)},
            problem_id=problem_id,
        )
    return _problem(
        request,
        status=500,
        title="Internal Server Error",
        code="internal_error",
        detail=f"An unexpected error occurred; quote problem id {problem_id} when reporting it",
        problem_id=problem_id,
    )


def handle_unexpected(request: Request, exc: Exception) -> Response:
    return unexpected_problem(request, exc)

"""The admin application: a FastAPI app of its own, mounted under ``/admin``.

A separate app keeps the admin's HTML error pages, session cookie and security headers
away from the REST API (whose errors are JSON), and keeps its routes out of the API's
OpenAPI document.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ordermill.admin import (
    auth,
    dashboard,
    grid,
    order_page,
    refund_page,
    returns_page,
    tracking_links,
    webhooks_page,
)
from ordermill.admin.sessions import (
    COOKIE_NAME,
    SESSION_MAX_AGE,
    Session,
    SessionCodec,
    resolve_secret,
)
from ordermill.admin.web import STATIC_DIR, Admin, CsrfRefused, SignInRequired, build_templates
from ordermill.admin.web import render as render_page
from ordermill.admin.web import url as admin_url
from ordermill.db.errors import DatabaseError, unavailable
from ordermill.domain.errors import MissingScope, NotFound
from ordermill.oms import Oms

__all__ = ["ROUTERS", "asset_version", "create_admin_app", "mount"]

logger = logging.getLogger("ordermill.admin")

# Every page and action of the admin (the tests walk these to check each POST for CSRF).
ROUTERS = (
    auth.router,
    dashboard.router,
    grid.router,
    order_page.router,
    refund_page.router,
    returns_page.router,
    tracking_links.router,
    webhooks_page.router,
)

# Everything the pages load comes from this host; htmx runs without eval or inline styles.
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def mount(
    app: FastAPI, oms: Oms, *, secret_key: str | bytes | None = None, path: str = "/admin"
) -> None:
    """Serve the admin pages under ``path`` of ``app`` (static files under ``path/static``).

    ``secret_key`` signs the session cookies (default ``$ORDERMILL_SECRET_KEY``); every
    worker serving the admin must share it.
    """
    app.mount(path, create_admin_app(oms, secret_key=secret_key), name="admin")


def create_admin_app(oms: Oms, *, secret_key: str | bytes | None = None) -> FastAPI:
    admin = Admin(
        oms=oms,
        codec=SessionCodec(resolve_secret(secret_key)),
        templates=build_templates(),
        asset_version=asset_version(),
    )
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.admin = admin
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _add_error_pages(app)

    @app.middleware("http")
    async def sessions(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        loaded = admin.codec.loads(request.cookies.get(COOKIE_NAME))
        request.state.session = loaded or Session.anonymous()
        try:
            response = await call_next(request)
        except BaseExceptionGroup as group:
            # A body streamed (chunked) past the size limit is refused while the route
            # reads its form, inside the task group call_next runs it in: the 413 comes
            # out wrapped, past the error pages. Answer it as the same 413 page.
            if group.subgroup(_is_too_large) is None:
                raise
            response = _too_large_page(request)
        session = request.state.session
        if session is not loaded:
            response.set_cookie(
                COOKIE_NAME,
                admin.codec.dumps(session),
                max_age=SESSION_MAX_AGE,
                path=request.scope.get("root_path") or "/",
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith(admin_url(request, "/static/")):
            # Order data must not linger in shared caches or the back-forward cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _page(request: Request, status: int, title: str, message: str) -> Response:
    response = render_page(
        request,
        "error.html",
        {"title": title, "message": message, "status": status},
        status_code=status,
    )
    # A 500 page is sent from outside the session middleware: set the headers here too.
    response.headers.update(_SECURITY_HEADERS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _is_too_large(exc: BaseException) -> bool:
    return isinstance(exc, StarletteHTTPException) and exc.status_code == 413


def _too_large_page(request: Request) -> Response:
    message = "The form was larger than the server accepts; nothing was changed."
    return _page(request, 413, "Too large", message)


def _add_error_pages(app: FastAPI) -> None:
    page = _page

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        target = admin_url(request, "/sign-in")
        if request.method == "GET":
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            target += f"?next={quote(here, safe='')}"
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": target})
        return Response(status_code=303, headers={"Location": target})

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return page(
            request,
            403,
            "Form refused",
            "This form could not be checked as coming from your session, so nothing was "
            "changed. Reload the page and try again.",
        )

    async def missing_scope(request: Request, exc: Exception) -> Response:
        return page(request, 403, "Not allowed", str(exc))

    async def not_found(request: Request, exc: Exception) -> Response:
        message = str(exc) if isinstance(exc, NotFound) else "There is no such page."
        return page(request, 404, "Not found", message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return await not_found(request, exc)
        if exc.status_code == 405:
            return page(request, 405, "Not allowed", "This address does not accept that request.")
        if _is_too_large(exc):
            return _too_large_page(request)
        return page(request, exc.status_code, "Request refused", "The request was refused.")

    async def invalid_request(request: Request, exc: Exception) -> Response:
        return page(
            request, 422, "Invalid request", "The address or form had a value that is not valid."
        )

    async def server_error(request: Request, exc: Exception) -> Response:
        if not hasattr(request.state, "session"):
            request.state.session = Session.anonymous()
        mapped = unavailable(exc)
        if mapped is not None:
            logger.warning(
                "admin page: database unavailable (%s): %s %s: %s",
                mapped.code,
                request.method,
                request.url.path,
                type(exc).__name__,
            )
            response = page(
                request,
                503,
                "Database unavailable",
                "The database cannot be reached right now (it may be restarting or busy). "
                "Nothing you submitted was half-applied; try again in a moment.",
            )
            response.headers["Retry-After"] = str(mapped.retry_after)
            return response
        logger.exception("admin page failed: %s %s", request.method, request.url.path)
        return page(
            request,
            500,
            "Something went wrong",
            "The page could not be shown because of an error on the server. It was logged; "
            "nothing you submitted was half-applied, since every change runs in one "
            "transaction.",
        )

    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(MissingScope, missing_scope)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    # Database errors are handled inside the middleware stack, where a handled error
    # stays handled: the catch-all (Exception) answers too, but then re-raises it.
    app.add_exception_handler(DatabaseError, server_error)
    app.add_exception_handler(Exception, server_error)


def asset_version() -> str:
    """A short digest of the static files, appended to their URLs so that browsers fetch
    a changed stylesheet after an upgrade and cache it until the next."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.iterdir()):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]

"""The public guest tracking page, ``/track/<token>``: no sign-in, the token is the key.

A small app of its own, mounted by the REST app next to the admin: it shares the
admin's look (its stylesheet and templates) but none of its session, CSRF or navigation.
What it shows is ``domain.tracking.tracked_order``'s: order number, status, items,
shipments with carrier and tracking link, the notes the customer was notified of, and
of the address only the city and country.

Every answer is ``no-store``, ``noindex`` and sent with ``Referrer-Policy: no-referrer``,
so that following a carrier's link does not hand the carrier this page's address. A
wrong, revoked or expired token is the same 404 page; requests are counted per client
address (``domain.ratelimit``) and refused with 429 and ``Retry-After`` past the limit.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment
from starlette.exceptions import HTTPException as StarletteHTTPException

from ordermill.admin.app import asset_version
from ordermill.admin.web import STATIC_DIR, build_templates
from ordermill.domain.errors import TrackingLinkNotFound
from ordermill.domain.ratelimit import TokenBuckets
from ordermill.oms import Oms

__all__ = ["create_tracking_app", "mount_tracking"]

_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'none'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}
_MISSING = "There is no tracking page at this address. The link may have expired or been replaced."


def mount_tracking(app: FastAPI, oms: Oms, *, limiter: TokenBuckets, path: str = "/track") -> None:
    """Serve the guest tracking page under ``path`` of ``app``."""
    app.mount(path, create_tracking_app(oms, limiter=limiter), name="tracking")


def create_tracking_app(oms: Oms, *, limiter: TokenBuckets) -> FastAPI:
    templates = build_templates()
    version = asset_version()
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    def page(request: Request, template: str, status: int, **context: object) -> Response:
        root = request.scope.get("root_path", "")
        html = _render(
            templates,
            template,
            stylesheet=f"{root}/static/admin.css?v={version}",
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=_HEADERS)

    @app.get("/{token}")
    def tracking_page(request: Request, token: str) -> Response:
        address = request.client.host if request.client else "unknown"
        wait = limiter.take(address)
        if wait:
            response = page(
                request,
                "track_error.html",
                429,
                title="Too many requests",
                message=f"Too many requests from your address. Try again in {wait} seconds.",
            )
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            tracked = oms.track(token)
        except TrackingLinkNotFound:
            return page(request, "track_error.html", 404, title="Not found", message=_MISSING)
        return page(request, "track.html", 200, title=f"Order #{tracked.order_number}", o=tracked)

    async def other(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
        message = _MISSING if status == 404 else "This address does not accept that request."
        return page(request, "track_error.html", status, title="Not found", message=message)

    app.add_exception_handler(StarletteHTTPException, other)
    return app


def _render(templates: Environment, template: str, **context: object) -> str:
    return templates.get_template(template).render(context)

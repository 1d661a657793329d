"""What every admin route shares: the session, sign-in and CSRF checks, rendering.

Routes are plain ``def`` functions (FastAPI runs them in its thread pool), because the
services they call are synchronous and must not block the event loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData

from ordermill.admin import formatting
from ordermill.admin.sessions import CSRF_FIELD, CSRF_HEADER, Session, SessionCodec, csrf_matches
from ordermill.domain.errors import Conflict, MissingScope, NotFound, OmsError
from ordermill.domain.records import Principal
from ordermill.domain.scopes import allows, rule_for
from ordermill.oms import Oms

__all__ = [
    "Admin",
    "AdminUser",
    "CsrfRefused",
    "Form",
    "SignInRequired",
    "admin_of",
    "build_templates",
    "checked_form",
    "current_principal",
    "error_status",
    "field",
    "is_htmx",
    "redirect",
    "render",
    "require_admin",
    "session_of",
    "set_session",
    "url",
]

STATIC_DIR = Path(__file__).parent / "static"


@dataclass(frozen=True, slots=True)
class Admin:
    """The admin application's state: the OMS it manages and how it signs sessions."""

    oms: Oms
    codec: SessionCodec
    templates: Environment
    asset_version: str


class SignInRequired(Exception):
    """Raised by ``require_admin``; the app answers with a redirect to the sign-in page."""


class CsrfRefused(Exception):
    """A POST without this session's CSRF token; the app answers 403 and changes nothing."""


def build_templates() -> Environment:
    env = Environment(
        loader=PackageLoader("ordermill.admin", "templates"),
        autoescape=select_autoescape(["html", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = formatting.format_money
    env.filters["datetime"] = formatting.format_datetime
    env.filters["date"] = formatting.format_date
    return env


def admin_of(request: Request) -> Admin:
    admin = request.app.state.admin
    assert isinstance(admin, Admin)
    return admin


def session_of(request: Request) -> Session:
    session = request.state.session
    assert isinstance(session, Session)
    return session


def set_session(request: Request, session: Session) -> None:
    """Replace the session; the middleware writes the new cookie on the way out."""
    request.state.session = session


def current_principal(request: Request) -> Principal | None:
    """The staff member signed in on this request, or None. The token the session names
    must still exist, be unrevoked and be a staff token: revoking it signs everyone out."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    session = session_of(request)
    if session.token_id is None:
        return None
    principal = _active_admin(admin_of(request).oms, session.token_id)
    if principal is not None:
        request.state.principal = principal
    return principal


def _active_admin(oms: Oms, token_id: int) -> Principal | None:
    principal = oms.principal_of(token_id)
    return principal if principal is not None and principal.is_admin else None


def require_admin(request: Request) -> Principal:
    """The signed-in staff member, if their token holds the scope this page or action
    needs (``domain/scopes.OPERATIONS``, row ``admin:<route name>``); else the sign-in
    redirect, or ``MissingScope`` (a 403 page, nothing changed)."""
    principal = current_principal(request)
    if principal is None:
        raise SignInRequired
    operation = f"admin:{getattr(request.scope.get('route'), 'name', '')}"
    if not allows(principal, operation):
        rule = rule_for(operation)
        scope = rule.scope if rule is not None else None
        raise MissingScope(
            f"Your token lacks the scope {scope!r}, which this needs; nothing was changed."
            " Ask for a token with that scope.",
            operation=operation,
            scope=scope,
        )
    return principal


async def checked_form(request: Request) -> FormData:
    """The POSTed form, once its CSRF token (the hidden field, or the header htmx sends)
    matched the session's. Every admin POST route depends on this."""
    form = await request.form()
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted:
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not csrf_matches(session_of(request), submitted):
        raise CsrfRefused
    return form


Form = Annotated[FormData, Depends(checked_form)]
AdminUser = Annotated[Principal, Depends(require_admin)]


def field(form: FormData, name: str) -> str:
    """A text field, stripped; absent or a file upload reads as empty."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def url(request: Request, path: str = "") -> str:
    """An absolute path under wherever the admin is mounted (``/admin`` by default)."""
    return f"{request.scope.get('root_path', '')}{path}"


def error_status(error: OmsError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    return 422


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    admin = admin_of(request)
    session = session_of(request)
    principal = getattr(request.state, "principal", None)
    values: dict[str, Any] = {
        "request": request,
        "base": url(request),
        "static": lambda name: f"{url(request, '/static/')}{name}?v={admin.asset_version}",
        "csrf_token": session.csrf,
        "csrf_field": CSRF_FIELD,
        "csrf_header": CSRF_HEADER,
        "principal": principal,
        # Whether the signed-in token may use a page or action: controls it may not use
        # are left out (the action refuses anyway).
        "can": lambda operation: principal is not None and allows(principal, operation),
        "badge": lambda kind, code: formatting.badge(admin.oms.config, kind, code),
        "nav": "",
        "title": "ordermill",
    }
    values.update(context or {})
    html = admin.templates.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)


def redirect(request: Request, path: str) -> Response:
    """See-other to a page of the admin; an htmx request is told to navigate instead."""
    target = url(request, path)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Location": target})
    return RedirectResponse(target, status_code=303)

"""Sign-in with a staff API token (its scopes say which pages and actions it may use),
sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ordermill.admin.sessions import Session
from ordermill.admin.web import (
    Form,
    admin_of,
    current_principal,
    field,
    redirect,
    render,
    set_session,
    url,
)

__all__ = ["router", "safe_next"]

router = APIRouter()


def safe_next(request: Request, value: str | None) -> str:
    """Where to go after sign-in: a path inside the admin, never another host
    (``//evil.example`` and ``/\\evil`` are refused), else the dashboard."""
    base = url(request)
    if (
        value
        and value.startswith(f"{base}/")
        and not value.startswith("//")
        and "\\" not in value
        and all(ch.isprintable() for ch in value)
    ):
        return value[len(base) :]
    return "/"


@router.get("/sign-in", name="sign_in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    if current_principal(request) is not None:
        return redirect(request, safe_next(request, next))
    return render(request, "sign_in.html", {"title": "Sign in", "next": next or "", "error": None})


@router.post("/sign-in")
def sign_in(request: Request, form: Form) -> Response:
    secret = field(form, "token")
    next_path = field(form, "next")
    principal = admin_of(request).oms.authenticate(secret) if secret else None
    if principal is None or not principal.is_admin:
        # One message for unknown, revoked and non-admin tokens: the form does not
        # tell a guesser which secrets exist.
        error = (
            "Enter your admin token."
            if not secret
            else "That token was not accepted. Use an active admin or staff token."
        )
        return render(
            request,
            "sign_in.html",
            {"title": "Sign in", "next": next_path, "error": error},
            status_code=401 if secret else 422,
        )
    set_session(request, Session.signed_in(principal.token_id))
    return redirect(request, safe_next(request, next_path))


@router.post("/sign-out", name="sign_out")
def sign_out(request: Request, form: Form) -> Response:
    set_session(request, Session.anonymous())
    return redirect(request, "/sign-in")

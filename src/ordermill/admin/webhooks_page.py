"""The webhooks page: the endpoints the relay delivers to, and what happened to each.

Each action is a POST that calls one function of ``ordermill.events.webhooks``. The
page comes back in the response (never a redirect after adding or rotating: the secret
is in that response only, and is never shown again); on a refused action the page
comes back with the message next to that action, with 404, 409 or 422.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ordermill.admin.web import AdminUser, Form, admin_of, error_status, field, render
from ordermill.domain.errors import InvalidInput, OmsError
from ordermill.events import webhooks
from ordermill.events.envelope import DEFAULT_SOURCE
from ordermill.events.runner import redeliver as redeliver_event

__all__ = ["EndpointView", "router"]

router = APIRouter()

RECENT = 10  # deliveries shown per endpoint


@dataclass(frozen=True, slots=True)
class EndpointView:
    endpoint: webhooks.Endpoint
    deliveries: list[dict[str, Any]]  # newest first

    @property
    def last(self) -> dict[str, Any] | None:
        return self.deliveries[0] if self.deliveries else None


def _views(request: Request) -> list[EndpointView]:
    engine = admin_of(request).oms.engine
    return [
        EndpointView(e, webhooks.list_deliveries(engine, endpoint_id=e.endpoint_id, limit=RECENT))
        for e in webhooks.list_endpoints(engine)
    ]


def show(
    request: Request,
    *,
    notice: str | None = None,
    secret: tuple[int, str] | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The page; ``secret`` is (endpoint id, secret) just made, shown this once."""
    context = {
        "title": "Webhooks",
        "nav": "webhooks",
        "endpoints": _views(request),
        "notice": notice,
        "secret": secret,
        "errors": dict(errors or {}),
        "values": dict(values or {}),
    }
    return render(request, "webhooks.html", context, status_code=status_code)


@router.get("/webhooks", name="webhooks")
def webhooks_page(request: Request, _: AdminUser) -> Response:
    return show(request)


async def _act(
    request: Request, form: FormData, action: str, call: Callable[[], Awaitable[Response]]
) -> Response:
    """Run one action and answer as the module docstring says."""
    try:
        return await call()
    except OmsError as error:
        values = {name: value for name, value in form.items() if isinstance(value, str)}
        refused = _shown(
            request, errors={action: str(error)}, values=values, status_code=error_status(error)
        )
    return await run_in_threadpool(refused)


def _shown(request: Request, **kwargs: Any) -> Callable[[], Response]:
    return lambda: show(request, **kwargs)


@router.post("/webhooks")
async def add_webhook(request: Request, _: AdminUser, form: Form) -> Response:
    engine = admin_of(request).oms.engine

    def add() -> Response:
        url = field(form, "url")
        if not url:
            raise InvalidInput("Enter the endpoint's URL.", field="url")
        endpoint, secret = webhooks.add_endpoint(
            engine,
            url,
            field(form, "events").replace(",", " ").split(),
            description=field(form, "description") or None,
            allow_private_network=field(form, "allow_private_network") == "yes",
        )
        return show(
            request,
            notice=f"Webhook {endpoint.endpoint_id} added.",
            secret=(endpoint.endpoint_id, secret),
        )

    return await _act(request, form, "add", lambda: run_in_threadpool(add))


@router.post("/webhooks/{endpoint_id}/enable")
async def enable_webhook(request: Request, endpoint_id: int, _: AdminUser, form: Form) -> Response:
    return await _set_enabled(request, endpoint_id, form, True)


@router.post("/webhooks/{endpoint_id}/disable")
async def disable_webhook(request: Request, endpoint_id: int, _: AdminUser, form: Form) -> Response:
    return await _set_enabled(request, endpoint_id, form, False)


async def _set_enabled(
    request: Request, endpoint_id: int, form: FormData, enabled: bool
) -> Response:
    engine = admin_of(request).oms.engine
    reason = field(form, "reason") or "disabled by an operator"

    def change() -> Response:
        webhooks.set_enabled(engine, endpoint_id, enabled, None if enabled else reason)
        done = "enabled: deliveries resume where they stopped" if enabled else "disabled"
        return show(request, notice=f"Webhook {endpoint_id} {done}.")

    return await _act(request, form, f"endpoint:{endpoint_id}", lambda: run_in_threadpool(change))


@router.post("/webhooks/{endpoint_id}/rotate-secret")
async def rotate_webhook_secret(
    request: Request, endpoint_id: int, _: AdminUser, form: Form
) -> Response:
    engine = admin_of(request).oms.engine

    def rotate() -> Response:
        _, secret = webhooks.rotate_secret(engine, endpoint_id)
        notice = f"New secret for webhook {endpoint_id}; the previous one signs for 24 hours more."
        return show(request, notice=notice, secret=(endpoint_id, secret))

    return await _act(request, form, f"endpoint:{endpoint_id}", lambda: run_in_threadpool(rotate))


@router.post("/webhooks/{endpoint_id}/redeliver")
async def redeliver_webhook_event(
    request: Request, endpoint_id: int, _: AdminUser, form: Form
) -> Response:
    engine = admin_of(request).oms.engine

    async def send() -> Response:
        raw = field(form, "event_id")
        if not raw.isdigit():
            raise InvalidInput(f"The event id must be a whole number, not {raw!r}.")
        await run_in_threadpool(webhooks.get_endpoint, engine, endpoint_id)
        [row] = await redeliver_event(engine, int(raw), [endpoint_id], source=DEFAULT_SOURCE)
        outcome = row["error"] or f"HTTP {row['status_code']}"
        notice = f"Event {raw} sent again to webhook {endpoint_id}: {outcome}."
        return await run_in_threadpool(_shown(request, notice=notice))

    return await _act(request, form, f"endpoint:{endpoint_id}", send)

"""``ordermill webhooks add|list|disable|enable|rotate-secret|deliveries|redeliver``."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.table import Table

from ordermill.cli.common import (
    DEFAULT_URL,
    ConfigOption,
    DatabaseUrl,
    JsonOption,
    out,
    print_json,
    when,
)
from ordermill.cli.events import open_engine
from ordermill.events import webhooks
from ordermill.events.envelope import DEFAULT_SOURCE
from ordermill.events.runner import redeliver as redeliver_event

__all__ = ["register"]

webhooks_app = typer.Typer(
    help="Webhook endpoints the relay delivers events to.", no_args_is_help=True
)
EndpointId = Annotated[int, typer.Argument(help="The endpoint's id (see webhooks list).")]


@webhooks_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="http(s) URL that receives the POSTs.")],
    events: Annotated[
        list[str],
        typer.Option("--events", help="Event type pattern, e.g. 'ordermill.order.*' (repeatable)."),
    ],
    description: Annotated[str | None, typer.Option(help="A note for humans.")] = None,
    allow_private_network: Annotated[
        bool, typer.Option("--allow-private-network", help="Allow loopback and private addresses.")
    ] = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Register an endpoint. Its signing secret is printed once, alone on the last line."""
    with open_engine(database_url) as engine:
        endpoint, secret = webhooks.add_endpoint(
            engine,
            url,
            events,
            description=description,
            allow_private_network=allow_private_network,
        )
    out.print(
        f"Added webhook {endpoint.endpoint_id} for {', '.join(endpoint.event_types)}."
        " The secret is shown only now:"
    )
    print(secret)


@webhooks_app.command("list")
def list_webhooks(
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """List endpoints (secrets are never shown)."""
    with open_engine(database_url) as engine:
        found = webhooks.list_endpoints(engine)
    if as_json:
        print_json({"items": [e.public() for e in found]})
        return
    table = Table()
    for column in ("id", "url", "events", "enabled", "description", "created"):
        table.add_column(column)
    for e in found:
        state = "yes" if e.enabled else f"no: {e.disabled_reason or 'disabled'}"
        table.add_row(
            str(e.endpoint_id),
            e.url,
            " ".join(e.event_types),
            state,
            e.description or "",
            when(e.created_at),
        )
    out.print(table if found else "No webhook endpoints.")


@webhooks_app.command("disable")
def disable(
    endpoint_id: EndpointId, database_url: DatabaseUrl = DEFAULT_URL, config: ConfigOption = None
) -> None:
    """Stop delivering to an endpoint (its events wait; enable resumes where it stopped)."""
    with open_engine(database_url) as engine:
        webhooks.set_enabled(engine, endpoint_id, False, "disabled by an operator")
    out.print(f"Disabled webhook {endpoint_id}.")


@webhooks_app.command("enable")
def enable(
    endpoint_id: EndpointId, database_url: DatabaseUrl = DEFAULT_URL, config: ConfigOption = None
) -> None:
    """Deliver to an endpoint again, from where it stopped."""
    with open_engine(database_url) as engine:
        webhooks.set_enabled(engine, endpoint_id, True)
    out.print(f"Enabled webhook {endpoint_id}.")


@webhooks_app.command("rotate-secret")
def rotate_secret(
    endpoint_id: EndpointId, database_url: DatabaseUrl = DEFAULT_URL, config: ConfigOption = None
) -> None:
    """A new secret, printed once; the previous one also signs for 24 hours."""
    with open_engine(database_url) as engine:
        _, secret = webhooks.rotate_secret(engine, endpoint_id)
    out.print(f"New secret of webhook {endpoint_id} (the previous one also signs for 24 hours):")
    print(secret)


@webhooks_app.command("deliveries")
def deliveries(
    endpoint: Annotated[int | None, typer.Option("--endpoint", help="Only this endpoint.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1, max=10_000)] = 50,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Delivery attempts, newest first."""
    with open_engine(database_url) as engine:
        rows = webhooks.list_deliveries(engine, endpoint_id=endpoint, limit=limit)
    if as_json:
        print_json({"items": rows})
        return
    table = Table()
    for column in ("at", "destination", "event", "attempt", "status", "ms", "error"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            when(r["attempted_at"]),
            r["destination"],
            str(r["event_id"]),
            str(r["attempt"]),
            str(r["status_code"] or ""),
            f"{r['latency_ms'] or 0:.1f}",
            r["error"] or "",
        )
    out.print(table if rows else "No deliveries.")


@webhooks_app.command("redeliver")
def redeliver(
    event_id: Annotated[int, typer.Argument(help="The outbox event id.")],
    endpoint: Annotated[
        int | None, typer.Option("--endpoint", help="Only this endpoint (else every matching one).")
    ] = None,
    source: Annotated[str, typer.Option(help="The CloudEvents source attribute.")] = DEFAULT_SOURCE,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Send one event again now, with the same id; exit 1 when an endpoint did not take it."""
    with open_engine(database_url) as engine:
        rows = asyncio.run(
            redeliver_event(
                engine, event_id, None if endpoint is None else [endpoint], source=source
            )
        )
    if as_json:
        print_json({"items": rows})
    else:
        for r in rows:
            outcome = r["error"] or f"HTTP {r['status_code']}"
            out.print(f"Event {event_id} to webhook {r['endpoint_id']}: {outcome}")
    if any(r["error"] or not 200 <= (r["status_code"] or 0) < 300 for r in rows):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks", rich_help_panel="Serve")

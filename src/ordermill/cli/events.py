"""``ordermill events relay|status``: deliver the outbox, and see how far each destination is."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine, Iterator
from datetime import timedelta
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table
from sqlalchemy.engine import Engine

from ordermill.cli.common import DEFAULT_URL, ConfigOption, DatabaseUrl, JsonOption, out, print_json
from ordermill.db.engine import create_engine
from ordermill.db.tables import utcnow
from ordermill.domain.errors import InvalidInput
from ordermill.events.destination import RetrySchedule
from ordermill.events.envelope import DEFAULT_SOURCE
from ordermill.events.relay import RelaySettings
from ordermill.events.runner import RelayOptions, run_relay
from ordermill.events.store import Store

__all__ = ["open_engine", "register"]

T = TypeVar("T")

events_app = typer.Typer(
    help="Deliver outbox events (NATS, webhooks, subscribers).", no_args_is_help=True
)


@contextlib.contextmanager
def open_engine(database_url: str) -> Iterator[Engine]:
    try:
        engine = create_engine(database_url)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    try:
        yield engine
    finally:
        engine.dispose()


@events_app.command("relay")
def relay(
    nats: Annotated[
        str | None, typer.Option("--nats", help="NATS URL (JetStream), e.g. nats://127.0.0.1:4222.")
    ] = None,
    nats_stream: Annotated[
        str, typer.Option(help="JetStream stream (created when missing).")
    ] = "ORDERMILL",
    subscribers: Annotated[
        list[str] | None,
        typer.Option("--subscribers", help="Module with @subscriber functions (repeatable)."),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Stop when every destination is caught up.")
    ] = False,
    source: Annotated[str, typer.Option(help="The CloudEvents source attribute.")] = DEFAULT_SOURCE,
    poll_interval: Annotated[
        float, typer.Option(help="Seconds between polls without NOTIFY.", min=0.01)
    ] = 1.0,
    retry_base: Annotated[
        float, typer.Option(help="First webhook retry delay bound (s).", min=0.0)
    ] = 5.0,
    retry_cap: Annotated[
        float, typer.Option(help="Longest webhook retry delay (s).", min=0.0)
    ] = 3600.0,
    retry_window: Annotated[
        float, typer.Option(help="Failing this long disables an endpoint (s).", min=0.0)
    ] = 36 * 3600.0,
    webhook_timeout: Annotated[
        float, typer.Option(help="Seconds per webhook request.", min=0.01)
    ] = 10.0,
    retention_days: Annotated[
        float, typer.Option(help="Days the delivery log is kept.", min=0.0)
    ] = 30.0,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Deliver committed outbox events, at least once, until stopped (Ctrl+C or SIGTERM).

    SIGTERM abandons the batch in flight and exits 0: the cursor moves only after every
    event of a batch is acknowledged, so the next start sends that batch again, with
    the same CloudEvent ids (NATS drops the copies by Nats-Msg-Id).
    """
    from ordermill.ops.logs import configure_logging
    from ordermill.ops.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    options = RelayOptions(
        nats_url=nats,
        nats_stream=nats_stream,
        subscriber_modules=tuple(subscribers or ()),
        settings=RelaySettings(
            source=source,
            poll_interval=poll_interval,
            once=once,
            delivery_retention=timedelta(days=retention_days),
        ),
        schedule=RetrySchedule(retry_base, retry_cap, retry_window),
        webhook_timeout=webhook_timeout,
    )
    with open_engine(database_url) as engine:
        try:
            done = asyncio.run(_until_terminated(run_relay(engine, options)))
        except (KeyboardInterrupt, asyncio.CancelledError):
            logging.getLogger("ordermill.events").info("relay stopped")
            return
    if done.failed:
        out.print(f"Not caught up: {', '.join(sorted(done.failed))} failed (see events status).")
        raise typer.Exit(1)


async def _until_terminated(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``; SIGTERM cancels it (each destination's task stops where it is, its
    lease released) instead of killing the process where it stands."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    except NotImplementedError:  # Windows: SIGTERM ends the process as before
        return await work
    try:
        return await work
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


@events_app.command("status")
def status(
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Per destination: events not yet delivered, the oldest one's age, the last error."""
    with open_engine(database_url) as engine:
        found = Store(engine).status()
    now = utcnow()
    items = [
        {
            "destination": s.destination,
            "backlog": s.backlog,
            "oldest_age_seconds": None
            if s.oldest_undelivered_at is None
            else round((now - s.oldest_undelivered_at).total_seconds(), 3),
            "last_error": s.last_error,
            "last_error_at": s.last_error_at,
        }
        for s in found
    ]
    if as_json:
        print_json({"items": items})
        return
    table = Table()
    for column in ("destination", "backlog", "oldest", "last error"):
        table.add_column(column)
    for item in items:
        age = item["oldest_age_seconds"]
        table.add_row(
            str(item["destination"]),
            str(item["backlog"]),
            "" if age is None else f"{age:.0f} s",
            str(item["last_error"] or ""),
        )
    out.print(table if items else "No destinations yet (run `ordermill events relay`).")


def register(app: typer.Typer) -> None:
    app.add_typer(events_app, name="events", rich_help_panel="Serve")

"""``ordermill orders tracking-link ORDER``: issue (or rotate) an order's guest tracking
link and print its URL, or revoke it. The URL is printed once: only its hash is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from ordermill.cli.common import (
    DEFAULT_URL,
    ConfigOption,
    DatabaseUrl,
    JsonOption,
    OrderKey,
    open_oms,
    out,
    print_json,
)
from ordermill.cli.orders import orders_app

__all__ = ["register"]


@orders_app.command("tracking-link")
def tracking_link(
    order: OrderKey,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where `ordermill serve` is reachable.")
    ] = "http://127.0.0.1:8000",
    days: Annotated[
        int | None, typer.Option("--days", min=1, help="The link expires after this many days.")
    ] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke the live link instead.")] = False,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Issue the order's guest tracking link (replacing the one it had) and print its URL."""
    with open_oms(database_url, config) as oms:
        if revoke:
            revoked = oms.revoke_tracking_link(order)
            if as_json:
                print_json({"order": order, "revoked": revoked is not None})
            else:
                out.print(f"Order {order}: " + ("link revoked." if revoked else "no live link."))
            return
        expires = None if days is None else datetime.now(UTC) + timedelta(days=days)
        link = oms.tracking_link(order, expires_at=expires)
    url = base_url.rstrip("/") + (link.path or "")
    if as_json:
        print_json({"order": order, "url": url, "expires_at": link.expires_at})
        return
    until = f" (until {link.expires_at:%Y-%m-%d %H:%M} UTC)" if link.expires_at else ""
    out.print(f"Tracking link of order {order}{until}; shown only now:", soft_wrap=True)
    print(url)


def register(app: typer.Typer) -> None:
    """The command is on ``orders_app``; importing this module adds it."""
    del app

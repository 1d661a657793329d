"""``ordermill demo``: a database full of sample orders, to try everything else on."""

from __future__ import annotations

from typing import Annotated

import typer

from ordermill.cli.common import DEFAULT_URL, ConfigOption, DatabaseUrl, err, open_oms, out
from ordermill.demo import create_demo_data

__all__ = ["register"]


def demo(
    orders: Annotated[int, typer.Option("--orders", help="How many orders.", min=1)] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same data.")] = 0,
    days: Annotated[int, typer.Option("--days", help="Spread over the last N days.", min=1)] = 90,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Migrate, then create sample customers, stock and orders with a realistic history.

    Orders go through the real services (payments, shipments, deliveries, cancellations,
    notes) and are spread over the last --days days. A database that already has the demo
    data is left alone; one with other orders is refused.
    """
    with open_oms(database_url, config) as oms:
        url = oms.engine.url.render_as_string(hide_password=True)
        with err.status(f"Creating {orders} demo orders in {url}..."):
            oms.migrate()
            summary = create_demo_data(oms, orders=orders, seed=seed, days=days)
    if summary.created:
        out.print(
            f"Created {summary.orders} orders for {summary.customers} customers"
            f" ({summary.products} products) in {url}."
        )
    else:
        out.print(f"{url} already has the demo data ({summary.orders} orders); nothing added.")
    out.print("Try: ordermill orders list · ordermill stats · ordermill orders show DEMO-00001")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Set-up")(demo)

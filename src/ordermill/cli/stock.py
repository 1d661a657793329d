"""``ordermill stock set|get``: managed stock per SKU."""

from __future__ import annotations

from typing import Annotated

import typer

from ordermill.cli.common import (
    DEFAULT_URL,
    ConfigOption,
    DatabaseUrl,
    JsonOption,
    open_oms,
    out,
    print_json,
)
from ordermill.domain.records import StockLevel

__all__ = ["register"]

stock_app = typer.Typer(help="Set and read stock levels.", no_args_is_help=True)


def _show(level: StockLevel) -> None:
    managed = "managed" if level.manage_stock else "not managed (never short)"
    out.print(f"{level.sku}: {level.qty} in stock, {managed}")


# "-5" is a quantity the service refuses with its reason, not an unknown option.
@stock_app.command("set", context_settings={"ignore_unknown_options": True})
def set_stock(
    sku: Annotated[str, typer.Argument(help="The SKU.")],
    qty: Annotated[int, typer.Argument(help="Units in stock (0 or more).")],
    unmanaged: Annotated[
        bool, typer.Option("--unmanaged", help="Do not track this SKU's stock.")
    ] = False,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Set the stock of a SKU (creating its stock record if needed)."""
    with open_oms(database_url, config) as oms:
        level = oms.set_stock(sku, qty, manage_stock=not unmanaged)
    print_json(level) if as_json else _show(level)


@stock_app.command("get")
def get_stock(
    sku: Annotated[str, typer.Argument(help="The SKU.")],
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Show the stock of a SKU (exit 1 when it has no stock record)."""
    with open_oms(database_url, config) as oms:
        level = oms.get_stock(sku)
    print_json(level) if as_json else _show(level)


def register(app: typer.Typer) -> None:
    app.add_typer(stock_app, name="stock", rich_help_panel="Operate")

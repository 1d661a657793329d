"""The ``ordermill`` command line: operate orders from a terminal, import and export.

Every command takes ``--database-url`` (``$ORDERMILL_DATABASE_URL``, default
``sqlite:///ordermill.db``) and ``--config`` (``$ORDERMILL_CONFIG``). Commands are thin:
they parse, call one ``Oms`` method or the query builder, and render. Errors are printed
by ``cli.errors`` without a traceback, with the exit codes of ``cli.errors.EXIT_CODES``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ordermill import __version__
from ordermill.cli import (
    config,
    database,
    demo,
    events,
    orders,
    payments,
    refunds,
    serve,
    stats,
    stock,
    tokens,
    tracking,
    transfer,
    webhooks,
)
from ordermill.cli.common import cli_actor
from ordermill.cli.errors import OrdermillGroup
from ordermill.domain.actor import acting_as

__all__ = ["app", "main"]

app = typer.Typer(
    cls=OrdermillGroup,
    name="ordermill",
    help="ordermill: an order management system. Operate orders, import and export them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
for module in (
    database,
    config,
    demo,
    orders,
    refunds,
    payments,
    stock,
    tokens,
    tracking,
    transfer,
    stats,
    serve,
    events,
    webhooks,
):
    module.register(app)


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"ordermill {__version__}")
        raise typer.Exit()


# Commands that serve others: their changes record their callers, not the terminal.
_SERVERS = frozenset({"serve", "events"})


@app.callback()
def _options(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    """ordermill: an order management system. Operate orders, import and export them."""
    if ctx.invoked_subcommand not in _SERVERS:
        # Changes made from a terminal record who ran them (``domain/actor.py``).
        ctx.with_resource(acting_as(cli_actor()))


def main() -> None:
    """The console entry point (``ordermill``, ``python -m ordermill``)."""
    app(prog_name="ordermill")

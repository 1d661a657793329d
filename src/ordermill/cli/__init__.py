"""The ``ordermill`` command line: operate orders from a terminal, import and export.

Every command takes ``--database-url`` (``$ORDERMILL_DATABASE_URL``, default
``sqlite:///ordermill.db``) and ``--config`` (``$ORDERMILL_CONFIG``). Commands are thin:
they parse, call one ``Oms`` method or the query builder, and render. Errors are printed
by ``cli.errors`` without a traceback, with the exit codes of ``cli.errors.EXIT_CODES``.
"""

from __future__ import annotations

import typer

from ordermill.cli import (
    config,
    database,
    demo,
    orders,
    payments,
    serve,
    stats,
    stock,
    tokens,
    transfer,
)
from ordermill.cli.errors import OrdermillGroup

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
for module in (database, config, demo, orders, payments, stock, tokens, transfer, stats, serve):
    module.register(app)


def main() -> None:
    """The console entry point (``ordermill``, ``python -m ordermill``)."""
    app(prog_name="ordermill")

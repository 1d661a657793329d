"""What every command shares: the database and configuration options, the consoles, and
small renderers for statuses, money and times."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

import ordermill
from ordermill.db.engine import DEFAULT_URL
from ordermill.domain.actor import Actor
from ordermill.domain.config import Config
from ordermill.domain.errors import InvalidInput
from ordermill.domain.order_file import money_text
from ordermill.domain.serialize import to_jsonable
from ordermill.domain.status import StatusKind, display

__all__ = [
    "DEFAULT_URL",
    "ConfigOption",
    "DatabaseUrl",
    "JsonOption",
    "OrderKey",
    "cli_actor",
    "err",
    "money",
    "open_oms",
    "out",
    "print_json",
    "status_text",
    "when",
]


def _database_url(value: str) -> str:
    # An empty URL (an unset shell variable) must not fall back to ./ordermill.db.
    if not value.strip():
        raise typer.BadParameter("is empty: give postgresql://... or sqlite:///path.db")
    return value


DatabaseUrl = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="ORDERMILL_DATABASE_URL",
        help="Database URL: postgresql://... or sqlite:///path.db.",
        rich_help_panel="Database",
        callback=_database_url,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="ORDERMILL_CONFIG",
        help="Status configuration file (.json or .toml); the defaults without it.",
        dir_okay=False,
        rich_help_panel="Database",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

_BADGE_STYLES = {
    "success": "green",
    "warning": "yellow",
    "destructive": "red",
    "outline": "dim",
    "default": "",
}


@contextmanager
def open_oms(database_url: str, config: Path | None) -> Iterator[ordermill.Oms]:
    try:
        oms = ordermill.connect(database_url, config)
    except ValueError as exc:
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput(str(exc)) from None
    try:
        yield oms
    finally:
        oms.close()


def print_json(value: Any) -> None:
    """One JSON document on stdout (records, Decimals and datetimes converted)."""
    sys.stdout.write(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def status_text(config: Config, kind: StatusKind, code: str) -> Text:
    name, badge = display(config, kind, code)
    return Text(name, style=_BADGE_STYLES.get(badge, ""))


def money(amount: Decimal, currency: str | None = None) -> str:
    text = money_text(amount)
    return f"{text} {currency}" if currency else text


def when(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M")


# Every command that names one order: any reference the library's lookup accepts.
OrderKey = Annotated[
    str, typer.Argument(metavar="ORDER", help="Order number, uuid or external reference.")
]


def cli_actor() -> Actor:
    """The actor of a command run from a terminal: the operating-system user running it."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or the password database
        user = "unknown user"
    return Actor("cli", None, user)

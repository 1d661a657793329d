"""``ordermill tokens create|list|revoke``: API tokens for the REST service."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from ordermill.cli.common import (
    DEFAULT_URL,
    ConfigOption,
    DatabaseUrl,
    JsonOption,
    open_oms,
    out,
    print_json,
    when,
)
from ordermill.domain.records import ApiToken
from ordermill.domain.scopes import PRESETS, SCOPES

__all__ = ["register"]

tokens_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)


class Role(StrEnum):
    admin = "admin"
    customer = "customer"


Preset = StrEnum("Preset", {name: name for name in PRESETS})  # type: ignore[misc]
Scope = StrEnum("Scope", {name: name for name in SCOPES})  # type: ignore[misc]


def _scopes(token: ApiToken) -> str:
    if token.role == "customer":
        return "own orders"
    return "all (admin)" if token.scopes >= PRESETS["admin"] else " ".join(sorted(token.scopes))


def _describe(token: ApiToken) -> str:
    if token.customer_id is not None:
        who = f"customer {token.customer_id}"
    else:
        who = f"staff, scopes: {_scopes(token)}"
    name = f" {token.name!r}" if token.name else ""
    label = f" ({token.label})" if token.label else ""
    return f"token {token.token_id}{name}: {who}{label}"


@tokens_app.command("create")
def create(
    role: Annotated[
        Role | None,
        typer.Option(
            "--role",
            help="admin: a staff token with every scope (the default); customer: own orders.",
        ),
    ] = None,
    scope: Annotated[
        list[Scope] | None,
        typer.Option("--scope", help="A scope of a staff token (repeat the option)."),
    ] = None,
    preset: Annotated[
        Preset | None,
        typer.Option("--preset", help="The scopes of a staff role: admin, warehouse, ..."),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help='A display name, e.g. "Ada (warehouse)".')
    ] = None,
    customer_id: Annotated[
        int | None, typer.Option("--customer-id", help="The customer (role customer only).")
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="A note for humans.")] = None,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Create a token. Its secret is printed once, alone on the last line: store it now.

    A staff token gets --scope (repeatable) or a --preset (admin, warehouse,
    customer_service); --role admin, or neither, gives every scope.
    """
    chosen = role.value if role is not None else ("customer" if customer_id else "admin")
    with open_oms(database_url, config) as oms:
        token, secret = oms.create_token(
            role=chosen,
            customer_id=customer_id,
            label=label,
            scopes=None if not scope else [s.value for s in scope],
            preset=None if preset is None else preset.value,
            name=name,
        )
    out.print(f"Created {_describe(token)}. The secret is shown only now:")
    print(secret)


@tokens_app.command("list")
def list_tokens(
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """List every token (secrets are never stored, so never shown)."""
    with open_oms(database_url, config) as oms:
        tokens = oms.list_tokens()
    if as_json:
        print_json({"items": tokens})
        return
    table = Table()
    for column in ("id", "name", "role", "scopes", "customer", "label", "created", "revoked"):
        table.add_column(column)
    for t in tokens:
        table.add_row(
            str(t.token_id),
            t.name or "",
            t.role,
            _scopes(t),
            "" if t.customer_id is None else str(t.customer_id),
            t.label or "",
            when(t.created_at),
            when(t.revoked_at),
        )
    out.print(table if tokens else "No tokens.")


@tokens_app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see tokens list).")],
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Revoke a token: requests with it are refused from now on."""
    with open_oms(database_url, config) as oms:
        token = oms.revoke_token(token_id)
    out.print(f"Revoked {_describe(token)} at {when(token.revoked_at)}.")


def register(app: typer.Typer) -> None:
    app.add_typer(tokens_app, name="tokens", rich_help_panel="Serve")

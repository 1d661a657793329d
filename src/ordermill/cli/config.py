"""``ordermill config check``: validate a status configuration and show what it resolves to;
``ordermill config show``: the effective settings (``ordermill.ops.settings``), secrets masked."""

from __future__ import annotations

from pathlib import Path
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
    status_text,
)
from ordermill.domain.config import load_config
from ordermill.domain.status import resolution_table

__all__ = ["register"]

config_app = typer.Typer(
    help="Check the status configuration; show the effective settings.", no_args_is_help=True
)


@config_app.command("show")
def show(
    settings_file: Annotated[
        Path | None,
        typer.Option(
            "--settings",
            envvar="ORDERMILL_SETTINGS_FILE",
            help="Settings file (TOML).",
            dir_okay=False,
            exists=True,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Print the effective settings (flags aside: ORDERMILL_* variables over --settings FILE
    over the defaults), passwords and keys masked, and any unknown ORDERMILL_* variable."""
    import warnings

    from ordermill.ops.settings import Settings, load_settings, unknown_variables

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # listed below instead
        settings = load_settings(settings_file)
    values = settings.masked()
    unknown = unknown_variables()
    if as_json:
        print_json({"settings": values, "unknown_variables": unknown})
        return
    table = Table(title="Effective settings", title_justify="left")
    for column in ("setting", "value", "variable"):
        table.add_column(column, overflow="fold")
    for name, value in values.items():
        assert name in Settings.model_fields
        table.add_row(name, "" if value is None else str(value), f"ORDERMILL_{name.upper()}")
    out.print(table)
    for variable in unknown:
        out.print(f"[yellow]Unknown variable {variable}: no such setting (ignored).[/yellow]")


@config_app.command("check")
def check(
    file: Annotated[
        Path | None,
        typer.Argument(help="The file to check; default: --config, else the defaults."),
    ] = None,
    as_json: JsonOption = False,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
) -> None:
    """Validate a status configuration (.json or .toml) and print its resolution table.

    Every problem is printed with its key path; an invalid file exits with status 2.
    """
    del database_url  # accepted like on every command; a check needs no database
    source = file or config
    resolved = load_config(source)
    rows = resolution_table(resolved)
    if as_json:
        print_json(
            {
                "file": str(source) if source else None,
                "valid": True,
                "payment_statuses": list(resolved.payment_statuses),
                "shipment_statuses": list(resolved.shipment_statuses),
                "order_statuses": list(resolved.order_status_flow),
                "refund_reasons": dict(resolved.refund_reasons),
                "resolution": [
                    {"payment_status": p, "shipment_status": s, "status": o} for p, s, o in rows
                ],
                "carriers": {
                    code: {"name": c.name, "tracking_url": c.tracking_url}
                    for code, c in resolved.carriers.items()
                },
            }
        )
        return
    out.print(f"{source or 'The default configuration'} is valid.")
    restock = "yes" if resolved.restock_after_cancellation else "no"
    out.print(
        "Order statuses, in flow order: "
        + " → ".join(resolved.order_status_flow)
        + f"  (restock after cancellation: {restock})"
    )
    out.print("Refund reasons: " + ", ".join(resolved.refund_reasons))
    carriers = ", ".join(
        f"{c.name}{'' if c.tracking_url else ' (no tracking URL)'}"
        for c in resolved.carriers.values()
    )
    out.print(f"Carriers: {carriers or 'none'} (any other carrier name is accepted, without URL)")
    table = Table(title="payment status, shipment status → order status", title_justify="left")
    table.add_column("payment status")
    table.add_column("shipment status")
    table.add_column("order status")
    for payment, shipment, order in rows:
        table.add_row(payment, shipment, status_text(resolved, "order", order))
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config", rich_help_panel="Set-up")

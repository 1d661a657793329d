"""``ordermill migrate``: create or upgrade the database schema."""

from __future__ import annotations

import typer

from ordermill.cli.common import DEFAULT_URL, ConfigOption, DatabaseUrl, open_oms, out

__all__ = ["register"]


def migrate(database_url: DatabaseUrl = DEFAULT_URL, config: ConfigOption = None) -> None:
    """Create or upgrade the database schema to the newest version (safe to run again)."""
    with open_oms(database_url, config) as oms:
        oms.migrate()
        out.print(f"Database {oms.engine.url.render_as_string(hide_password=True)} is up to date.")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Set-up")(migrate)

"""``ordermill migrate``: create or upgrade the database schema."""

from __future__ import annotations

import typer

from ordermill.cli.common import DEFAULT_URL, ConfigOption, DatabaseUrl, open_oms, out
from ordermill.db.migrate import head_revisions, schema_revisions

__all__ = ["register"]


def migrate(database_url: DatabaseUrl = DEFAULT_URL, config: ConfigOption = None) -> None:
    """Create or upgrade the database schema to the newest version (safe to run again)."""
    with open_oms(database_url, config) as oms:
        with oms.engine.connect() as conn:
            before = schema_revisions(conn)
        oms.migrate()
        name = oms.engine.url.render_as_string(hide_password=True)
        head = ", ".join(sorted(head_revisions()))
        if not before:
            out.print(f"Created the schema in database {name} (migration {head}).")
        elif before == head_revisions():
            out.print(f"Database {name} is up to date (migration {head}); nothing to do.")
        else:
            was = ", ".join(sorted(before))
            out.print(f"Upgraded database {name} from migration {was} to {head}.")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Set-up")(migrate)

"""The ordermill command line. (The full Typer CLI replaces this minimal entry point.)"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    from ordermill.services import connect

    parser = argparse.ArgumentParser(prog="ordermill")
    parser.add_argument("--database-url", default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the database schema")
    args = parser.parse_args(argv)
    if args.command == "migrate":
        oms = connect(args.database_url)
        oms.migrate()
        print(f"migrated {oms.engine.url.render_as_string(hide_password=True)}")
    sys.exit(0)

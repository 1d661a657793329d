"""``make openapi``: write the OpenAPI document of the app to ``docs/openapi.json``.

    python -m ordermill.api.write_openapi docs/openapi.json

It sits above app.py (it builds an app), while openapi.py, which the routes and the app
use, sits below it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ordermill.api.app import create_app
from ordermill.api.openapi import openapi_json
from ordermill.oms import connect

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Write the OpenAPI document of the app to the path given (or stdout)."""
    args = sys.argv[1:] if argv is None else argv
    # The document does not depend on the database: an in-memory one is never opened.
    oms = connect("sqlite://")
    try:
        text = openapi_json(create_app(oms))
    finally:
        oms.close()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Whether the database answers: what a readiness probe asks."""

from __future__ import annotations

from ordermill.db.orders import ping
from ordermill.orders.context import Context

__all__ = ["check_database"]


def check_database(ctx: Context) -> None:
    """Run a trivial query; raises the driver's error when the database cannot be reached."""
    with ctx.reading() as c:
        ping(c)

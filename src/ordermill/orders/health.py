"""Whether the database answers: what a readiness probe asks."""

from __future__ import annotations

import sqlalchemy as sa

from ordermill.orders.context import Context

__all__ = ["check_database"]


def check_database(ctx: Context) -> None:
    """Run a trivial query; raises the driver's error when the database cannot be reached."""
    with ctx.reading() as c:
        c.execute(sa.select(sa.literal(1))).scalar_one()

"""Whether the database is ready: reachable, and its schema at the code's migrations."""

from __future__ import annotations

from ordermill.db.migrate import head_revisions, schema_revisions
from ordermill.orders.context import Context

__all__ = ["check_database"]


def check_database(ctx: Context) -> str | None:
    """None when the database is ready; else what is wrong with its schema.

    Raises the driver's error when the database cannot be reached. A database without
    the schema, or at another migration than the code's newest, is not ready: every
    call on it would fail.
    """
    with ctx.reading() as c:
        found = schema_revisions(c)
    expected = head_revisions()
    if found == expected:
        return None
    if not found:
        return "The database has no ordermill schema: run `ordermill migrate`"
    return (
        f"The database schema is at migration {', '.join(sorted(found))}, the code's is"
        f" {', '.join(sorted(expected))}: run `ordermill migrate` (with this version's code)"
    )

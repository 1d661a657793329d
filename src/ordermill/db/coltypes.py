"""The column types every table module shares: UTC timestamps on both databases, money,
ids and status codes (``db/tables.py`` re-exports them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = ["Code", "Id", "Money", "UtcDateTime", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are
    stored as naive UTC and given their zone back when read. Naive values
    passed in are taken to be UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def Money() -> sa.Numeric[Any]:
    return sa.Numeric(12, 4, asdecimal=True)


# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets bigint identities.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Code = sa.String(32)  # a status code

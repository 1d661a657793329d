"""``OrderFilters``: the one mapping from a listing's user filters to builder calls.

The REST listing, the CLI and the admin grid each parse their own input into an
``OrderFilters`` and call ``apply(query)``; what a filter means lives only here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ordermill.db.query.builder import OrderQuery
from ordermill.db.query.columns import column_spec, shown, to_datetime
from ordermill.domain.config import Config
from ordermill.domain.errors import InvalidStatus, QueryError

__all__ = ["DEFAULT_SORT", "OrderFilters", "parse_sort"]

# Newest first: what every listing shows when the user picks no order.
DEFAULT_SORT = "-created_at"
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")

StatusFilter = str | Sequence[str] | None
DateFilter = datetime | date | str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilters:
    """A listing's filters; every field is optional and ``None`` (or ``""``) means "any".

    - ``payment_status``, ``shipment_status``, ``status``: one code, or a list of codes (any of).
    - ``customer_id``: that customer's orders.
    - ``created_from`` / ``created_to``: inclusive bounds on ``created_at`` (datetimes, dates
      or ISO strings; naive means UTC). A date-only ``created_to`` includes that whole day.
    - ``q``: ``OrderQuery.search`` (order number, customer email or name contains it,
      or the external reference is it).
    - ``sort``: comma-separated columns, ``-`` for descending, e.g. ``"-created_at"`` or
      ``"grand_total,-order_number"``; default ``DEFAULT_SORT`` (newest first).
    """

    payment_status: StatusFilter = None
    shipment_status: StatusFilter = None
    status: StatusFilter = None
    customer_id: int | None = None
    created_from: DateFilter = None
    created_to: DateFilter = None
    q: str | None = None
    sort: str | None = None

    def apply(self, query: OrderQuery, *, config: Config | None = None) -> OrderQuery:
        """``query`` narrowed by these filters and sorted (each filter ANDed with it).

        With ``config``, a status code it does not know is an ``InvalidStatus`` (naming
        the code and the allowed ones) rather than a filter that silently matches nothing.
        """
        for column in ("payment_status", "shipment_status", "status"):
            wanted = getattr(self, column)
            if wanted is None or wanted == "":
                continue
            if config is not None:
                _check_statuses(config, column, [wanted] if isinstance(wanted, str) else wanted)
            if isinstance(wanted, str):
                query = query.and_where(column, "=", wanted)
            else:
                query = query.where_in(column, wanted)
        if self.customer_id is not None:
            query = query.and_where("customer_id", "=", self.customer_id)
        if self.created_from not in (None, ""):
            query = query.and_where("created_at", ">=", self.created_from)
        if self.created_to not in (None, ""):
            query = _created_to(query, self.created_to)
        if self.q is not None:
            query = query.search(self.q)
        for column, direction in parse_sort(self.sort or DEFAULT_SORT):
            query = query.order_by(column, direction)
        return query


def _check_statuses(config: Config, column: str, codes: Sequence[str]) -> None:
    kind, known = {
        "payment_status": ("payment", config.payment_statuses),
        "shipment_status": ("shipment", config.shipment_statuses),
        "status": ("order", config.order_statuses),
    }[column]
    for code in codes:
        if code not in known:
            raise InvalidStatus(
                f"Invalid {kind} status {shown(code)}; allowed: {', '.join(known)}",
                kind=kind,
                value=str(code),
                allowed=list(known),
            )


def parse_sort(text: str) -> list[tuple[str, str]]:
    """``"-created_at,order_number"`` as ``[("created_at", "DESC"), ("order_number", "ASC")]``."""
    if not isinstance(text, str):
        raise QueryError(f"Sort {shown(text)} is not a string", sort=shown(text))
    keys: list[tuple[str, str]] = []
    for part in text.split(","):
        item = part.strip()
        if not item:
            continue
        direction = "DESC" if item.startswith("-") else "ASC"
        name = item[1:] if item[0] in "+-" else item
        keys.append((column_spec(name).name, direction))
    if not keys:
        raise QueryError(f"Sort {shown(text)} names no column", sort=shown(text))
    return keys


def _created_to(query: OrderQuery, bound: date | str) -> OrderQuery:
    day_only = (isinstance(bound, date) and not isinstance(bound, datetime)) or (
        isinstance(bound, str) and _DATE_ONLY.fullmatch(bound.strip()) is not None
    )
    if not day_only:
        return query.and_where("created_at", "<=", bound)
    start = to_datetime(bound)
    if start is None:
        raise QueryError(f"created_to {shown(bound)} is not a valid date", created_to=shown(bound))
    try:
        end = start + timedelta(days=1)
    except OverflowError:  # 9999-12-31: every order is before its end
        return query
    return query.and_where("created_at", "<", end)

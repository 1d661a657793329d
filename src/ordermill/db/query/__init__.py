"""The orders query builder: ``oms.get_orders_base_query()`` returns an ``OrderQuery``.

    >>> orders = (oms.get_orders_base_query()
    ...     .where("payment_status", "=", "paid")
    ...     .and_where("shipment_status", "=", "pending")
    ...     .order_by("created_at", "DESC")
    ...     .with_("items", "shipping_address")
    ...     .page(20))

Columns, operators, directions and relations come from fixed allow-lists
(``COLUMNS``, ``OPERATORS``, ``DIRECTIONS``, ``RELATIONS``); anything else raises
``QueryError``. Values are always bound parameters. ``OrderFilters`` maps a
listing's user filters onto the builder for the REST API, the CLI and the admin.
"""

from __future__ import annotations

from ordermill.db.query.builder import DIRECTIONS, MAX_PAGE_SIZE, OrderQuery, Page
from ordermill.db.query.columns import COLUMNS, MAX_IN_VALUES, OPERATORS
from ordermill.db.query.conditions import SEARCH_COLUMNS
from ordermill.db.query.filters import DEFAULT_SORT, OrderFilters, parse_sort
from ordermill.db.relations import RELATIONS

__all__ = [  # noqa: RUF022 (plain sorted order, as the public API test wants)
    "COLUMNS",
    "DEFAULT_SORT",
    "DIRECTIONS",
    "MAX_IN_VALUES",
    "MAX_PAGE_SIZE",
    "OPERATORS",
    "OrderFilters",
    "OrderQuery",
    "Page",
    "RELATIONS",
    "SEARCH_COLUMNS",
    "parse_sort",
]

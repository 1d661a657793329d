"""``OrderQuery``: the orders query builder behind ``oms.get_orders_base_query()``.

An immutable builder: every method returns a new one, so a base query can be
shared and refined freely. Each method checks its arguments when it is called
(unknown columns, relations, operators or directions raise ``QueryError`` at
once, before any SQL exists); the query runs only in ``execute()``, ``first()``,
``count()``, ``exists()`` and ``page()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ordermill.db import rows
from ordermill.db.query import cursor as _cursor
from ordermill.db.query.columns import COLUMNS, column_spec, shown
from ordermill.db.query.conditions import (
    MISSING,
    Connector,
    Group,
    Node,
    comparison,
    compile_group,
    search,
)
from ordermill.db.relations import RELATIONS, load_relations
from ordermill.db.replica import Connectable
from ordermill.db.tables import order
from ordermill.db.transaction import read_connection
from ordermill.domain.errors import QueryError
from ordermill.domain.records import Order

__all__ = ["DIRECTIONS", "MAX_PAGE_SIZE", "OrderQuery", "Page"]

DIRECTIONS: tuple[str, ...] = ("ASC", "DESC")
MAX_PAGE_SIZE = 1_000
_MAX_INT = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Page:
    """One page of orders; ``next_cursor`` is None on the last page."""

    items: list[Order]
    next_cursor: str | None


_NO_CONDITIONS = Group()


@dataclass(frozen=True, slots=True)
class _Spec:
    where: Group = _NO_CONDITIONS
    sort: tuple[tuple[str, bool], ...] = ()  # (column, descending)
    offset: int = 0
    limit: int | None = None
    relations: tuple[str, ...] = ()
    customer_id: int | None = None


class OrderQuery:
    """A query over orders. Build it with the methods below, then run it.

    Conditions combine left to right: ``and_where`` narrows everything before it,
    ``or_where`` widens it (``where(a).or_where(b).and_where(c)`` is
    ``(a OR b) AND c``); ``where`` is ``and_where``. Pass a callable or another
    builder instead of a column for a parenthesised group.

    Operators: ``= != < <= > >= like ilike in not in is null is not null``. Values
    are converted to the column's type (dates from ISO strings, naive means UTC;
    amounts from strings); as in SQL, a comparison never matches NULL. ``like``
    patterns use ``%``, ``_`` and backslash escapes and are case-sensitive on both
    databases; ``ilike`` ignores case (ASCII case only on SQLite).
    """

    __slots__ = ("_engine", "_spec")

    def __init__(self, engine: Connectable, *, _spec: _Spec | None = None) -> None:
        self._engine = engine
        self._spec = _spec or _Spec()

    def __repr__(self) -> str:
        s = self._spec
        return (
            f"<OrderQuery conditions={len(s.where.terms)} sort={list(s.sort)}"
            f" offset={s.offset} limit={s.limit} with={list(s.relations)}"
            f" customer={s.customer_id}>"
        )

    # -- conditions -------------------------------------------------------------

    def where(
        self,
        column: str | Callable[[OrderQuery], OrderQuery] | OrderQuery,
        op: str | None = None,
        value: Any = MISSING,
    ) -> OrderQuery:
        """Add ``column op value`` (ANDed with the conditions so far), or a group."""
        return self._add("and", column, op, value)

    def and_where(
        self,
        column: str | Callable[[OrderQuery], OrderQuery] | OrderQuery,
        op: str | None = None,
        value: Any = MISSING,
    ) -> OrderQuery:
        return self._add("and", column, op, value)

    def or_where(
        self,
        column: str | Callable[[OrderQuery], OrderQuery] | OrderQuery,
        op: str | None = None,
        value: Any = MISSING,
    ) -> OrderQuery:
        """``(conditions so far) OR column op value``."""
        return self._add("or", column, op, value)

    def where_in(self, column: str, values: Any) -> OrderQuery:
        return self._add("and", column, "in", values)

    def search(self, text: str) -> OrderQuery:
        """Orders whose number, customer email or customer name contains ``text``, and the
        order whose external reference is ``text`` exactly.

        Case-insensitive (ASCII case only on SQLite); ``%`` and ``_`` are matched
        literally; blank text adds nothing.
        """
        node = search(text)
        return self if node is None else self._replace(where=self._spec.where.add("and", node))

    def for_customer(self, customer_id: int) -> OrderQuery:
        """Only this customer's orders, and only activities the customer was notified of.

        The scope is ANDed with all other conditions, whatever ``or_where`` they use.
        """
        value = comparison("customer_id", "=", customer_id).value
        current = self._spec.customer_id
        if current is not None and current != value:
            raise QueryError(
                f"The query is already scoped to customer {current}; cannot scope it to {value}",
                customer_id=value,
            )
        return self._replace(customer_id=value)

    # -- order, window, relations -------------------------------------------------

    def order_by(self, column: str, direction: str = "ASC") -> OrderQuery:
        """Sort by ``column``; later calls add tie-breakers. The order id always breaks ties."""
        spec = column_spec(column)
        normalized = direction.strip().upper() if isinstance(direction, str) else None
        if normalized not in DIRECTIONS:
            raise QueryError(
                f"Unknown sort direction {shown(direction)}; allowed: ASC, DESC",
                direction=shown(direction),
                allowed=list(DIRECTIONS),
            )
        if any(name == spec.name for name, _ in self._spec.sort):
            raise QueryError(f"The query is already sorted by {spec.name!r}", column=spec.name)
        return self._replace(sort=(*self._spec.sort, (spec.name, normalized == "DESC")))

    def limit(self, offset: int, count: int) -> OrderQuery:
        """Skip ``offset`` orders and return at most ``count`` (EverShop's argument order)."""
        return self._replace(offset=_natural(offset, "offset"), limit=_natural(count, "count"))

    def with_(self, *relations: str) -> OrderQuery:
        """Load these relations for all returned orders: one query per relation."""
        for name in relations:
            if not isinstance(name, str) or name not in RELATIONS:
                raise QueryError(
                    f"Unknown relation {shown(name)}; allowed relations: {', '.join(RELATIONS)}",
                    relation=shown(name),
                    allowed=list(RELATIONS),
                )
        wanted = set(self._spec.relations) | set(relations)
        return self._replace(relations=tuple(r for r in RELATIONS if r in wanted))

    # -- running ------------------------------------------------------------------

    def statement(self) -> sa.Select[Any]:
        """The SELECT that ``execute()`` runs (for EXPLAIN and debugging)."""
        stmt = self._filtered(sa.select(order)).order_by(*_cursor.order_by_clauses(self._keys()))
        if self._spec.offset:
            stmt = stmt.offset(self._spec.offset)
        if self._spec.limit is not None:
            stmt = stmt.limit(self._spec.limit)
        return stmt

    def execute(self, *, conn: Connection | None = None) -> list[Order]:
        return self._run(self.statement(), conn)

    def first(self, *, conn: Connection | None = None) -> Order | None:
        found = self._run(self.statement().limit(1), conn)
        return found[0] if found else None

    def count(self, *, conn: Connection | None = None) -> int:
        """How many orders match (the sort and ``limit()`` are ignored)."""
        stmt = self._filtered(sa.select(sa.func.count()).select_from(order))
        with self._reading(conn) as c:
            return int(c.execute(stmt).scalar_one())

    def exists(self, *, conn: Connection | None = None) -> bool:
        """Whether any order matches (``limit()`` is ignored)."""
        stmt = sa.select(sa.exists(self._filtered(sa.select(order.c.order_id))))
        with self._reading(conn) as c:
            return bool(c.execute(stmt).scalar_one())

    def page(self, size: int, cursor: str | None = None, *, conn: Connection | None = None) -> Page:
        """``size`` orders after ``cursor`` (from the start without one), by keyset.

        Every order is returned exactly once across pages, also while orders are
        added; the cost is the same however deep the page. Use the sort and
        conditions of the query the cursor came from.
        """
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_PAGE_SIZE:
            raise QueryError(
                f"Page size {shown(size)} must be an integer from 1 to {MAX_PAGE_SIZE}",
                size=shown(size),
            )
        if self._spec.offset or self._spec.limit is not None:
            raise QueryError("page() pages by cursor; do not combine it with limit()")
        keys = self._keys()
        stmt = self.statement()
        if cursor is not None:
            stmt = stmt.where(_cursor.after(keys, _cursor.decode(cursor, keys, self._key())))
        found = self._run(stmt.limit(size + 1), conn)
        if len(found) <= size:
            return Page(items=found, next_cursor=None)
        return Page(items=found[:size], next_cursor=self.cursor_after(found[size - 1]))

    def cursor_after(self, item: Order) -> str:
        """The cursor of the page that starts right after ``item`` in this query's order."""
        values = [getattr(item, spec.name) for spec, _ in self._keys()]
        return _cursor.encode(values, self._key())

    # -- internals ------------------------------------------------------------------

    def _replace(self, **changes: Any) -> OrderQuery:
        return OrderQuery(self._engine, _spec=replace(self._spec, **changes))

    def _add(self, connector: Connector, column: Any, op: Any, value: Any) -> OrderQuery:
        node: Node
        if callable(column) or isinstance(column, OrderQuery):
            if op is not None or value is not MISSING:
                raise QueryError("A group takes no operator or value")
            node = self._group(column)
        else:
            node = comparison(column, op, value)
        return self._replace(where=self._spec.where.add(connector, node))

    def _group(self, arg: Any) -> Group:
        built = arg(OrderQuery(self._engine)) if not isinstance(arg, OrderQuery) else arg
        if not isinstance(built, OrderQuery):
            raise QueryError(
                f"A group callable must return the builder it was given, got {shown(built)}"
            )
        spec = built._spec
        if spec != _Spec(where=spec.where):
            raise QueryError(
                "A group holds conditions only (no order_by, limit, with_ or for_customer)"
            )
        if not spec.where.terms:
            raise QueryError("A group needs at least one condition")
        return spec.where

    def _keys(self) -> list[_cursor.SortKey]:
        keys = [(COLUMNS[name], desc) for name, desc in self._spec.sort]
        if not any(name == "order_id" for name, _ in self._spec.sort):
            # The id follows the last key's direction, so a one-direction sort stays
            # a single index range (created_at DESC, order_id DESC).
            keys.append((COLUMNS["order_id"], keys[-1][1] if keys else False))
        return keys

    def _key(self) -> bytes:
        s = self._spec
        return _cursor.fingerprint(s.where, s.customer_id, s.sort)

    def _filtered(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        condition = compile_group(self._spec.where, self._engine.dialect.name)
        if condition is not None:
            stmt = stmt.where(condition)
        if self._spec.customer_id is not None:
            stmt = stmt.where(order.c.customer_id == self._spec.customer_id)
        return stmt

    @contextmanager
    def _reading(self, conn: Connection | None) -> Iterator[Connection]:
        """The caller's connection, or one of ours that only reads."""
        if conn is None and self._engine.dialect.name == "postgresql":
            # In READ COMMITTED every statement takes its own snapshot, in a transaction
            # or not; without one, a page is one round trip instead of three (BEGIN,
            # SELECT, ROLLBACK), which shows most when the machine is busy.
            with (
                self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own,
                _planned_for_values(own),
            ):
                yield own
            return
        with read_connection(self._engine, conn) as c, _planned_for_values(c):
            yield c

    def _run(self, stmt: sa.Select[Any], conn: Connection | None) -> list[Order]:
        with self._reading(conn) as c:
            found = [rows.order_from_row(r) for r in c.execute(stmt)]
            if not self._spec.relations or not found:
                return found
            return load_relations(
                c,
                found,
                self._spec.relations,
                customer_visible_only=self._spec.customer_id is not None,
            )


@contextmanager
def _planned_for_values(conn: Connection) -> Iterator[None]:
    """Plan the builder's statements for their actual values every time.

    psycopg prepares a statement once it has run five times, and PostgreSQL then
    may switch to a generic plan, blind to the values: for ``search`` that walks
    the whole ``created_at`` index instead of the trigram index (measured: 1 ms
    becomes 40-90 ms at 20,000 orders, seconds at a million), and a rare status
    is planned like a common one. Planning these statements takes well under a
    tenth of a millisecond, so it is done every time.
    """
    driver: Any = conn.connection.driver_connection
    if not hasattr(driver, "prepare_threshold"):  # SQLite: nothing is prepared across calls
        yield
        return
    saved = driver.prepare_threshold
    driver.prepare_threshold = None
    try:
        yield
    finally:
        driver.prepare_threshold = saved


def _natural(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_INT:
        raise QueryError(
            f"limit() {name} {shown(value)} must be a non-negative integer", **{name: shown(value)}
        )
    return value

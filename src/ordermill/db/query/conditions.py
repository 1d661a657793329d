"""A query's WHERE clause as a small tree of checked conditions, compiled to SQLAlchemy Core.

The tree holds only validated, converted values (never SQL), so it can be compared,
fingerprinted for cursors and compiled for either database. Conditions combine
left to right: each ``and`` narrows everything before it and each ``or`` widens
it, so ``where(a).or_where(b).and_where(c)`` means ``(a OR b) AND c``.
"""

from __future__ import annotations

import operator as _op
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from ordermill.db.query.columns import (
    COLUMNS,
    check_text,
    coerce,
    coerce_many,
    column_spec,
    operator,
    shown,
)
from ordermill.domain.errors import QueryError

__all__ = [
    "MISSING",
    "SEARCH_COLUMNS",
    "Comparison",
    "Connector",
    "Group",
    "Node",
    "Search",
    "comparison",
    "compile_group",
    "search",
]

Connector = Literal["and", "or"]

# What ``search(text)`` looks in: EverShop's admin keyword filter, case-insensitive.
SEARCH_COLUMNS: tuple[str, ...] = ("order_number", "customer_email", "customer_full_name")
# ...and the order whose external reference is exactly the text: an equality, which
# the reference's unique index answers (a substring match would need a trigram index).
SEARCH_EXACT_COLUMNS: tuple[str, ...] = ("external_reference",)

# The LIKE escape character; callers' patterns use backslash (PostgreSQL's default),
# which is rewritten to this one so that both databases read patterns alike.
_ESCAPE = "/"


@dataclass(frozen=True, slots=True)
class Comparison:
    column: str
    op: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class Search:
    text: str


@dataclass(frozen=True, slots=True)
class Group:
    terms: tuple[tuple[Connector, Node], ...] = ()

    def add(self, connector: Connector, node: Node) -> Group:
        return Group((*self.terms, (connector, node)))


Node = Comparison | Search | Group

# "No value passed", as distinct from None (which 'is null' accepts and '=' refuses).
MISSING: Any = object()

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": _op.eq,
    "!=": _op.ne,
    "<": _op.lt,
    "<=": _op.le,
    ">": _op.gt,
    ">=": _op.ge,
}


def comparison(column: object, op: object, value: object = MISSING) -> Comparison:
    """A checked condition: known column, allowed operator, value converted to the column's type."""
    spec = column_spec(column)
    canonical = operator(spec, op)
    if canonical in ("is null", "is not null"):
        if value is not MISSING and value is not None:
            raise QueryError(
                f"Operator {canonical!r} takes no value, got {shown(value)}",
                column=spec.name,
                operator=canonical,
            )
        return Comparison(spec.name, canonical)
    if value is MISSING or value is None:
        raise QueryError(
            f"Operator {canonical!r} on {spec.name!r} needs a value"
            " (use 'is null' or 'is not null' to test for NULL)",
            column=spec.name,
            operator=canonical,
        )
    if canonical in ("in", "not in"):
        return Comparison(spec.name, canonical, coerce_many(spec, value))
    if canonical in ("like", "ilike"):
        if not isinstance(value, str):
            raise QueryError(
                f"{shown(value)} is not a LIKE pattern for {spec.name!r}: expected a string",
                column=spec.name,
                value=shown(value),
            )
        _like_pattern(check_text(value, "Pattern"), glob=False)  # refuse a bad escape now
        return Comparison(spec.name, canonical, value)
    return Comparison(spec.name, canonical, coerce(spec, value))


def search(text: object) -> Search | None:
    """A case-insensitive substring search over ``SEARCH_COLUMNS``; None for blank text."""
    if not isinstance(text, str):
        raise QueryError(f"Search text {shown(text)} is not a string", value=shown(text))
    stripped = check_text(text, "Search text").strip()
    return Search(stripped) if stripped else None


def compile_group(group: Group, dialect: str) -> sa.ColumnElement[bool] | None:
    result: sa.ColumnElement[bool] | None = None
    for connector, node in group.terms:
        expr = _compile(node, dialect)
        if expr is None:
            continue
        if result is None:
            result = expr
        elif connector == "and":
            result = sa.and_(result, expr)
        else:
            result = sa.or_(result, expr)
    return result


def _compile(node: Node, dialect: str) -> sa.ColumnElement[bool] | None:
    if isinstance(node, Group):
        return compile_group(node, dialect)
    if isinstance(node, Search):
        pattern = sa.bindparam(None, f"%{_escape(node.text)}%", type_=sa.String())
        return sa.or_(
            *(COLUMNS[name].column.ilike(pattern, escape=_ESCAPE) for name in SEARCH_COLUMNS),
            *(COLUMNS[name].column == node.text for name in SEARCH_EXACT_COLUMNS),
        )
    return _compile_comparison(node, dialect)


def _compile_comparison(c: Comparison, dialect: str) -> sa.ColumnElement[bool]:
    col = COLUMNS[c.column].column
    op, value = c.op, c.value
    compare = _COMPARE.get(op)
    if compare is not None:
        result: sa.ColumnElement[bool] = compare(col, value)
        return result
    if op == "in":
        return col.in_(value)
    if op == "not in":
        return col.not_in(value)
    if op == "is null":
        return col.is_(None)
    if op == "is not null":
        return col.is_not(None)
    if op == "ilike":
        return col.ilike(_like_pattern(value, glob=False), escape=_ESCAPE)
    assert op == "like"
    if dialect == "sqlite":
        # SQLite's LIKE ignores ASCII case; GLOB is its case-sensitive match, as LIKE is on
        # PostgreSQL, so the same pattern finds the same orders on both.
        glob = sa.bindparam(None, _like_pattern(value, glob=True), type_=sa.String())
        return col.op("GLOB", is_comparison=True)(glob)
    return col.like(_like_pattern(value, glob=False), escape=_ESCAPE)


def _escape(text: str) -> str:
    return "".join(_literal(ch, glob=False) for ch in text)


def _literal(ch: str, *, glob: bool) -> str:
    if glob:
        return f"[{ch}]" if ch in "*?[" else ch
    return f"{_ESCAPE}{ch}" if ch in f"%_{_ESCAPE}" else ch


def _like_pattern(pattern: str, *, glob: bool) -> str:
    """A LIKE pattern (``%``, ``_``, backslash escapes) as a LIKE-with-'/' or a GLOB pattern."""
    out: list[str] = []
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            escaped = next(chars, None)
            if escaped is None:
                raise QueryError(
                    f"LIKE pattern {shown(pattern)} ends with an escape character",
                    value=shown(pattern),
                )
            out.append(_literal(escaped, glob=glob))
        elif ch == "%":
            out.append("*" if glob else "%")
        elif ch == "_":
            out.append("?" if glob else "_")
        else:
            out.append(_literal(ch, glob=glob))
    return "".join(out)

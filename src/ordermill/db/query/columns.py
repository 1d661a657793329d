"""The columns a query may name, and how a caller's value becomes a bound parameter.

Everything a caller passes is checked here before any SQL is built: a column
outside ``COLUMNS`` or an operator outside ``OPERATORS`` raises ``QueryError``,
and each value is converted to the column's Python type (an ISO date string to an
aware ``datetime``, ``"12.50"`` to ``Decimal``), so the database never sees a
value it would reject with an error of its own.
"""

from __future__ import annotations

import re
import uuid as uuid_lib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import sqlalchemy as sa

from ordermill.db.tables import order
from ordermill.domain.errors import QueryError

__all__ = [
    "COLUMNS",
    "MAX_IN_VALUES",
    "OPERATORS",
    "ColumnSpec",
    "check_text",
    "coerce",
    "coerce_many",
    "column_spec",
    "operator",
    "shown",
    "to_datetime",
]

Kind = Literal["int", "text", "uuid", "money", "timestamp"]

# SQLite allows 32,766 bound parameters per statement; stay far below it.
MAX_IN_VALUES = 5_000
_MAX_TEXT = 65_536
_INT64 = 2**63
_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")
# Amounts are NUMERIC(12, 4); comparing with anything beyond this is a mistake, not a query.
_MAX_MONEY = Decimal(10) ** 15

_KINDS: dict[str, Kind] = {
    "order_id": "int",
    "uuid": "uuid",
    "order_number": "text",
    "customer_id": "int",
    "customer_email": "text",
    "customer_full_name": "text",
    "currency": "text",
    "sub_total": "money",
    "tax_amount": "money",
    "shipping_fee": "money",
    "discount_amount": "money",
    "grand_total": "money",
    "payment_method": "text",
    "shipping_method": "text",
    "payment_status": "text",
    "shipment_status": "text",
    "status": "text",
    "created_at": "timestamp",
    "updated_at": "timestamp",
    "external_reference": "text",
}

OPERATORS: tuple[str, ...] = (
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "like",
    "ilike",
    "in",
    "not in",
    "is null",
    "is not null",
)
_ALIASES = {"<>": "!=", "==": "="}
_EQUALITY = frozenset({"=", "!=", "in", "not in", "is null", "is not null"})
_ORDERED = _EQUALITY | {"<", "<=", ">", ">="}
_OPERATORS_BY_KIND: dict[Kind, frozenset[str]] = {
    "text": frozenset(OPERATORS),
    "int": _ORDERED,
    "money": _ORDERED,
    "timestamp": _ORDERED,
    "uuid": _EQUALITY,
}


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    kind: Kind
    nullable: bool
    column: sa.Column[Any]


COLUMNS: dict[str, ColumnSpec] = {
    name: ColumnSpec(name, kind, bool(order.c[name].nullable), order.c[name])
    for name, kind in _KINDS.items()
}


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to a readable length, for error messages."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def column_spec(name: object) -> ColumnSpec:
    spec = COLUMNS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise QueryError(
            f"Unknown order column {shown(name)}; allowed columns: {', '.join(COLUMNS)}",
            column=shown(name),
            allowed=list(COLUMNS),
        )
    return spec


def operator(spec: ColumnSpec, op: object) -> str:
    """The canonical form of ``op`` (case and spacing ignored), if ``spec``'s column takes it."""
    canonical = " ".join(op.lower().split()) if isinstance(op, str) else None
    canonical = _ALIASES.get(canonical, canonical) if canonical is not None else None
    if canonical not in OPERATORS:
        raise QueryError(
            f"Unknown operator {shown(op)}; allowed operators: {', '.join(OPERATORS)}",
            operator=shown(op),
            allowed=list(OPERATORS),
        )
    assert canonical is not None
    allowed = _OPERATORS_BY_KIND[spec.kind]
    if canonical not in allowed:
        names = [o for o in OPERATORS if o in allowed]
        raise QueryError(
            f"Operator {canonical!r} does not apply to {spec.kind} column {spec.name!r};"
            f" use one of: {', '.join(names)}",
            column=spec.name,
            operator=canonical,
            allowed=names,
        )
    return canonical


def check_text(value: str, what: str) -> str:
    """Refuse text that either database would reject, so both refuse it alike.

    PostgreSQL cannot store NUL in text and neither driver can send lone
    surrogates; both would otherwise fail with a driver error.
    """
    if "\x00" in value:
        raise QueryError(f"{what} {shown(value)} contains a NUL character", value=shown(value))
    if len(value) > _MAX_TEXT:
        raise QueryError(
            f"{what} {shown(value)} is longer than {_MAX_TEXT} characters", value=shown(value)
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryError(
            f"{what} {shown(value)} is not valid Unicode text", value=shown(value)
        ) from None
    return value


def to_datetime(value: object) -> datetime | None:
    """An aware UTC datetime from a datetime, a date or an ISO 8601 string; None if it is none.

    Naive values are taken to be UTC; a date means its midnight UTC.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    if isinstance(value, str) and len(value) <= 64:
        try:
            return to_datetime(datetime.fromisoformat(value.strip()))
        except ValueError:
            return None
    return None


def coerce(spec: ColumnSpec, value: object) -> Any:
    """``value`` as the Python type of ``spec``'s column, or ``QueryError`` naming it."""
    converted = _CONVERTERS[spec.kind](value)
    if converted is None:
        raise QueryError(
            f"{shown(value)} is not a valid value for {spec.name!r}:"
            f" expected {_EXPECTED[spec.kind]}",
            column=spec.name,
            value=shown(value),
        )
    return converted


def coerce_many(spec: ColumnSpec, values: object) -> tuple[Any, ...]:
    """The distinct values for ``in`` / ``not in``, sorted so that equal lists compile alike."""
    if isinstance(values, str | bytes | dict) or not isinstance(values, Iterable):
        raise QueryError(
            f"{shown(values)} is not a list of values for {spec.name!r}",
            column=spec.name,
            value=shown(values),
        )
    items = list(values)
    if len(items) > MAX_IN_VALUES:
        raise QueryError(
            f"{len(items)} values for {spec.name!r}: at most {MAX_IN_VALUES} are allowed",
            column=spec.name,
        )
    return tuple(sorted({coerce(spec, v) for v in items}))


def _to_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not _INTEGER.fullmatch(text):
            return None
        value = int(text)
    if isinstance(value, int) and -_INT64 <= value < _INT64:
        return value
    return None


def _to_text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return check_text(value, "Value")
    return None


def _to_uuid(value: object) -> str | None:
    if isinstance(value, uuid_lib.UUID):
        return str(value)
    if isinstance(value, str) and len(value) <= 64:
        try:
            return str(uuid_lib.UUID(value.strip()))
        except ValueError:
            return None
    return None


def _to_money(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, Decimal):
            amount = value
        elif isinstance(value, int | float):
            amount = Decimal(str(value))
        elif isinstance(value, str) and len(value) <= 64:
            amount = Decimal(value.strip())
        else:
            return None
    except InvalidOperation:
        return None
    if not amount.is_finite() or abs(amount) >= _MAX_MONEY:
        return None
    return amount


_CONVERTERS = {
    "int": _to_int,
    "text": _to_text,
    "uuid": _to_uuid,
    "money": _to_money,
    "timestamp": to_datetime,
}
_EXPECTED: dict[Kind, str] = {
    "int": "an integer",
    "text": "a string",
    "uuid": "a UUID",
    "money": "a decimal amount",
    "timestamp": "a datetime or an ISO 8601 date (e.g. '2024-01-01')",
}

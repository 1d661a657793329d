"""Keyset pagination: the sort order, the opaque cursor, and the condition "after this row".

A page continues *after* the last row of the previous one (by the sort key plus
the order id), so its cost does not grow with depth and rows inserted between
two requests never shift a page.

A cursor is ``base64url(JSON of the sort-key values) "." base64url(MAC)``. The MAC
is keyed by a fingerprint of the query's conditions, scope and sort, so an edited
cursor, or one handed to a different query, is refused with ``QueryError``. It
is an integrity check, not a secret signature: every page re-applies all of the
query's conditions and its customer scope, so even a forged cursor can only move
the starting point within rows the query may return anyway.

NULLs sort last in both directions, on both databases (PostgreSQL would put them
first in a descending sort, SQLite always first), and the "after" condition
treats them explicitly, so nullable columns page correctly too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ordermill.db.query.columns import ColumnSpec, coerce
from ordermill.domain.errors import QueryError

__all__ = ["SortKey", "after", "decode", "encode", "fingerprint", "order_by_clauses"]

SortKey = tuple[ColumnSpec, bool]  # (column, descending)

_VERSION = 1
_MAX_LENGTH = 4096


def fingerprint(*parts: object) -> bytes:
    """A stable digest of a query's conditions, scope and sort (reprs of checked values only)."""
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).digest()


def encode(values: Sequence[Any], key: bytes) -> str:
    body = json.dumps([_VERSION, [_dump(v) for v in values]], separators=(",", ":")).encode()
    return f"{_b64encode(body)}.{_b64encode(_mac(body, key))}"


def decode(cursor: object, keys: Sequence[SortKey], key: bytes) -> list[Any]:
    """The sort-key values a cursor carries, checked against this query's sort keys."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > _MAX_LENGTH:
        raise _invalid()
    body_text, _, mac_text = cursor.partition(".")
    try:
        body, mac = _b64decode(body_text), _b64decode(mac_text)
    except (ValueError, binascii.Error):
        raise _invalid() from None
    if not hmac.compare_digest(mac, _mac(body, key)):
        raise _invalid()
    try:
        version, raw = json.loads(body)
    except (ValueError, TypeError):
        raise _invalid() from None
    if version != _VERSION or not isinstance(raw, list) or len(raw) != len(keys):
        raise _invalid()
    values: list[Any] = []
    for (spec, _desc), item in zip(keys, raw, strict=True):
        if item is None:
            if not spec.nullable:
                raise _invalid()
            values.append(None)
            continue
        if not isinstance(item, str | int) or isinstance(item, bool):
            raise _invalid()
        try:
            values.append(coerce(spec, item))
        except QueryError:
            raise _invalid() from None
    return values


def order_by_clauses(keys: Sequence[SortKey]) -> list[sa.UnaryExpression[Any]]:
    clauses = []
    for spec, desc in keys:
        clause = spec.column.desc() if desc else spec.column.asc()
        clauses.append(clause.nulls_last() if spec.nullable else clause)
    return clauses


def after(keys: Sequence[SortKey], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """Rows that sort strictly after the row whose sort-key values are ``values``."""
    if len({desc for _, desc in keys}) == 1 and not any(spec.nullable for spec, _ in keys):
        # One direction and no NULLs: a row comparison, which an index on the
        # sort columns answers with a single range scan on both databases.
        desc = keys[0][1]
        cols = [spec.column for spec, _ in keys]
        binds = [_bind(spec, v) for (spec, _), v in zip(keys, values, strict=True)]
        if len(cols) == 1:
            return cols[0] < binds[0] if desc else cols[0] > binds[0]
        left, right = sa.tuple_(*cols), sa.tuple_(*binds)
        return left < right if desc else left > right
    terms: list[sa.ColumnElement[bool]] = []
    for i, ((spec, desc), value) in enumerate(zip(keys, values, strict=True)):
        if value is None:
            continue  # NULLs sort last: nothing comes after a NULL on this key alone
        col = spec.column
        beyond = col < _bind(spec, value) if desc else col > _bind(spec, value)
        if spec.nullable:
            beyond = sa.or_(beyond, col.is_(None))
        equal = [
            s.column.is_(None) if v is None else s.column == _bind(s, v)
            for (s, _), v in zip(keys[:i], values[:i], strict=True)
        ]
        terms.append(sa.and_(*equal, beyond))
    return sa.or_(*terms) if terms else sa.false()


def _bind(spec: ColumnSpec, value: Any) -> sa.BindParameter[Any]:
    return sa.bindparam(None, value, type_=spec.column.type)


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _mac(body: bytes, key: bytes) -> bytes:
    return hashlib.blake2b(body, key=key, digest_size=12, person=b"ordermill-cur").digest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text or not text.isascii():
        raise ValueError("not base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _invalid() -> QueryError:
    return QueryError(
        "Invalid cursor: it is malformed, was altered, or belongs to a different query"
        " (cursors are only valid with the same filters and sort)",
        cursor="invalid",
    )

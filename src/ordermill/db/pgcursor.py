"""psycopg's cursor with a ``description`` that builds its columns only when read.

psycopg 3 builds ``cursor.description`` anew on every access, one ``Column``
object per column (name decoding, type lookup: several microseconds each;
psycopg/psycopg#446 and #1240). SQLAlchemy reads ``description`` after every
statement, but for a statement whose compiled form it has already run it only
checks that there is one: it keeps the result's column map with the compiled
statement. So every locked order row (20 columns) paid about 140 µs of client
CPU for column objects nobody looked at: more than the rest of the statement.

``LazyDescriptionCursor.description`` is a sequence that knows its length at
once and builds the ``Column`` objects, all of them and once, on first use.
It is given to psycopg as ``cursor_factory``, the hook psycopg and SQLAlchemy
document for choosing the cursor class.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import psycopg
from psycopg.pq import ExecStatus

__all__ = ["LazyDescription", "LazyDescriptionCursor"]

# The result statuses for which psycopg gives a description even with no column
# (``SELECT ;``); any result with columns has one too.
_TUPLE_STATUSES = frozenset(
    {ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK}
)


class LazyDescription(Sequence[psycopg.Column]):
    """``cursor.description`` of one result: its length now, its columns when read."""

    __slots__ = ("_columns", "_count", "_cursor")

    def __init__(self, cursor: psycopg.Cursor[Any], count: int) -> None:
        self._cursor = cursor
        self._count = count
        self._columns: list[psycopg.Column] | None = None

    def _built(self) -> list[psycopg.Column]:
        if self._columns is None:
            self._columns = [psycopg.Column(self._cursor, i) for i in range(self._count)]
        return self._columns

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> psycopg.Column: ...

    @overload
    def __getitem__(self, index: slice) -> list[psycopg.Column]: ...

    def __getitem__(self, index: int | slice) -> psycopg.Column | list[psycopg.Column]:
        return self._built()[index]

    def __iter__(self) -> Iterator[psycopg.Column]:
        return iter(self._built())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyDescription):
            other = other._built()
        return self._built() == other

    def __hash__(self) -> int:
        raise TypeError("unhashable type: 'LazyDescription'")

    def __repr__(self) -> str:
        return repr(self._built())


class LazyDescriptionCursor(psycopg.Cursor[Any]):
    """A psycopg client cursor whose ``description`` is a ``LazyDescription``."""

    @property
    def description(self) -> LazyDescription | None:  # type: ignore[override]
        result = self.pgresult
        # The same test as psycopg's own description.
        if result and (result.nfields or result.status in _TUPLE_STATUSES):
            return LazyDescription(self, result.nfields)
        return None

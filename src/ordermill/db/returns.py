"""Return rows: reading returns with their lines and history, writing their changes, and
the units of each order line that returns count (``domain/returns.counted_units``).

Every write here runs under the lock of the return's order (``locks.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ordermill.db.locks import lock_return_order
from ordermill.db.order_state import OrderRow
from ordermill.db.return_tables import order_return, return_line, return_status_history
from ordermill.db.tables import inventory, order
from ordermill.domain.errors import ReturnNotFound
from ordermill.domain.records import Return, ReturnLine, ReturnStatusChange
from ordermill.domain.returns import (
    COUNTS_NOTHING,
    COUNTS_RECEIVED,
    Receipt,
    RequestedLine,
)

__all__ = [
    "add_stock",
    "insert_return",
    "load_return",
    "load_returns",
    "lock_order_of_return",
    "receive_lines",
    "returned_qty",
    "returned_units",
    "set_return_status",
]

_r, _l, _h = order_return, return_line, return_status_history
_RETURNS = sa.select(_r, order.c.uuid.label("order_uuid"), order.c.order_number).select_from(
    _r.join(order, order.c.order_id == _r.c.order_id)
)


def lock_order_of_return(tx: Connection, uuid: str) -> OrderRow:
    """Lock the order of the return; ``ReturnNotFound`` if there is no such return."""
    locked = lock_return_order(tx, uuid)
    if locked is None:
        raise ReturnNotFound(f"Return not found: {uuid}", **{"return": uuid})
    return locked


def _line(row: Any) -> ReturnLine:
    return ReturnLine(
        return_line_id=row.return_line_id,
        return_id=row.return_id,
        order_item_id=row.order_item_id,
        qty_requested=row.qty_requested,
        qty_received=row.qty_received,
        qty_restocked=row.qty_restocked,
        condition=row.condition,
        restock=None if row.restock is None else bool(row.restock),
        reason=row.reason,
    )


def _history(row: Any) -> ReturnStatusChange:
    return ReturnStatusChange(
        history_id=row.history_id,
        return_id=row.return_id,
        from_status=row.from_status,
        to_status=row.to_status,
        reason=row.reason,
        changed_at=row.changed_at,
    )


def _records(conn: Connection, found: Sequence[Any]) -> list[Return]:
    """The returns of these rows with their lines and history: two more statements."""
    if not found:
        return []
    ids = [r.return_id for r in found]
    lines: dict[int, list[ReturnLine]] = defaultdict(list)
    for row in conn.execute(
        sa.select(_l).where(_l.c.return_id.in_(ids)).order_by(_l.c.return_line_id)
    ):
        lines[row.return_id].append(_line(row))
    history: dict[int, list[ReturnStatusChange]] = defaultdict(list)
    for row in conn.execute(sa.select(_h).where(_h.c.return_id.in_(ids)).order_by(_h.c.history_id)):
        history[row.return_id].append(_history(row))
    names = [c.name for c in _r.c]
    return [
        Return(
            **{name: r._mapping[name] for name in names},
            order_uuid=str(r.order_uuid),
            order_number=r.order_number,
            lines=tuple(lines[r.return_id]),
            history=tuple(history[r.return_id]),
        )
        for r in found
    ]


def load_return(conn: Connection, uuid: str) -> Return | None:
    """The return with its lines and history, or None when there is none."""
    found = conn.execute(_RETURNS.where(_r.c.uuid == uuid)).all()
    records = _records(conn, found)
    return records[0] if records else None


def load_returns(conn: Connection, order_id: int) -> list[Return]:
    """The order's returns with their lines and history, oldest first."""
    found = conn.execute(_RETURNS.where(_r.c.order_id == order_id).order_by(_r.c.return_id))
    return _records(conn, found.all())


# What a return line counts against its order line (``domain.returns.COUNTS_*``).
_COUNTED = sa.case(
    (_r.c.status.in_(sorted(COUNTS_NOTHING)), 0),
    (_r.c.status.in_(sorted(COUNTS_RECEIVED)), _l.c.qty_received),
    else_=_l.c.qty_requested,
)


def returned_units(conn: Connection, order_id: int) -> dict[int, int]:
    """Units of each of the order's lines that its returns count (absent: none)."""
    found = conn.execute(
        sa.select(_l.c.order_item_id, sa.func.sum(_COUNTED))
        .select_from(_l.join(_r, _r.c.return_id == _l.c.return_id))
        .where(_r.c.order_id == order_id)
        .group_by(_l.c.order_item_id)
    )
    return {int(item_id): int(units) for item_id, units in found}


def returned_qty(order_item_id: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    """The units of the order line ``order_item_id`` (a column of the outer query) that
    its returns count, as a correlated scalar subquery (0 when none)."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(_COUNTED), 0))
        .select_from(_l.join(_r, _r.c.return_id == _l.c.return_id))
        .where(_l.c.order_item_id == order_item_id)
        .scalar_subquery()
    )


def _history_row(
    tx: Connection,
    return_id: int,
    before: str | None,
    after: str,
    reason: str | None,
    now: datetime,
) -> None:
    tx.execute(
        _h.insert().values(
            return_id=return_id,
            from_status=before,
            to_status=after,
            reason=reason and reason[:255],
            changed_at=now,
        )
    )


def insert_return(
    tx: Connection,
    values: Mapping[str, Any],
    lines: Mapping[int, RequestedLine],
    *,
    now: datetime,
) -> int:
    """Write a requested return, its lines and its first history row; returns its id."""
    return_id = int(
        tx.execute(
            _r.insert()
            .values(**values, requested_at=now, created_at=now, updated_at=now)
            .returning(_r.c.return_id)
        ).scalar_one()
    )
    tx.execute(
        _l.insert(),
        [
            {
                "return_id": return_id,
                "order_item_id": line.order_item_id,
                "qty_requested": line.qty,
                "qty_received": 0,
                "qty_restocked": 0,
                "reason": line.reason,
            }
            for line in lines.values()
        ],
    )
    _history_row(tx, return_id, None, values["status"], values.get("reason"), now)
    return return_id


def set_return_status(
    tx: Connection,
    found: Return,
    status: str,
    *,
    reason: str | None,
    now: datetime,
    **values: Any,
) -> None:
    """Move the return to ``status`` (its time set to now) with ``values``, and write
    the history row of the move; a further receipt keeps ``received`` (and the time of
    the first) and writes no history."""
    moved = found.status != status
    times = {f"{status}_at": now} if moved else {}
    tx.execute(
        _r.update()
        .where(_r.c.return_id == found.return_id)
        .values(status=status, updated_at=now, **times, **values)
    )
    if moved:
        _history_row(tx, found.return_id, found.status, status, reason, now)


def receive_lines(
    tx: Connection, found: Return, receipt: Mapping[int, Receipt], restocked: Mapping[int, int]
) -> None:
    """Add the received (and restocked) units to the return's lines."""
    by_item = {line.order_item_id: line for line in found.lines}
    for item_id, got in receipt.items():
        line = by_item[item_id]
        tx.execute(
            _l.update()
            .where(_l.c.return_line_id == line.return_line_id)
            .values(
                qty_received=_l.c.qty_received + got.qty,
                qty_restocked=_l.c.qty_restocked + restocked.get(item_id, 0),
                condition=got.condition,
                restock=got.restock,
            )
        )


def add_stock(tx: Connection, units: Iterable[tuple[str, int]], *, now: datetime) -> None:
    """Put units back into stock; the caller has locked these inventory rows."""
    for sku, qty in units:
        tx.execute(
            inventory.update()
            .where(inventory.c.sku == sku)
            .values(qty=inventory.c.qty + qty, updated_at=now)
        )

"""Writing one batch of validated orders: a few statements per batch, none per order.

Per batch: one SELECT finds the orders already present (skipped) and the uuids and
order numbers taken; with stock taken per batch, one locking read and one UPDATE;
one statement allocates the primary keys; then each table gets one COPY (PostgreSQL)
or one executemany (SQLite). See ``transfer.imports`` for the rules.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from ordermill.db.imports import (
    advance_order_number_sequence,
    allocate_item_ids,
    allocate_order_ids,
    allocate_shipment_ids,
    existing_orders,
    existing_payment_keys,
    existing_shipment_uuids,
    insert_customers,
    insert_table_rows,
    next_order_numbers,
    order_numbers_in_use,
    take_inventory,
)
from ordermill.db.locks import lock_inventory
from ordermill.db.placement import FIRST_ORDER_NUMBER
from ordermill.db.tables import utcnow
from ordermill.domain.errors import OmsError
from ordermill.orders.context import Context
from ordermill.transfer.orderfile import ParsedRecord
from ordermill.transfer.payments import provider_key
from ordermill.transfer.records import ImportRow, validate_record
from ordermill.transfer.tables import CUSTOMER_COLUMNS, build_rows, random_uuids

__all__ = ["MAX_REPORTED", "ImportProblem", "ImportRun"]

MAX_REPORTED = 100


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A row that was not imported: its line in the file and the reason."""

    line: int
    reason: str
    key: str | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportRun:
    """One import: counters, reported problems and the batch writer."""

    ctx: Context
    skip_invalid: bool
    take_stock: bool
    renumber: bool
    activity_message: str
    on_problem: Callable[[ImportProblem], None] | None
    read: int = 0
    imported: int = 0
    skipped: int = 0
    invalid: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    first_order_id: int | None = None
    stock_needed: Counter[str] = field(default_factory=Counter)
    # Customers an earlier batch of this run inserted (or found present): inserting them
    # again would do nothing (ON CONFLICT DO NOTHING), so they are not sent again.
    customers_written: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def problem(self, line: int, reason: str, key: str | None = None) -> None:
        found = ImportProblem(line, reason, key)
        with self.lock:  # the reader and the writer thread both report problems
            self.invalid += 1
            if len(self.problems) < MAX_REPORTED:
                self.problems.append(found)
        if self.on_problem is not None:
            self.on_problem(found)

    @property
    def writing(self) -> bool:
        """A bad row stops the writes of an all-or-nothing import (validation goes on)."""
        return self.skip_invalid or self.invalid == 0

    def validate(self, record: ParsedRecord) -> ImportRow | None:
        self.read += 1
        if record.data is None:
            self.problem(record.line, record.error or "unreadable", None)
            return None
        try:
            return validate_record(self.ctx.config, record.data, line=record.line)
        except OmsError as exc:
            self.problem(record.line, exc.message, record.key)
            return None

    # -- writing one batch ----------------------------------------------------------

    def write(self, tx: Connection, batch: list[ImportRow]) -> None:
        rows = self._drop_repeats(batch)
        rows = self._drop_existing(tx, rows)
        if self.take_stock and self.skip_invalid:
            rows = self._allocate_stock(tx, rows)
        elif self.take_stock:
            for row in rows:
                self.stock_needed.update(row.stock_needed())
        if not rows:
            return
        self.ctx.plugins.call("before_import_orders", conn=tx, orders=[r.new for r in rows])
        order_ids = allocate_order_ids(tx, len(rows))
        if self.first_order_id is None:
            self.first_order_id = order_ids[0]
        numbers = self._order_numbers(tx, rows, order_ids)
        kept = [(r, i, n) for r, i, n in zip(rows, order_ids, numbers, strict=True) if n]
        if kept:
            self._insert(tx, kept)
            imported = {"orders": [r.new for r, _, _ in kept], "result": [i for _, i, _ in kept]}
            self.ctx.plugins.call("after_import_orders", conn=tx, **imported)
        self.imported += len(kept)

    def _drop_repeats(self, batch: list[ImportRow]) -> list[ImportRow]:
        seen: dict[tuple[str, str], int] = {}
        kept = []
        for row in batch:
            marks = [("key", row.key)]
            if row.uuid:
                marks.append(("uuid", row.uuid))
            if row.order_number and not self.renumber:
                marks.append(("order number", row.order_number))
            repeated = next((m for m in marks if m in seen), None)
            if repeated is not None:
                what = "external_reference" if repeated[0] == "key" else repeated[0]
                self.problem(
                    row.line,
                    f"{what} {repeated[1]!r} is repeated in this file (line {seen[repeated]})",
                    row.key,
                )
                continue
            for mark in marks:
                seen[mark] = row.line
            kept.append(row)
        return kept

    def _drop_existing(self, tx: Connection, rows: list[ImportRow]) -> list[ImportRow]:
        refs = [r.new.external_reference for r in rows if r.new.external_reference]
        uuids = [r.uuid for r in rows if r.uuid]
        numbers = [r.order_number for r in rows if r.order_number and not self.renumber]
        found = existing_orders(tx, refs=refs, uuids=uuids, numbers=numbers)
        by_ref = {f.external_reference: f for f in found if f.external_reference}
        by_uuid = {str(f.uuid): f for f in found}
        by_number = {f.order_number: f for f in found}
        shipment_owner = self._existing_shipments(tx, rows)
        kept = []
        for row in rows:
            ref = row.new.external_reference
            same = by_ref.get(ref) if ref else by_uuid.get(row.uuid or "")
            if same is not None:
                if self.first_order_id is not None and same.order_id >= self.first_order_id:
                    self.problem(row.line, f"{_describe(row)} is repeated in this file", row.key)
                else:
                    self.skipped += 1
                continue
            other = by_uuid.get(row.uuid or "")
            if other is not None:
                self.problem(
                    row.line,
                    f"uuid {row.uuid} belongs to order {other.order_number}"
                    f" (external_reference {other.external_reference!r})",
                    row.key,
                )
                continue
            if row.order_number and not self.renumber and row.order_number in by_number:
                taken = by_number[row.order_number]
                self.problem(
                    row.line,
                    f"order_number {row.order_number} is taken by another order ({taken.uuid});"
                    " import with renumber to give imported orders new numbers",
                    row.key,
                )
                continue
            clash = next((s.uuid for s in row.shipments if s.uuid in shipment_owner), None)
            if clash is not None:
                self.problem(row.line, f"shipment uuid {clash} already exists", row.key)
                continue
            kept.append(row)
        return self._drop_payment_clashes(tx, kept)

    def _drop_payment_clashes(self, tx: Connection, rows: list[ImportRow]) -> list[ImportRow]:
        """Rows whose payment references are in no other order of the ledger or the batch."""
        keys = {k: r.line for r in rows for p in r.payments if (k := provider_key(p))}
        if not keys:
            return rows
        taken = existing_payment_keys(tx, keys)
        seen: dict[tuple[str, str], int] = {}
        kept = []
        for row in rows:
            mine = {k for p in row.payments if (k := provider_key(p))}
            clash = next(iter(sorted(mine & (taken | seen.keys()))), None)
            if clash is not None:
                where = "is already recorded" if clash in taken else f"is on line {seen[clash]}"
                self.problem(
                    row.line,
                    f"payment reference {clash[1]!r}"
                    + (f" of gateway {clash[0]!r}" if clash[0] else "")
                    + f" {where}",
                    row.key,
                )
                continue
            seen.update(dict.fromkeys(mine, row.line))
            kept.append(row)
        return kept

    def _existing_shipments(self, tx: Connection, rows: list[ImportRow]) -> set[str]:
        uuids = [s.uuid for r in rows for s in r.shipments if s.uuid]
        if not uuids:
            return set()
        return existing_shipment_uuids(tx, uuids)

    def _allocate_stock(self, tx: Connection, rows: list[ImportRow]) -> list[ImportRow]:
        needs = [row.stock_needed() for row in rows]
        locked = lock_inventory(tx, {sku for need in needs for sku in need})
        left = {sku: r.qty for sku, r in locked.items() if r.manage_stock}
        taken: Counter[str] = Counter()
        kept = []
        for row, need in zip(rows, needs, strict=True):
            short = [(s, q, left[s]) for s, q in sorted(need.items()) if s in left and left[s] < q]
            if short:
                described = "; ".join(f"{s}: {q} requested, {have} left" for s, q, have in short)
                self.problem(row.line, f"insufficient stock for {described}", row.key)
                continue
            for sku, qty in need.items():
                if sku in left:
                    left[sku] -= qty
                    taken[sku] += qty
            kept.append(row)
        if taken:
            take_inventory(tx, taken)
        return kept

    def _order_numbers(
        self, tx: Connection, rows: list[ImportRow], ids: list[int]
    ) -> list[str | None]:
        """The file's numbers, else new ones allocated as ``place_order`` does.

        A new number that another order already carries (an earlier import brought it)
        is drawn again on PostgreSQL; on SQLite, where numbers follow the order id, the
        row is reported instead.
        """
        numbers: list[str | None] = [None if self.renumber else row.order_number for row in rows]
        wanting = [i for i, n in enumerate(numbers) if n is None]
        postgres = self.ctx.dialect == "postgresql"
        if postgres:
            fresh = [str(v) for v in next_order_numbers(tx, len(wanting))]
        else:
            fresh = [str(ids[i] + FIRST_ORDER_NUMBER - 1) for i in wanting]
        carried = {n for n in numbers if n is not None}
        for _ in range(10):
            taken = set(carried)
            if fresh:
                taken.update(order_numbers_in_use(tx, fresh))
            clashes = [k for k, n in enumerate(fresh) if n in taken]
            if not clashes:
                break
            if not postgres:
                for k in clashes:
                    row = rows[wanting[k]]
                    self.problem(
                        row.line,
                        f"the next order number, {fresh[k]}, is already used by an imported"
                        " order; give this order an order_number in the file",
                        row.key,
                    )
                    fresh[k] = ""
                break
            again = next_order_numbers(tx, len(clashes))
            for k, value in zip(clashes, again, strict=True):
                fresh[k] = str(value)
        for k, i in enumerate(wanting):
            numbers[i] = fresh[k] or None
        if postgres:
            carried_numeric = [int(n) for n in numbers if n and n.isdigit() and len(n) < 19]
            if carried_numeric:
                advance_order_number_sequence(tx, max(carried_numeric))
        return numbers

    def _insert(self, tx: Connection, kept: list[tuple[ImportRow, int, str]]) -> None:
        item_count = sum(len(r.new.lines) for r, _, _ in kept)
        shipment_count = sum(len(r.shipments) for r, _, _ in kept)
        rows = build_rows(
            kept,
            item_ids=iter(allocate_item_ids(tx, item_count)),
            shipment_ids=iter(allocate_shipment_ids(tx, shipment_count)),
            new_uuids=random_uuids(len(kept) + shipment_count),
            activity_message=self.activity_message,
            now=utcnow(),
        )
        customers = [c for i, c in rows.customers.items() if i not in self.customers_written]
        insert_customers(tx, CUSTOMER_COLUMNS, customers)
        self.customers_written.update(rows.customers)
        insert_table_rows(tx, rows.tables())


def _describe(row: ImportRow) -> str:
    if row.new.external_reference:
        return f"external_reference {row.new.external_reference!r}"
    return f"uuid {row.uuid}"

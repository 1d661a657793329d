"""Bulk import of orders from a JSON Lines or CSV file (layout: ``transfer.orderfile``).

Every order is checked with ``validate_new_order`` (exactly ``place_order``'s rules)
plus the rules for what an export carries (statuses, timestamps, order number, uuid,
totals, shipments). Then orders are written in batches, a few statements per batch
and never one per order: one SELECT finds the orders already present, primary keys are
allocated in one statement per table, and each table gets one COPY (PostgreSQL) or one
executemany (SQLite).

Decisions (documented for users in the README and ``ordermill import --help``):

- **All or nothing by default.** Without ``skip_invalid`` the whole file is imported in
  one transaction; any bad row (every one is reported, with its line) rolls it back and
  raises ``InvalidImport``. With ``skip_invalid`` bad rows are reported and left out and
  each batch commits on its own, so an interrupted import keeps what it wrote.
- **Idempotent.** An order whose ``external_reference`` (or, without one, ``uuid``) is
  already in the database is skipped, whatever its content: importing a file twice
  imports it once. An order repeated inside one file is a bad row.
- **What the file says is kept.** Order number, uuid, statuses, ``created_at``,
  ``updated_at`` and shipments come from the file when present (so an export imports
  back identical); otherwise the order gets a new number and uuid, the configured
  default statuses (the order status resolved from them, the shipment status rolled up
  from the file's shipments) and the current time. ``renumber`` ignores the file's order
  numbers. Imported numeric order numbers move PostgreSQL's order number sequence past
  them, so new orders continue after the imported ones.
- **Stock is not taken by default**: imported orders are history, fulfilled elsewhere.
  With ``take_stock`` each item takes ``qty - qty_restocked`` units of managed stock:
  in the all-or-nothing mode at the end, for the whole file, in SKU order (a shortfall
  refuses the import); with ``skip_invalid`` per batch, and an order that does not fit
  is a bad row.
- Each imported order gets one activity (``Order imported``), its initial status history
  (reason ``imported``) and an ``ordermill.order.imported`` outbox event; activity logs and status
  histories are not part of the file.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ordermill.db.errors import IntegrityError
from ordermill.db.placement import take_stock as _take_stock
from ordermill.domain.actor import Actor
from ordermill.domain.errors import Conflict, InvalidImport
from ordermill.orders.context import Context
from ordermill.transfer.batch import ImportProblem, ImportRun
from ordermill.transfer.orderfile import (
    FileFormat,
    ParsedRecord,
    detect_format,
    open_for_reading,
    read_records,
)
from ordermill.transfer.records import ImportRow

__all__ = [
    "BATCH_SIZE",
    "ImportProblem",
    "ImportProgress",
    "ImportResult",
    "import_actor",
    "import_orders",
]

BATCH_SIZE = 2000


@dataclass(frozen=True, slots=True)
class ImportProgress:
    bytes_read: int
    total_bytes: int | None
    orders_read: int
    imported: int
    skipped: int
    invalid: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    """What an import did. ``problems`` keeps the first 100 bad rows; ``invalid`` counts all."""

    read: int
    imported: int
    skipped: int
    invalid: int
    problems: tuple[ImportProblem, ...]
    stock_taken: bool


def _batches(
    records: Iterator[ParsedRecord], run: ImportRun, size: int
) -> Iterator[list[ImportRow]]:
    """Batches of valid rows; an empty one every ``size`` records read, to report progress."""
    batch: list[ImportRow] = []
    for record in records:
        row = run.validate(record)
        if row is not None:
            batch.append(row)
        if len(batch) >= size or run.read % size == 0:
            yield batch
            batch = []
    yield batch


def import_actor(source: object, source_name: str | None) -> Actor:
    """Who an import acts as when its caller names nobody: the import, of its file."""
    if source_name is None and isinstance(source, (str, os.PathLike)):
        source_name = Path(source).name
    return Actor("import", None, f"import of {source_name}" if source_name else "import")


def import_orders(
    ctx: Context,
    source: str | os.PathLike[str] | IO[bytes],
    *,
    file_format: FileFormat | None = None,
    skip_invalid: bool = False,
    take_stock: bool = False,
    renumber: bool = False,
    batch_size: int = BATCH_SIZE,
    source_name: str | None = None,
    on_problem: Callable[[ImportProblem], None] | None = None,
    on_progress: Callable[[ImportProgress], None] | None = None,
) -> ImportResult:
    """Import the orders of a JSON Lines or CSV file; see the module docstring for the rules."""
    if isinstance(source, (str, os.PathLike)):
        source_name = source_name or Path(source).name
        file_format = file_format or detect_format(source)
    elif file_format is None:
        raise InvalidImport("the format of an open file must be given (jsonl or csv)")
    if file_format not in ("jsonl", "csv"):
        raise InvalidImport(f"unknown format {file_format!r}; use jsonl or csv")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidImport(f"batch_size: {batch_size!r} is not a positive integer")
    run = ImportRun(
        ctx=ctx,
        skip_invalid=skip_invalid,
        take_stock=take_stock,
        renumber=renumber,
        activity_message=f"Order imported from {source_name}" if source_name else "Order imported",
        on_problem=on_problem,
    )
    opened = open_for_reading(source)

    def progress() -> None:
        if on_progress is not None:
            on_progress(
                ImportProgress(
                    opened.bytes_read, opened.size, run.read, run.imported, run.skipped,
                    run.invalid,
                )
            )  # fmt: skip

    try:
        writer = _Writer(ctx, run)
        try:
            records = read_records(opened.stream, file_format, name=source_name or "the file")
            for batch in _batches(records, run, batch_size):
                if batch and run.writing and not writer.put(batch):
                    break
                progress()
        except BaseException:
            # The file could not be read to its end (a truncated .gz...): an all-or-nothing
            # import keeps none of it, and the reader's error is the one reported.
            with contextlib.suppress(_Refused):
                writer.finish(commit=False)
            raise
        writer.finish(commit=run.invalid == 0)
        progress()
    except _Refused:
        raise InvalidImport(
            f"{run.invalid} of {run.read} orders are invalid; nothing was imported"
            " (fix them, or import with --skip-invalid, skip_invalid=True in Python,"
            " to import the others)",
            problems=[str(p) for p in run.problems],
            invalid=run.invalid,
            read=run.read,
        ) from None
    except IntegrityError as exc:
        raise Conflict(
            f"the database refused a batch ({_first_line(exc)}), most likely because another"
            " writer added the same orders meanwhile;"
            f" {run.imported if skip_invalid else 0} orders were imported; run the import"
            " again to import the rest",
            imported=run.imported if skip_invalid else 0,
        ) from None
    finally:
        opened.close()
    return ImportResult(
        read=run.read,
        imported=run.imported,
        skipped=run.skipped,
        invalid=run.invalid,
        problems=tuple(sorted(run.problems, key=lambda p: p.line)),
        stock_taken=take_stock,
    )


class _Refused(Exception):
    """Rolls back an all-or-nothing import that met a bad row."""


class _Writer:
    """Writes batches on a second thread while the caller reads and validates the next.

    The database works, and the driver waits for it with the GIL released, while Python
    parses and checks the following rows: the two halves of an import overlap. Only this
    thread uses the database connection. All or nothing: one transaction for every batch,
    committed by ``finish(commit=True)``; with ``skip_invalid``: one per batch.
    """

    def __init__(self, ctx: Context, run: ImportRun) -> None:
        self._ctx = ctx
        self._run = run
        self._queue: queue.Queue[list[ImportRow] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._commit = False
        # The writer thread runs in a copy of the caller's context: its rows record the
        # caller's actor (``domain/actor.py``), which a new thread would not see.
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(self._work,), name="ordermill-import", daemon=True
        )
        self._thread.start()

    def put(self, batch: list[ImportRow]) -> bool:
        """Queue a batch; False when the writer has failed (``finish`` raises its error)."""
        while self._error is None:
            try:
                self._queue.put(batch, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def finish(self, *, commit: bool) -> None:
        self._commit = commit
        while self._thread.is_alive():
            try:
                self._queue.put(None, timeout=0.1)
                break
            except queue.Full:
                continue
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _batches(self) -> Iterator[list[ImportRow]]:
        while (batch := self._queue.get()) is not None:
            yield batch

    def _work(self) -> None:
        run = self._run
        try:
            if run.skip_invalid:
                for batch in self._batches():
                    with self._ctx.transaction() as tx:
                        run.write(tx, batch)
                return
            with self._ctx.transaction() as tx:
                for batch in self._batches():
                    if run.writing:
                        run.write(tx, batch)
                if not self._commit or run.invalid:
                    raise _Refused
                if run.take_stock and run.stock_needed:
                    _take_stock(tx, run.stock_needed)
        except BaseException as exc:
            self._error = exc
            while True:  # unblock a reader waiting to queue a batch
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]

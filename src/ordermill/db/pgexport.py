"""PostgreSQL writes the export itself: one SELECT per chunk builds every JSON line or CSV row.

The Python path (``transfer.exports``) spends ~100 µs of client CPU per order building
a dict and encoding it; here the server writes the text and the client only joins and
writes it. The text must be byte-identical to what the Python path writes
(``exports._record`` + ``json`` with ``ensure_ascii=False`` and compact separators, or
``orderfile.record_to_csv_rows`` + ``csv``), so every value is spelled out by hand
rather than with ``json_build_object`` (which adds spaces after ``:``):

- strings: ``to_json(text)``, which escapes exactly what Python's encoder escapes
  (``"``, ``\\``, ``\\b\\f\\n\\r\\t``, other control characters as lowercase ``\\u00xx``);
- money (``NUMERIC(12,4)``): ``money_text``'s rule, trailing zeros trimmed to 2 decimals;
- timestamps: ``datetime.isoformat()`` in UTC, microseconds only when not zero;
- CSV cells: ``csv``'s minimal quoting (a cell with ``,``, ``"``, CR or LF is quoted,
  ``"`` doubled; CR as CPython has quoted it since 3.11.9, so that the file re-imports).

The orders and their order come from the query builder's own statement, run with its
bound parameters through a server-side cursor on one connection that exports its
snapshot. Only order ids (from the database) go to the workers, chunk by chunk, as one
array; each worker is a connection of its own in that same snapshot, so the chunks are
built in parallel (one server process each) while the ids are read, and written in the
cursor's order. Each order's text is one row; its relations are LATERAL aggregates
over their ``order_id`` index, a plan that needs no table statistics (the planner is
kept to nested loops, see ``_PLANNER``). The SQL below is built once from constant names.
"""

from __future__ import annotations

import csv
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ordermill.db.tables import address, order, order_item, payment, shipment, shipment_item
from ordermill.domain.order_file import ADDRESS_FIELDS, CSV_COLUMNS, FileFormat

__all__ = ["export_lines"]

WORKERS = 2


# -- bare texts (NULL stays NULL) -------------------------------------------------------


def _money(expr: str) -> str:
    trimmed = f"trim_scale({expr})"
    return f"CASE WHEN scale({trimmed}) <= 2 THEN round({expr}, 2)::text ELSE {trimmed}::text END"


def _time(expr: str) -> str:
    utc = f"({expr} AT TIME ZONE 'UTC')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_trunc('second', {utc}) = {utc} THEN ''"
        f" ELSE to_char({utc}, '.US') END || '+00:00')"
    )


# -- JSON values --------------------------------------------------------------------------


def _string(expr: str) -> str:
    return f"coalesce(to_json({expr})::text, 'null')"


def _number(expr: str) -> str:
    return f"coalesce(({expr})::text, 'null')"


def _quoted(bare: str) -> str:
    return f"coalesce('\"' || {bare} || '\"', 'null')"


def _members(*pairs: tuple[str, str]) -> str:
    """``{"k":v,...`` without the closing brace, so that more members can follow."""
    parts = [f"'{',' if n else '{'}\"{key}\":' || {value}" for n, (key, value) in enumerate(pairs)]
    return "(" + " || ".join(parts) + ")"


def _object(*pairs: tuple[str, str]) -> str:
    return f"({_members(*pairs)} || '}}')"


# -- CSV cells ----------------------------------------------------------------------------


def _cell(expr: str) -> str:
    """A text as ``csv`` writes it: empty for NULL, quoted when it must be."""
    text = f"({expr})::text"
    special = " + ".join(f"strpos({text}, {c})" for c in ("','", "'\"'", "chr(10)", "chr(13)"))
    return (
        f"CASE WHEN {text} IS NULL THEN '' WHEN {special} > 0"
        f" THEN '\"' || replace({text}, '\"', '\"\"') || '\"' ELSE {text} END"
    )


def _plain(expr: str) -> str:
    """A text that never needs quoting (numbers, times, money): empty for NULL."""
    return f"coalesce(({expr})::text, '')"


def _row(*cells: str) -> str:
    return " || ',' || ".join(cells)


def _name(table: sa.Table) -> str:
    return f'"{table.name}"'


_MONEY_COLUMNS = ("sub_total", "shipping_fee", "tax_amount", "discount_amount", "grand_total")
_ORDER_HEAD = _members(
    ("external_reference", _string("o.external_reference")),
    ("uuid", _string("o.uuid")),
    ("order_number", _string("o.order_number")),
    ("created_at", _quoted(_time("o.created_at"))),
    ("updated_at", _quoted(_time("o.updated_at"))),
    ("customer_email", _string("o.customer_email")),
    ("customer_id", _number("o.customer_id")),
    ("customer_full_name", _string("o.customer_full_name")),
    ("currency", _string("o.currency")),
    ("payment_method", _string("o.payment_method")),
    ("shipping_method", _string("o.shipping_method")),
    ("payment_status", _string("o.payment_status")),
    ("shipment_status", _string("o.shipment_status")),
    ("status", _string("o.status")),
    *((column, _quoted(_money(f"o.{column}"))) for column in _MONEY_COLUMNS),
)
_ITEM = _object(
    ("sku", _string("i.sku")),
    ("name", _string("i.name")),
    ("product_id", _string("i.product_id")),
    ("qty", _number("i.qty")),
    ("price", _quoted(_money("i.unit_price"))),
    ("requires_shipping", "CASE WHEN i.requires_shipping THEN 'true' ELSE 'false' END"),
    ("qty_restocked", _number("i.qty_restocked")),
)


_SHIPMENT_TIMES = ("created_at", "shipped_at", "delivered_at", "canceled_at")


def _shipments(line: str) -> str:
    """The order's shipments as a JSON array (NULL when it has none); ``line`` is the
    1-based position of ``si.order_item_id`` among the order's items (by id)."""
    items = (
        f"coalesce((SELECT '[' || string_agg('{{\"line\":' || {line} || ',\"qty\":'"  # noqa: S608
        f" || si.qty || '}}', ',' ORDER BY si.shipment_item_id) || ']'"
        f" FROM {_name(shipment_item)} si WHERE si.shipment_id = s.shipment_id), '[]')"
    )
    head = _members(
        ("uuid", _string("s.uuid")),
        ("carrier", _string("s.carrier")),
        ("tracking_number", _string("s.tracking_number")),
        ("status", _string("s.status")),
        *((f, _quoted(_time(f"s.{f}"))) for f in _SHIPMENT_TIMES),
    )
    return (
        f" CROSS JOIN LATERAL (SELECT '[' || string_agg({head} || ',\"items\":' || {items}"  # noqa: S608
        f" || '}}', ',' ORDER BY s.shipment_id) || ']' AS json"
        f" FROM {_name(shipment)} s WHERE s.order_id = o.order_id) sh"
    )


def _addresses(text: str) -> str:
    """Both addresses in one index lookup: ``ad.shipping``, ``ad.billing`` (NULL if absent)."""
    return (
        f" CROSS JOIN LATERAL (SELECT string_agg({text}, '') FILTER (WHERE a.kind = 'shipping')"  # noqa: S608
        f" AS shipping, string_agg({text}, '') FILTER (WHERE a.kind = 'billing') AS billing"
        f" FROM {_name(address)} a WHERE a.order_id = o.order_id) ad"
    )


_PAYMENT = _object(
    ("kind", _string("p.kind")),
    ("status", _string("p.status")),
    ("amount", _quoted(_money("p.amount"))),
    ("gateway", _string("nullif(p.gateway, '')")),
    ("reference", _string("p.reference")),
    ("actor", _string("p.actor")),
    ("note", _string("p.note")),
    ("created_at", _quoted(_time("p.created_at"))),
)
# The order's payment ledger as a JSON array (NULL when it has none), oldest first.
_PAYMENTS = (
    f" CROSS JOIN LATERAL (SELECT '[' || string_agg({_PAYMENT}, ',' ORDER BY p.payment_id)"  # noqa: S608
    f" || ']' AS json FROM {_name(payment)} p WHERE p.order_id = o.order_id) pay"
)

_FROM = (
    f" FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS sel(id, pos)"
    f" JOIN {_name(order)} o ON o.order_id = sel.id"
)

# One row per order: its line (newline included) and its number of items.
JSONL_SQL = (
    f"SELECT {_ORDER_HEAD} || ',\"items\":' || coalesce(it.json, '[]')"  # noqa: S608
    " || ',\"shipping_address\":' || coalesce(ad.shipping, 'null')"
    " || ',\"billing_address\":' || coalesce(ad.billing, 'null')"
    " || ',\"shipments\":' || coalesce(sh.json, '[]')"
    " || ',\"payments\":' || coalesce(pay.json, '[]') || '}' || chr(10), it.n"
    f"{_FROM}"
    f" CROSS JOIN LATERAL (SELECT '[' || string_agg({_ITEM}, ',' ORDER BY i.order_item_id)"
    " || ']' AS json, count(*) AS n, array_agg(i.order_item_id ORDER BY i.order_item_id) AS ids"
    f" FROM {_name(order_item)} i WHERE i.order_id = o.order_id) it"
    f"{_addresses(_object(*((f, _string(f'a.{f}')) for f in ADDRESS_FIELDS)))}"
    f"{_shipments('array_position(it.ids, si.order_item_id)')}"
    f"{_PAYMENTS}"
    " ORDER BY sel.pos"
)

_NO_ADDRESS = ",".join("" for _ in ADDRESS_FIELDS)
_CSV_TEXT_COLUMNS = (
    "customer_full_name", "currency", "payment_method", "shipping_method",
    "payment_status", "shipment_status", "status",
)  # fmt: skip
_CSV_HEAD = _row(
    *(_cell(f"o.{c}") for c in ("external_reference", "uuid", "order_number")),
    *(_plain(_time(f"o.{c}")) for c in ("created_at", "updated_at")),
    _cell("o.customer_email"),
    _plain("o.customer_id"),
    *(_cell(f"o.{c}") for c in _CSV_TEXT_COLUMNS),
    *(_plain(_money(f"o.{c}")) for c in _MONEY_COLUMNS),
    f"coalesce(ad.shipping, '{_NO_ADDRESS}')",
    f"coalesce(ad.billing, '{_NO_ADDRESS}')",
    _cell("sh.json"),
    _cell("pay.json"),
)
_CSV_ITEM = _row(
    _cell("i.sku"),
    _cell("i.name"),
    _cell("i.product_id"),
    _plain("i.qty"),
    _plain(_money("i.unit_price")),
    "CASE WHEN i.requires_shipping THEN 'true' ELSE 'false' END",
    _plain("i.qty_restocked"),
)
_CSV_LINE = (
    f"(SELECT count(*) FROM {_name(order_item)} l"  # noqa: S608
    " WHERE l.order_id = o.order_id AND l.order_item_id <= si.order_item_id)"
)
# One row per order: its CSV rows (one per item, each ending in a newline) and their
# number. The order's cells are built once (OFFSET 0 keeps the planner from copying
# the expression into every item row).
CSV_SQL = (
    f"SELECT it.rows, it.n{_FROM}"  # noqa: S608
    f"{_addresses(_row(*(_cell(f'a.{f}') for f in ADDRESS_FIELDS)))}"
    f"{_shipments(_CSV_LINE)}"
    f"{_PAYMENTS}"
    f" CROSS JOIN LATERAL (SELECT {_CSV_HEAD} AS cells OFFSET 0) head"
    f" CROSS JOIN LATERAL (SELECT string_agg(head.cells || ',' || {_CSV_ITEM} || chr(10), ''"
    f" ORDER BY i.order_item_id) AS rows, count(*) AS n"
    f" FROM {_name(order_item)} i WHERE i.order_id = o.order_id) it"
    " ORDER BY sel.pos"
)

# Each chunk's statement is planned without statistics on a freshly imported database
# (autovacuum may not have run): nested loops of plain index scans on the order_id
# indexes are right for any size, while a hash or merge join would read whole tables
# per chunk (and bitmap scans cost ~6% more for 1-3 rows). JIT compilation cost
# ~0.6 s per chunk (the estimates are large), five times the query. The workers are
# the parallelism: no parallel plans.
_PLANS_OFF = ("jit", "enable_hashjoin", "enable_mergejoin", "enable_bitmapscan", "enable_seqscan")
_PLANNER = sa.text(
    "SELECT "
    + ", ".join(f"set_config('{name}', 'off', true)" for name in _PLANS_OFF)
    + ", set_config('max_parallel_workers_per_gather', '0', true)"
)
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f-]+")


class _Sessions:
    """One connection per worker thread, each in the exporting transaction's snapshot."""

    def __init__(self, engine: Engine, options: dict[str, Any], snapshot: str) -> None:
        if not _SNAPSHOT_ID.fullmatch(snapshot):
            raise ValueError(f"unexpected snapshot id {snapshot!r}")
        self._engine = engine
        self._options = options
        self._snapshot = snapshot
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[Connection] = []

    def _connection(self) -> Connection:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._engine.connect().execution_options(**self._options)
            with self._lock:
                self._opened.append(conn)
            # Must be the transaction's first statement (the id is checked above: a
            # utility statement takes no bound parameters).
            conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{self._snapshot}'")
            conn.execute(_PLANNER)
            self._local.conn = conn
        return conn

    def chunk(self, sql: str, ids: Sequence[int]) -> tuple[str, int, int]:
        """The text of the orders ``ids`` (in that order): (text, orders, items)."""
        driver: Any = self._connection().connection.driver_connection
        # The array as its text: psycopg's list dumper costs ~0.7 µs an id in Python.
        array = "{" + ",".join(map(str, ids)) + "}"
        with driver.cursor() as cursor:
            rows = cursor.execute(sql, {"ids": array}).fetchall()
        return "".join(row[0] or "" for row in rows), len(rows), sum(row[1] for row in rows)

    def close(self) -> None:
        for conn in self._opened:
            conn.rollback()
            conn.close()


@contextmanager
def _workers(
    engine: Engine, options: dict[str, Any], snapshot: str, count: int
) -> Iterator[tuple[ThreadPoolExecutor, _Sessions]]:
    sessions = _Sessions(engine, options, snapshot)
    pool = ThreadPoolExecutor(count, thread_name_prefix="pgexport")
    try:
        yield pool, sessions
    finally:
        # On an error, the chunks not started yet are dropped rather than built; the
        # connections close once no worker uses them.
        pool.shutdown(wait=True, cancel_futures=True)
        sessions.close()


def export_lines(
    engine: Engine,
    statement: sa.Select[Any],
    stream: IO[str],
    *,
    file_format: FileFormat,
    chunk_size: int,
    options: dict[str, Any],
    workers: int = WORKERS,
    on_chunk: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Write the orders ``statement`` selects, in its order: (orders, items) written.

    ``options`` are the connections' execution options; they must ask for REPEATABLE
    READ, so that every worker reads the snapshot the ids were read in.
    """
    sql = JSONL_SQL if file_format == "jsonl" else CSV_SQL
    if file_format == "csv":
        csv.writer(stream, lineterminator="\n").writerow(CSV_COLUMNS)
    write = stream.write
    orders = items = 0
    with engine.connect() as conn:
        conn = conn.execution_options(**options)
        snapshot = conn.execute(sa.select(sa.func.pg_export_snapshot())).scalar_one()
        result = conn.execution_options(stream_results=True, yield_per=chunk_size).execute(
            statement.with_only_columns(order.c.order_id)
        )
        pending: deque[Future[tuple[str, int, int]]] = deque()
        try:
            with _workers(engine, options, snapshot, workers) as (pool, sessions):

                def write_oldest() -> None:
                    nonlocal orders, items
                    text, chunk_orders, chunk_items = pending.popleft().result()
                    write(text)
                    orders += chunk_orders
                    items += chunk_items
                    if on_chunk is not None:
                        on_chunk(orders)

                # Scalars: half the client CPU of rows for the ids (~0.7 µs an id).
                for partition in result.scalars().partitions():
                    # At most two chunks per worker in flight: memory stays a few chunks.
                    if len(pending) >= 2 * workers:
                        write_oldest()
                    pending.append(pool.submit(sessions.chunk, sql, partition))
                while pending:
                    write_oldest()
        finally:
            result.close()
        conn.rollback()
    return orders, items

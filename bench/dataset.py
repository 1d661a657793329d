"""The standard workload's data set (WORKLOAD.md), loaded fast and reproducibly.

``load(url, *sets)`` empties an ordermill database and fills it with P products and
one or more order sets (the W3 listing set, the W1/W2 lifecycle set): customers,
orders, three items each (distinct SKUs, qty 1-3, prices 1.00-200.00) and a
shipping and a billing address per order. PostgreSQL is loaded with COPY, with the
secondary indexes of the order tables dropped during the load and rebuilt after
it; SQLite with batched inserts (fine for small sizes).

The rows are what placing the orders and moving their statuses would leave, minus
the log: statuses are set directly (no shipments, activities or status history
rows), and inventory is the initial stock minus the units of every order that is
not canceled, so cancelling orders brings a product back to its initial stock.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import Engine

from bench.copytext import copy_field
from ordermill.db.engine import create_engine, normalize_url
from ordermill.db.migrate import migrate
from ordermill.db.schema import metadata
from ordermill.db.tables import (
    address,
    customer,
    inventory,
    order,
    order_item,
)
from ordermill.domain.config import Config
from ordermill.domain.status import resolve_order_status

__all__ = [
    "LIFECYCLE_MIX",
    "LISTING_MIX",
    "Loaded",
    "OrderSet",
    "create_database",
    "lifecycle_set",
    "listing_set",
    "load",
    "loaded_description",
    "sku",
]

# (payment status, shipment status, share of the orders)
Mix = tuple[tuple[str, str, float], ...]
LISTING_MIX: Mix = (
    ("paid", "pending", 0.30),
    ("paid", "delivered", 0.40),
    ("pending", "pending", 0.20),
    ("canceled", "canceled", 0.10),
)
LIFECYCLE_MIX: Mix = (("pending", "pending", 1.0),)

# The columns each generated row fills, in order (columns added later keep their defaults).
Columns = tuple[str, ...]
_CUSTOMER_COLUMNS: Columns = ("customer_id", "email", "full_name", "created_at")
_ORDER_COLUMNS: Columns = (
    "order_id", "uuid", "order_number", "external_reference", "customer_id", "customer_email",
    "customer_full_name", "currency", "sub_total", "tax_amount", "shipping_fee",
    "discount_amount", "grand_total", "payment_method", "shipping_method", "payment_status",
    "shipment_status", "status", "created_at", "updated_at",
)  # fmt: skip
_ITEM_COLUMNS: Columns = (
    "order_item_id", "order_id", "sku", "name", "product_id", "qty", "unit_price",
    "line_total", "requires_shipping", "qty_restocked",
)  # fmt: skip
_ADDRESS_COLUMNS: Columns = (
    "address_id", "order_id", "kind", "full_name", "address_1", "address_2", "city",
    "province", "country", "postcode", "telephone",
)  # fmt: skip
_INVENTORY_COLUMNS: Columns = ("sku", "qty", "manage_stock", "updated_at")

_FIRST_ORDER_NUMBER = 10_001  # as placement numbers them: order id + 10,000
_CHUNK = 20_000
_FIRST: tuple[str, ...] = (
    "Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret",
    "Ken", "Radia", "Niklaus", "Sophie", "Tim", "Hedy", "Dennis", "Karen", "Leslie",
)  # fmt: skip
_LAST: tuple[str, ...] = (
    "Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus",
    "Hamilton", "Thompson", "Perlman", "Wirth", "Wilson", "Lamarr", "Ritchie", "Lamport",
)  # fmt: skip
_DOMAINS = ("example.com", "example.org", "mail.example.net", "shop.example")
_CITIES = (("Berlin", "DE", "10115"), ("Lyon", "FR", "69001"), ("Austin", "US", "73301"))


@dataclass(frozen=True, slots=True)
class OrderSet:
    """One set of orders: how many, their status mix, how far back they were created."""

    name: str
    orders: int
    mix: Mix = LISTING_MIX
    days: int = 365
    items_per_order: int = 3
    guest_share: float = 0.2  # orders without a customer account


def listing_set(orders: int = 1_000_000) -> OrderSet:
    return OrderSet("listing", orders, LISTING_MIX, days=365)


def lifecycle_set(orders: int = 10_000) -> OrderSet:
    return OrderSet("lifecycle", orders, LIFECYCLE_MIX, days=1)


@dataclass(frozen=True, slots=True)
class Loaded:
    order_ids: dict[str, range]  # per set name, the ids of its orders
    customers: int
    seconds: float
    description: str = field(repr=False)


def sku(n: int) -> str:
    return f"SKU-{n:06d}"


def create_database(url: str) -> str:
    """Drop and create the PostgreSQL database named in ``url``, then migrate it."""
    target = normalize_url(url)
    admin = create_engine(target.set(database="postgres"))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            name = c.dialect.identifier_preparer.quote(target.database or "")
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            c.exec_driver_sql(f"CREATE DATABASE {name}")
    finally:
        admin.dispose()
    engine = create_engine(target)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return target.render_as_string(hide_password=False)


def loaded_description(engine: Engine) -> str | None:
    """What ``load`` put into this PostgreSQL database (kept as the database's comment)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as c:
        found = c.exec_driver_sql(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = current_database()"
        )
        return found.scalar_one()  # type: ignore[no-any-return]


def load(
    url: str,
    *sets: OrderSet,
    products: int = 1_000,
    stock: int = 1_000_000,
    seed: int = 20_261_125,
    now: datetime | None = None,
    reuse: bool = False,
    log: Callable[[str], object] = print,
) -> Loaded:
    """Empty the migrated database at ``url`` and load ``sets`` (ids run on from set to set).

    With ``reuse``, a PostgreSQL database that already holds exactly this data set
    (same sets, sizes and seed) is left as it is.
    """
    spec = {
        "sets": [asdict(s) for s in sets],
        "products": products,
        "stock": stock,
        "seed": seed,
        "now": now.isoformat() if now else None,
    }
    description = "ordermill bench dataset " + json.dumps(spec, sort_keys=True)
    engine = create_engine(url)
    try:
        ids, start = {}, 1
        for s in sets:
            ids[s.name] = range(start, start + s.orders)
            start += s.orders
        customers = max(1, sum(s.orders for s in sets) // 5)
        if reuse and _holds(engine, description, start - 1):
            log("data set already loaded; reusing it")
            return Loaded(ids, customers, 0.0, description)
        began = time.monotonic()
        gen = _Generator(random.Random(seed), now or datetime.now(UTC), products, customers)
        writer = (
            _PostgresWriter(engine) if engine.dialect.name == "postgresql" else _SqlWriter(engine)
        )
        with writer:
            writer.empty()
            writer.write(customer, _CUSTOMER_COLUMNS, list(gen.customers()))
            consumed = [0] * (products + 1)
            for s in sets:
                first = ids[s.name].start
                for offset in range(0, s.orders, _CHUNK):
                    count = min(_CHUNK, s.orders - offset)
                    orders, items, addresses = gen.orders(s, first, first + offset, count, consumed)
                    writer.write(order, _ORDER_COLUMNS, orders)
                    writer.write(order_item, _ITEM_COLUMNS, items)
                    writer.write(address, _ADDRESS_COLUMNS, addresses)
                    log(f"  {s.name}: {offset + count:,} of {s.orders:,} orders")
            writer.write(
                inventory,
                _INVENTORY_COLUMNS,
                [(sku(p), stock - consumed[p], True, gen.now) for p in range(1, products + 1)],
            )
            log("building indexes and statistics")
            writer.finish(description)
        return Loaded(ids, customers, time.monotonic() - began, description)
    finally:
        engine.dispose()


def _holds(engine: Engine, description: str, orders: int) -> bool:
    if loaded_description(engine) != description:
        return False
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(order)).scalar_one() == orders


class _Generator:
    def __init__(self, rng: random.Random, now: datetime, products: int, customers: int) -> None:
        self.rng, self.now, self.products, self.customer_count = rng, now, products, customers
        self.config = Config.default()

    def customers(self) -> Iterator[tuple[Any, ...]]:
        for cid in range(1, self.customer_count + 1):
            yield (cid, *self._person(cid), self.now - timedelta(days=400))

    def _person(self, cid: int) -> tuple[str, str]:
        first, last = _FIRST[cid % len(_FIRST)], _LAST[(cid // len(_FIRST)) % len(_LAST)]
        domain = _DOMAINS[cid % len(_DOMAINS)]
        return f"{first}.{last}{cid}@{domain}".lower(), f"{first} {last}"

    def orders(
        self, s: OrderSet, set_first: int, first_id: int, count: int, consumed: list[int]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        rng = self.rng
        orders, items, addresses = [], [], []
        span = timedelta(days=s.days).total_seconds()
        cumulative = _cumulative(s.mix)
        for oid in range(first_id, first_id + count):
            # Ids follow time, as they do when orders are placed: spread over the set's span.
            position = (oid - set_first + rng.random()) / max(1, s.orders)
            created = self.now - timedelta(seconds=span * (1 - min(position, 1.0)))
            payment, shipment = _pick(cumulative, rng.random())
            status = resolve_order_status(self.config, payment, shipment)
            canceled = payment == "canceled"
            if rng.random() < s.guest_share:
                cid, (email, name) = None, (f"guest{oid}@example.net", "Guest Buyer")
            else:
                cid = rng.randint(1, self.customer_count)
                email, name = self._person(cid)
            sub_total = Decimal(0)
            for n, product in enumerate(rng.sample(range(1, self.products + 1), s.items_per_order)):
                qty = rng.randint(1, 3)
                price = Decimal(rng.randint(100, 20_000)) / 100
                sub_total += price * qty
                if not canceled:
                    consumed[product] += qty
                item_id = (oid - 1) * s.items_per_order + n + 1
                items.append(
                    (item_id, oid, sku(product), f"Product {product}", str(product), qty, price,
                     price * qty, True, qty if canceled else 0)
                )  # fmt: skip
            tax = (sub_total * Decimal("0.08")).quantize(Decimal("0.01"))
            shipping = Decimal(0) if sub_total >= 100 else Decimal(5)
            orders.append(
                (oid, str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                 str(oid + _FIRST_ORDER_NUMBER - 1), None, cid, email, name, "USD", sub_total,
                 tax, shipping, Decimal(0), sub_total + tax + shipping, "card", "standard",
                 payment, shipment, status, created, created)
            )  # fmt: skip
            city, country, postcode = _CITIES[oid % len(_CITIES)]
            for k, kind in enumerate(("shipping", "billing")):
                addresses.append(
                    (2 * (oid - 1) + k + 1, oid, kind, name, f"{oid % 999 + 1} Main Street",
                     None, city, None, country, postcode, "+1 555 0100")
                )  # fmt: skip
        return orders, items, addresses


def _cumulative(mix: Mix) -> list[tuple[float, str, str]]:
    total, out = 0.0, []
    for payment, shipment, share in mix:
        total += share
        out.append((total, payment, shipment))
    return out


def _pick(cumulative: Sequence[tuple[float, str, str]], x: float) -> tuple[str, str]:
    for bound, payment, shipment in cumulative:
        if x < bound:
            return payment, shipment
    return cumulative[-1][1], cumulative[-1][2]


class _SqlWriter:
    """Batched Core inserts: for SQLite and small sizes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn = engine.connect()

    def __enter__(self) -> _SqlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.conn.commit()
        self.conn.close()

    def empty(self) -> None:
        for table in reversed(metadata.sorted_tables):
            self.conn.execute(table.delete())

    def write(self, table: sa.Table, columns: Columns, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.conn.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in rows])

    def finish(self, description: str) -> None:
        self.conn.exec_driver_sql("ANALYZE")


class _PostgresWriter:
    """COPY into the tables, with their secondary indexes dropped until the end."""

    _TABLES = ("order", "order_item", "order_address")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.raw = engine.raw_connection()
        self.pg: psycopg.Connection[Any] = self.raw.driver_connection  # type: ignore[assignment]
        self.pg.autocommit = False
        self.indexes: list[tuple[str, str]] = []

    def __enter__(self) -> _PostgresWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            self.pg.rollback()
        self.raw.close()

    def empty(self) -> None:
        cur = self.pg.cursor()
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        cur.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        cur.execute("ALTER SEQUENCE order_number_seq RESTART")
        self.indexes = cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
            " FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
            " WHERE t.relname = ANY(%s) AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [list(self._TABLES)],
        ).fetchall()
        for name, _ in self.indexes:
            cur.execute(f"DROP INDEX {name}")
        cur.execute("SET maintenance_work_mem = '512MB'")
        self.pg.commit()

    def write(self, table: sa.Table, columns: Columns, rows: list[tuple[Any, ...]]) -> None:
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with self.pg.cursor().copy(statement) as copy:
            for start in range(0, len(rows), 5_000):
                chunk = rows[start : start + 5_000]
                copy.write("".join("\t".join(map(copy_field, r)) + "\n" for r in chunk))
        self.pg.commit()

    def finish(self, description: str) -> None:
        cur = self.pg.cursor()
        for _, definition in self.indexes:
            cur.execute(definition)
        for table, column in (
            ("order", "order_id"),
            ("order_item", "order_item_id"),
            ("order_address", "address_id"),
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'),"
                f' COALESCE((SELECT max({column}) FROM "{table}"), 0) + 1, false)'
            )
        cur.execute(
            "SELECT setval('order_number_seq', COALESCE((SELECT max(order_id) FROM \"order\"), 0)"
            f" + {_FIRST_ORDER_NUMBER}, false)"
        )
        # On the database, not a table: the no-drift test compares table comments.
        name = cur.execute("SELECT current_database()").fetchone()
        assert name is not None
        cur.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name[0]), sql.Literal(description)
            )
        )
        self.pg.commit()
        self.pg.autocommit = True
        for name in ("customer", "order", "order_item", "order_address", "inventory"):
            cur.execute(f'VACUUM (ANALYZE) "{name}"')
        self.pg.autocommit = False

"""What every use case runs against: the database engines and the status configuration.

``engine`` is the primary: every write, and every read that must see the writes before
it (the order a mutation answers with, an idempotent replay, ``get_order``), uses it.

``read_engine`` may be a read replica (``connect(url, read_url=...)``, see
``db/replica.py``): what it reads may lag behind the primary by up to the configured
bound. Only these read-only use cases take it, and nothing that writes ever does:

- the orders query builder (``Oms.get_orders_base_query``): the REST listing
  ``GET /orders``, the admin's order grid, the CLI's ``orders list``;
- ``export_orders`` (``transfer/exports.py``);
- ``sales_report`` (``orders/reports.py``), and so the admin dashboard, which is a
  report and a page of the query builder.

A caller that needs its own writes in such a read passes its ``conn`` (a primary
transaction): a read given ``conn`` always runs on it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine

from ordermill.db import transaction as _tx
from ordermill.db.replica import ReadEngine
from ordermill.domain.config import Config
from ordermill.orders.plugins import Plugins

__all__ = ["Context"]


@dataclass(frozen=True, slots=True)
class Context:
    engine: Engine
    config: Config
    # The primary, or a replica while it is up and within its lag bound (see above).
    read_engine: ReadEngine
    # Each Oms has its own: two instances never share plugins.
    plugins: Plugins = field(default_factory=Plugins)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def transaction(self, conn: Connection | None = None) -> AbstractContextManager[Connection]:
        """The use case's own transaction, or a SAVEPOINT inside the caller's ``conn``."""
        return _tx.transaction(self.engine, conn)

    def owned_transaction(self) -> AbstractContextManager[Connection]:
        """A transaction the caller rolls back whole on any error; services join it directly."""
        return _tx.owned_transaction(self.engine)

    def reading(
        self, conn: Connection | None = None, *, single_statement: bool = False
    ) -> AbstractContextManager[Connection]:
        """A connection for reads that never waits for writers (see ``read_connection``)."""
        return _tx.read_connection(self.engine, conn, single_statement=single_statement)

    def lagging_read(
        self, conn: Connection | None = None, *, single_statement: bool = False
    ) -> AbstractContextManager[Connection]:
        """``reading`` on ``read_engine``: only for the use cases listed above."""
        return _tx.read_connection(self.read_engine, conn, single_statement=single_statement)

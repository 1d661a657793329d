"""What every use case runs against: the database engine and the status configuration."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine

from ordermill.db import transaction as _tx
from ordermill.domain.config import Config
from ordermill.orders.plugins import Plugins

__all__ = ["Context"]


@dataclass(frozen=True, slots=True)
class Context:
    engine: Engine
    config: Config
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

"""The facade's common part: the engine, the configuration and the context every
use case receives, and the set-up methods (``migrate``, ``transaction``, ``close``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

from ordermill.db.migrate import migrate as _migrate
from ordermill.db.replica import DEFAULT_MAX_REPLICA_LAG, ReadEngine, ReplicaStatus
from ordermill.domain.config import Config
from ordermill.domain.status import resolve_order_status as _resolve
from ordermill.orders.context import Context
from ordermill.orders.plugins import Plugins, PluginSource


class OmsBase:
    """What every family of methods of ``Oms`` stands on."""

    def __init__(
        self,
        engine: Engine,
        config: Config,
        *,
        plugins: PluginSource = "entrypoints",
        read_engine: Engine | None = None,
        max_replica_lag: float = DEFAULT_MAX_REPLICA_LAG,
    ) -> None:
        self.engine = engine
        self.config = config
        # Reads that may lag (listings, exports, reports) go to ``read_engine``, a replica,
        # while it is up and at most ``max_replica_lag`` seconds behind; else to ``engine``.
        self.read_engine = ReadEngine(engine, read_engine, max_lag=max_replica_lag)
        self.ctx = Context(engine=engine, config=config, read_engine=self.read_engine)
        self.ctx.plugins.add(plugins)

    @property
    def plugins(self) -> Plugins:
        """This instance's plugins (``register(obj)``); see ``ordermill.orders.hooks``."""
        return self.ctx.plugins

    def __repr__(self) -> str:
        return f"<Oms {self.engine.url.render_as_string(hide_password=True)}>"

    # -- set-up ---------------------------------------------------------------

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        _migrate(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection whose work commits when the block ends and rolls back on an exception.

        Pass it as ``conn=`` to any service to make several calls one transaction.
        """
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()

    def replica_status(self) -> ReplicaStatus | None:
        """The read replica's state and lag in seconds (measured at most once a second);
        None without a replica. What ``/readyz`` shows and metrics export."""
        return self.read_engine.status()

    # -- status rules ---------------------------------------------------------

    def resolve_order_status(self, payment_status: str, shipment_status: str) -> str:
        return _resolve(self.config, payment_status, shipment_status)

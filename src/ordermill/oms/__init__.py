"""The ``Oms`` object: one database and one status configuration, every use case a method.

``ordermill.connect(...)`` builds one. The module-level functions of
``ordermill.services`` call the same use cases on a default instance, so the
examples of EverShop's OMS module services translate line for line.

The methods live by family, one module each: ``orders`` (placement, status,
cancellation, notes), ``shipments``, ``money`` (the ledger), ``returns`` (RMA),
``back_office`` (stock, tokens, reports, import and export), ``tracking`` (guest
tracking links); ``base`` holds what they share. A new method goes in the module of its
family; a new family gets its own module and a place in ``Oms``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from os import PathLike
from typing import Any

from ordermill.db.engine import DEFAULT_URL, create_engine
from ordermill.db.replica import DEFAULT_MAX_REPLICA_LAG, replica_url
from ordermill.domain.config import Config, load_config
from ordermill.oms.back_office import BackOfficeFacade
from ordermill.oms.money import MoneyFacade
from ordermill.oms.orders import OrdersFacade
from ordermill.oms.returns import ReturnsFacade
from ordermill.oms.shipments import ShipmentsFacade
from ordermill.oms.tracking import TrackingFacade
from ordermill.orders.plugins import PluginSource

__all__ = ["ConfigSource", "Oms", "PluginSource", "connect"]

ConfigSource = str | PathLike[str] | Mapping[str, Any] | Config | None


class Oms(
    OrdersFacade, ShipmentsFacade, MoneyFacade, ReturnsFacade, BackOfficeFacade, TrackingFacade
):
    """An order management system over one database.

    Every mutation runs in one transaction: its own, or the caller's when
    ``conn`` is passed (see ``transaction()``).

    Every order parameter takes an id, a uuid or an order number, whatever its
    name: the methods keep the reference document's names (``cancel_order(uuid)``,
    ``update_payment_status(order_id)``, ``create_shipment(order_uuid)``,
    ``get_order(order_id_or_uuid)``), and inside, in the use cases and ``db/``, it is
    an ``order_ref`` (``domain/order_ref.py``).

    Every mutation takes ``actor=``: who is acting (an ``Actor``: a staff token, a
    customer, an API client, the import, the command line or the system, the default).
    Its history rows, activities, shipments, ledger rows and events record it.
    """


def connect(
    url: str | None = None,
    config: ConfigSource = None,
    *,
    plugins: PluginSource = "entrypoints",
    read_url: str | None = None,
    max_replica_lag: float = DEFAULT_MAX_REPLICA_LAG,
    **engine_options: Any,
) -> Oms:
    """An ``Oms`` over ``url`` (default: ``$ORDERMILL_DATABASE_URL``, else ``sqlite:///ordermill.db``).

    ``config`` is a status configuration: a JSON or TOML path, a dict, or a ``Config``.
    ``plugins``: by default the plugins installed under the ``ordermill.plugins`` entry
    point group; a list of plugin objects instead; None for none.
    ``read_url``: a PostgreSQL read replica of ``url`` for the reads that may lag a little
    (listings, exports, reports: see ``orders/context.py``), used while it answers and
    is at most ``max_replica_lag`` seconds behind; the primary serves them otherwise.
    """
    resolved = url or os.environ.get("ORDERMILL_DATABASE_URL") or DEFAULT_URL
    engine = create_engine(resolved, **engine_options)
    replica = create_engine(replica_url(read_url), **engine_options) if read_url else None
    return Oms(
        engine,
        load_config(config),
        plugins=plugins,
        read_engine=replica,
        max_replica_lag=max_replica_lag,
    )

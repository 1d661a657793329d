"""The status configuration: which payment, shipment and order statuses exist and how a
(payment, shipment) pair resolves to an order status.

A configuration file has EverShop's shape, in JSON (camelCase keys) or TOML (snake_case
keys; camelCase is accepted too)::

    {"oms": {"order": {"paymentStatus": {...}, "shipmentStatus": {...}, "status": {...},
                       "psoMapping": {...}, "reStockAfterCancellation": true}}}

Only that full shape is accepted, never the inner ``order`` or ``oms`` part alone. Each
group the file gives (payment statuses, shipment statuses, order statuses, mapping)
replaces the same group of the defaults; groups it omits keep the defaults.

Everything is checked when a ``Config`` is built and every problem is reported at once in
one ``ConfigError`` whose ``problems`` lines start with the key path. The order-status
flow and the whole resolution table are computed then too, so the status rules that run
on every write are plain dict lookups.
"""

from ordermill.domain.config.loading import load_config
from ordermill.domain.config.models import Config
from ordermill.domain.config.statuses import (
    ROLLUP_WORDS,
    STATUS_CODE_PATTERN,
    OrderStatusDef,
    PaymentStatusDef,
    ShipmentPhase,
    ShipmentStatusDef,
    StatusDef,
)

__all__ = [
    "ROLLUP_WORDS",
    "STATUS_CODE_PATTERN",
    "Config",
    "OrderStatusDef",
    "PaymentStatusDef",
    "ShipmentPhase",
    "ShipmentStatusDef",
    "StatusDef",
    "load_config",
]

"""Public: the orders query builder (``oms.get_orders_base_query()``) and listing filters.

Defined in ``ordermill.db.query``, beside every other SQL statement.
"""

from ordermill.db.query import *  # noqa: F403
from ordermill.db.query import __all__ as __all__

"""The whole schema: ``metadata`` with every table module registered on it.

Tables are declared in ``tables.py`` and their own modules (``relay_tables.py``,
``refund_tables.py``, ``return_tables.py``, ``tracking_tables.py``) on one ``metadata``;
a table is on it only once its module is imported. Whatever needs every table (Alembic's
environment, a test that empties or compares the database) imports ``metadata`` from
here, never from ``tables.py``.
"""

from __future__ import annotations

# Imported for what they register on ``metadata``.
import ordermill.db.refund_tables
import ordermill.db.relay_tables
import ordermill.db.return_tables
import ordermill.db.tracking_tables  # noqa: F401
from ordermill.db.tables import metadata

__all__ = ["metadata"]

"""The database layer's own errors, for the adapters that report them to a person.

They are SQLAlchemy's classes under the names the rest of ordermill uses, so that
nothing outside ``db/`` imports SQLAlchemy for them.
"""

from __future__ import annotations

from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)

__all__ = [
    "DBAPIError",
    "DatabaseError",
    "IntegrityError",
    "OperationalError",
    "ProgrammingError",
]

# Any error the database layer raises (a driver error wrapped, or SQLAlchemy's own).
DatabaseError = SQLAlchemyError

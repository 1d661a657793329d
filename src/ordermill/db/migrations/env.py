"""Alembic environment: migrations run on the engine ordermill hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Engine

from ordermill.db.schema import metadata

engine: Engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()

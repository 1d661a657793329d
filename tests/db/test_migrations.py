"""The schema comes only from Alembic migrations, and they match the table metadata."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ordermill.db.engine import create_engine
from ordermill.db.migrate import downgrade, migrate
from ordermill.db.schema import metadata


def _drift(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_migrated_schema_equals_the_table_metadata(db_url: str) -> None:
    assert _drift(db_url) == []


def test_migrations_go_down_to_empty_and_up_again(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        downgrade(engine, "base")
        tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        migrate(engine)
        assert set(sa.inspect(engine).get_table_names()) >= {t.name for t in metadata.sorted_tables}
    finally:
        engine.dispose()
    assert _drift(db_url) == []


def test_migrate_is_idempotent(oms: object, db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        migrate(engine)
        migrate(engine)
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version
    finally:
        engine.dispose()

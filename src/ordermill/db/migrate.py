"""Run the Alembic migrations shipped inside the package (works from an installed wheel)."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "downgrade",
    "head_revisions",
    "migrate",
    "schema_revisions",
]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` (the newest by default)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    command.downgrade(alembic_config(engine), revision)


@functools.cache
def head_revisions() -> frozenset[str]:
    """The newest migration(s) this code ships: what a ready database is at."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(cfg).get_heads())


def schema_revisions(conn: Connection) -> frozenset[str]:
    """The migration(s) the database is at; empty when it has no schema yet."""
    return frozenset(MigrationContext.configure(conn).get_current_heads())

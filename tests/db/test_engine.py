"""Engine set-up: URLs accepted as given, SQLite tuned for a local OMS."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordermill.db.engine import create_engine, normalize_url


@pytest.mark.parametrize(
    "url",
    ["postgresql://u@h:5432/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"],
)
def test_postgresql_urls_use_psycopg_3(url: str) -> None:
    assert normalize_url(url).drivername == "postgresql+psycopg"


def test_sqlite_gets_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_other_databases_are_refused_with_the_url_named() -> None:
    with pytest.raises(ValueError, match="mysql"):
        create_engine("mysql://u@h/db")

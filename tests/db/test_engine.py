"""Engine set-up: URLs accepted as given, SQLite tuned for a local OMS."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

import ordermill
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


@pytest.mark.postgres_only
def test_a_connection_the_server_terminated_is_replaced_unseen(oms: ordermill.Oms) -> None:
    placed = oms.place_order(
        [{"sku": "CARD", "qty": 1, "price": "1.00"}], customer_email="ada@example.com"
    )
    with oms.engine.connect() as first, oms.engine.connect():
        first.exec_driver_sql("SELECT 1")  # two connections now wait in the pool
    _terminate_every_connection(oms.engine.url)
    assert oms.get_order(placed.uuid).order_id == placed.order_id
    _terminate_every_connection(oms.engine.url)
    assert oms.update_payment_status(placed.uuid, "paid").payment_status == "paid"


def _terminate_every_connection(url: sa.URL) -> None:
    """pg_terminate_backend on every other connection to the database, as an operator might
    (waiting until each has ended, so the check does not race the server's goodbye)."""
    killer = sa.create_engine(url, poolclass=sa.NullPool)
    with killer.connect() as c:
        ended = c.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).scalar()
    killer.dispose()
    assert ended

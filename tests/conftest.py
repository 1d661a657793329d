"""Database fixtures: every database test runs on a real SQLite file and on PostgreSQL.

PostgreSQL comes from ``ORDERMILL_TEST_DATABASE_URL`` (``.ci/run`` sets it).
Each test session works in its own database on that server (the URL's name
plus the process id), created here, migrated once, emptied between tests and
dropped at the end, so that several sessions can run side by side. Without the
variable, PostgreSQL tests are skipped with a visible reason; with ``CI=true`` a
missing or unreachable PostgreSQL fails the run instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

import ordermill
from ordermill.db.engine import create_engine, normalize_url
from ordermill.db.migrate import migrate
from ordermill.db.schema import metadata

os.environ.setdefault("ORDERMILL_ENV", "test")

PG_ENV = "ORDERMILL_TEST_DATABASE_URL"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ("sqlite", "postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec else None
        if backend == "sqlite" and item.get_closest_marker("postgres_only"):
            item.add_marker(pytest.mark.skip(reason="PostgreSQL only: needs real row locks"))


class PostgresServer:
    """One throwaway database on the PostgreSQL server named by the environment."""

    def __init__(self, url: URL) -> None:
        self.admin_url = url
        self.url = url.set(database=f"{url.database or 'ordermill'}_{os.getpid()}")
        self._admin = create_engine(url)
        self.engine: Engine | None = None

    def create(self) -> None:
        with self._admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            name = self._quoted(c, self.url.database)
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            c.exec_driver_sql(f"CREATE DATABASE {name}")
        self.engine = create_engine(self.url)
        migrate(self.engine)

    def drop(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        with self._admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql(
                f"DROP DATABASE IF EXISTS {self._quoted(c, self.url.database)} WITH (FORCE)"
            )
        self._admin.dispose()

    def empty(self) -> None:
        """Remove every row and restart every identity, so each test starts alike."""
        assert self.engine is not None
        with self.engine.begin() as c:
            prep = c.dialect.identifier_preparer
            names = ", ".join(prep.quote(t.name) for t in metadata.sorted_tables)
            c.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            c.exec_driver_sql("ALTER SEQUENCE order_number_seq RESTART")

    @staticmethod
    def _quoted(conn: sa.Connection, name: str | None) -> str:
        assert name
        return conn.dialect.identifier_preparer.quote(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | None]:
    raw = os.environ.get(PG_ENV)
    if not raw:
        if IN_CI:
            pytest.fail(f"CI=true but {PG_ENV} is not set: PostgreSQL tests must run in CI")
        yield None
        return
    server = PostgresServer(normalize_url(raw))
    try:
        server.create()
    except sa.exc.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_ENV} cannot be reached: {exc}")
        yield None
        return
    yield server
    server.drop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is the slow part)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(
    backend: str,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_server: PostgresServer | None,
) -> str:
    """The URL of an empty, migrated database of the test's backend."""
    if backend == "sqlite":
        path = tmp_path / "ordermill.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    if postgres_server is None:
        pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV} to run them")
    postgres_server.empty()
    return postgres_server.url.render_as_string(hide_password=False)


@pytest.fixture
def oms(db_url: str) -> Iterator[ordermill.Oms]:
    instance = ordermill.connect(db_url)
    yield instance
    instance.close()


@pytest.fixture
def default_oms(db_url: str) -> Iterator[ordermill.Oms]:
    """The module-level service functions, pointed at this test's database."""
    instance = ordermill.configure(db_url)
    yield instance
    instance.close()


def rows_of(engine: Engine, table: sa.Table) -> list[dict[str, Any]]:
    """Every row of a table, in primary key order: for "nothing changed" assertions."""
    with engine.connect() as c:
        result = c.execute(sa.select(table).order_by(*table.primary_key.columns))
        return [dict(r._mapping) for r in result]


def snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """The whole database, table by table."""
    return {t.name: rows_of(engine, t) for t in metadata.sorted_tables}


@pytest.fixture
def db_snapshot() -> Any:
    return snapshot


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """Every test starts with the environment the session started with: a command run
    in process (``serve`` exports its settings and a metrics folder) must not leak
    ``ORDERMILL_*`` or ``PROMETHEUS_MULTIPROC_DIR`` into the processes later tests start."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)

"""A session's primary and streaming replica (``cluster.py``), emptied before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ordermill.db.engine import create_engine
from ordermill.db.schema import metadata
from tests.replica.cluster import ReplicaPair, postgres_bin


@pytest.fixture(scope="session")
def replica_pair() -> Iterator[ReplicaPair]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL's server binaries (/usr/lib/postgresql/<version>/bin: initdb,"
            " pg_ctl, pg_basebackup) are missing: apt-get install postgresql to run these"
        )
    pair = ReplicaPair(bin_dir)
    try:
        pair.create()
        yield pair
    finally:
        pair.destroy()


@pytest.fixture
def pair(replica_pair: ReplicaPair) -> Iterator[ReplicaPair]:
    """The pair with empty tables, the replica streaming and caught up."""
    engine = create_engine(replica_pair.primary.url)
    with engine.begin() as c:
        quote = c.dialect.identifier_preparer.quote
        names = ", ".join(quote(t.name) for t in metadata.sorted_tables)
        c.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        c.exec_driver_sql("ALTER SEQUENCE order_number_seq RESTART")
    engine.dispose()
    replica_pair.wait_replayed()
    yield replica_pair
    # A test that paused or stopped the replica leaves it streaming again.
    if not (replica_pair.replica.data / "postmaster.pid").exists():
        replica_pair.replica.start()
    replica_pair.resume()
    replica_pair.wait_streaming()

"""A real PostgreSQL primary and streaming replica, made with Debian's server binaries.

Both clusters live in one temporary folder, listen on free loopback ports with trust
authentication (never the server on 5432), and are tuned to start in about a second
(small shared_buffers, fsync off: throwaway data). Run as root (CI), the binaries run as
the ``postgres`` user, which owns the folder: ``initdb`` refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from ordermill.db.engine import create_engine
from ordermill.db.migrate import migrate

__all__ = ["Cluster", "ReplicaPair", "postgres_bin"]

DATABASE = "ordermill"
_SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
shared_buffers = 16MB
max_connections = 60
fsync = off
full_page_writes = off
wal_level = replica
max_wal_senders = 4
hot_standby = on
wal_receiver_status_interval = 1s
logging_collector = off
"""


def postgres_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` that has the server tools."""
    found = [
        Path(p).parent
        for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")
        if Path(p).with_name("pg_basebackup").exists()
    ]
    return max(found, key=lambda p: int(p.parent.name), default=None) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self, bin_dir: Path, data: Path, sockets: Path) -> None:
        self.bin_dir = bin_dir
        self.data = data
        self.sockets = sockets
        self.port = _free_port()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def configure(self) -> None:
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(_SETTINGS.format(port=self.port, sockets=self.sockets))

    def start(self) -> None:
        _run(self.bin_dir / "pg_ctl", "-D", self.data, "-l", self.data / "server.log", "-w",
             "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        _run(self.bin_dir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def sql(self, statement: str, database: str = DATABASE) -> object:
        engine = create_engine(f"postgresql://postgres@127.0.0.1:{self.port}/{database}")
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                result = c.exec_driver_sql(statement)
                return result.scalar() if result.returns_rows else None
        finally:
            engine.dispose()


class ReplicaPair:
    """A primary with the ordermill schema, and a hot standby streaming from it."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="ordermill-replica-"))
        _give_to_postgres(self.root)
        self.primary = Cluster(bin_dir, self.root / "primary", self.root)
        self.replica = Cluster(bin_dir, self.root / "replica", self.root)

    def create(self) -> None:
        _run(self.bin_dir / "initdb", "-D", self.primary.data, "-U", "postgres",
             "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C")  # fmt: skip
        self.primary.configure()
        self.primary.start()
        self.primary.sql(f"CREATE DATABASE {DATABASE}", database="postgres")
        engine = create_engine(self.primary.url)
        migrate(engine)
        engine.dispose()
        _run(self.bin_dir / "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port),
             "-U", "postgres", "-D", self.replica.data, "-R", "-X", "stream",
             "--checkpoint=fast", "--no-sync")  # fmt: skip
        # The copied postgresql.conf names the primary's port; a later line wins.
        self.replica.configure()
        self.replica.start()
        self.wait_streaming()

    def destroy(self) -> None:
        for cluster in (self.replica, self.primary):
            if (cluster.data / "postmaster.pid").exists():
                cluster.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # -- replication --------------------------------------------------------------------

    def wait_streaming(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.primary.sql("SELECT count(*) FROM pg_stat_replication"
                                    " WHERE state = 'streaming'"):  # fmt: skip
                    return
            except sa.exc.OperationalError:
                pass
            time.sleep(0.05)
        raise AssertionError("the replica did not start streaming")

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary wrote so far."""
        target = self.primary.sql("SELECT pg_current_wal_insert_lsn()::text")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
                return
            time.sleep(0.02)
        raise AssertionError(f"the replica did not replay up to {target}")

    def pause(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_resume()")


def _give_to_postgres(path: Path) -> None:
    if os.geteuid() != 0:
        return
    user = pwd.getpwnam("postgres")
    os.chown(path, user.pw_uid, user.pw_gid)


def _run(*command: str | Path, check: bool = True) -> None:
    args = [str(part) for part in command]
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stdout}{done.stderr}")

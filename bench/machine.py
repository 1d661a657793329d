"""What the figures were measured on: machine, PostgreSQL, date and commit."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

__all__ = ["Machine", "describe_machine"]

# Settings a reader needs to judge write figures, shown even at their defaults.
_WATCHED = (
    "fsync",
    "synchronous_commit",
    "wal_sync_method",
    "shared_buffers",
    "max_wal_size",
    "autovacuum",
    "jit",
)
# Set by the Debian packaging or by the connection, not by anyone tuning the server.
_PACKAGING = frozenset(
    {
        "application_name",
        "client_encoding",
        "cluster_name",
        "config_file",
        "data_directory",
        "DateStyle",
        "default_text_search_config",
        "dynamic_shared_memory_type",
        "external_pid_file",
        "hba_file",
        "ident_file",
        "lc_collate",
        "lc_ctype",
        "lc_messages",
        "lc_monetary",
        "lc_numeric",
        "lc_time",
        "listen_addresses",
        "log_line_prefix",
        "log_timezone",
        "port",
        "server_encoding",
        "ssl_cert_file",
        "ssl_key_file",
        "TimeZone",
        "transaction_deferrable",
        "transaction_isolation",
        "transaction_read_only",
        "unix_socket_directories",
        "wal_buffers",
    }
)


@dataclass(frozen=True, slots=True)
class Machine:
    cpu: str
    cores: int
    memory_gib: float
    python: str
    postgres: str
    settings: tuple[tuple[str, str], ...]
    changed: tuple[tuple[str, str], ...]
    date: str
    commit: str

    def lines(self) -> list[str]:
        changed = ", ".join(f"{k}={v}" for k, v in self.changed) or "none"
        watched = ", ".join(f"{k}={v}" for k, v in self.settings)
        return [
            f"Machine: {self.cores} cores ({self.cpu}), {self.memory_gib:.0f} GiB memory,"
            f" Python {self.python}",
            f"PostgreSQL: {self.postgres}; {watched}",
            f"Settings not at their defaults: {changed}",
            f"Date: {self.date}; ordermill commit {self.commit}",
        ]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def describe_machine(pg_dsn: str) -> Machine:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        rows = conn.execute(
            "SELECT name, current_setting(name),"
            " setting IS DISTINCT FROM boot_val AND source NOT IN ('default', 'override')"
            " FROM pg_settings ORDER BY name"
        ).fetchall()
    values = {name: shown for name, shown, _ in rows}
    changed = tuple(
        (name, shown) for name, shown, differs in rows if differs and name not in _PACKAGING
    )
    return Machine(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 0,
        memory_gib=_memory_gib(),
        python=platform.python_version(),
        postgres=f"PostgreSQL {version[0] if version else '?'}",
        settings=tuple((k, values[k]) for k in _WATCHED if k in values),
        changed=changed,
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        commit=_commit(),
    )

"""``ordermill serve``: the REST service (and the admin pages) with uvicorn."""

from __future__ import annotations

import importlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from ordermill.cli.common import err
from ordermill.ops.settings import Settings, environment, load_settings

__all__ = ["SettingsFile", "register"]

SettingsFile = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        envvar="ORDERMILL_SETTINGS_FILE",
        help="Settings file (TOML); flags > ORDERMILL_* variables > this file > defaults.",
        dir_okay=False,
        exists=True,
    ),
]


def _database_url(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise typer.BadParameter("is empty: give postgresql://... or sqlite:///path.db")
    return value


_Url = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Database URL: postgresql://... or sqlite:///path.db.",
        rich_help_panel="Database",
        callback=_database_url,
    ),
]
_Config = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Status configuration file (.json or .toml).", rich_help_panel="Database"
    ),
]


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port [8000].", min=1, max=65535)] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [1].", min=1)] = None,
    database_url: _Url = None,
    config: _Config = None,
    settings_file: SettingsFile = None,
    log_format: Annotated[
        str | None, typer.Option(help="json, console, or auto (console on a terminal).")
    ] = None,
    log_level: Annotated[str | None, typer.Option(help="DEBUG, INFO, WARNING, ERROR.")] = None,
    metrics: Annotated[
        bool | None, typer.Option("--metrics/--no-metrics", help="Prometheus metrics [on].")
    ] = None,
    metrics_bind: Annotated[
        str | None,
        typer.Option(help="Serve /metrics on host:port, unauthenticated (else admin tokens)."),
    ] = None,
    relay: Annotated[
        bool, typer.Option("--relay", help="Also run `ordermill events relay` (child process).")
    ] = False,
    graceful_timeout: Annotated[
        int | None,
        typer.Option(
            help="On SIGTERM, seconds to let requests in flight finish before cancelling them"
            " [30].",
            min=0,
        ),
    ] = None,
    statement_timeout: Annotated[
        float | None,
        typer.Option(
            help="Seconds a database statement may run before it is cancelled (503); 0: none [30].",
            min=0,
            rich_help_panel="Database",
        ),
    ] = None,
    read_database_url: Annotated[
        str | None,
        typer.Option(
            help="A PostgreSQL read replica for listings, exports, reports and the dashboard"
            " (writes and the reads that follow them stay on the primary).",
            rich_help_panel="Database",
        ),
    ] = None,
    max_replica_lag: Annotated[
        float | None,
        typer.Option(
            help="Seconds the replica may lag behind; further behind (or down), the primary"
            " serves its reads until it catches up [5].",
            rich_help_panel="Database",
        ),
    ] = None,
) -> None:
    """Serve the REST API under /api/v1 (and the admin under /admin).

    Settings come from the flags, then ORDERMILL_* variables, then --settings FILE, then the
    defaults (`ordermill config show` prints them). Each worker reads the same settings.
    With metrics on, /metrics serves them (admin tokens) or --metrics-bind does; with
    --workers N they are one view over every worker. Run `ordermill migrate` first.
    SIGTERM (or Ctrl+C) stops taking connections, lets the requests in flight finish (at
    most --graceful-timeout seconds), then exits 0.
    """
    import uvicorn

    from ordermill.ops.logs import configure_logging

    _keep_tcp_nodelay(uvicorn.Config)
    settings = load_settings(
        settings_file,
        host=host,
        port=port,
        workers=workers,
        database_url=database_url,
        config=config.resolve() if config is not None else None,
        log_format=log_format,
        log_level=log_level,
        metrics_enabled=metrics,
        metrics_bind=metrics_bind,
        graceful_timeout=graceful_timeout,
        statement_timeout=statement_timeout,
        read_database_url=read_database_url,
        max_replica_lag=max_replica_lag,
    )
    configure_logging(settings.log_format, settings.log_level, force=True)
    metrics_dir = _metrics_dir() if settings.metrics_enabled else None
    _export(settings)
    # Started before a session key is made up below: the relay must decrypt webhook
    # secrets with the configured ORDERMILL_SECRET_KEY, never with a key of this run.
    child = _start_relay(settings.database_url) if relay else None
    # Every worker must sign admin sessions with the same key, or a session signed by one
    # worker is refused by the next. Without a configured key, one is made for this run
    # (sessions then end when the server stops).
    os.environ.setdefault("ORDERMILL_SECRET_KEY", secrets.token_urlsafe(32))
    apart = _metrics_apart(settings) if settings.metrics_enabled else None
    err.print(
        f"Serving on http://{settings.host}:{settings.port} (API /api/v1, admin /admin/)"
        f" with {settings.workers} worker(s); Ctrl+C stops."
    )
    _refuse_connections_when_stopping(importlib.import_module("uvicorn.main"))
    # uvicorn raises the signal that stopped it again once it has shut down; with the
    # default SIGTERM handler that would end the process with -15 instead of 0.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stopped) if main_thread else None
    try:
        uvicorn.run(
            "ordermill.api:app_factory",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_config=None,  # ordermill.ops.logs, set up by each worker
            access_log=False,  # each request's line is ordermill's own (api/observe.py)
            forwarded_allow_ips=settings.trusted_proxies or None,
            timeout_graceful_shutdown=settings.graceful_timeout,
        )
    except _Stopped:
        pass
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
        if child is not None:
            child.terminate()
            child.wait(timeout=settings.graceful_timeout + 10)
        if apart is not None:
            apart.shutdown()
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _export(settings: Settings) -> None:
    """Hand the effective settings to the workers (and the relay) as variables."""
    for variable, value in environment(settings).items():
        if value is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = value


def _metrics_dir() -> str | None:
    """A fresh folder for every process's metric files (prometheus-client multi-process
    mode), unless PROMETHEUS_MULTIPROC_DIR names one already (then it is emptied: values
    of an earlier run must not add up with this one's). Returns the folder to remove."""
    from ordermill.ops.metrics_dir import MULTIPROC_ENV

    given = os.environ.get(MULTIPROC_ENV)
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        return None
    folder = tempfile.mkdtemp(prefix="ordermill-metrics-")
    os.environ[MULTIPROC_ENV] = folder
    return folder


def _metrics_apart(settings: Settings) -> Any:
    """With --metrics-bind, /metrics served by this (the supervising) process."""
    if settings.metrics_bind is None:
        return None
    from ordermill.db.engine import create_engine
    from ordermill.ops.metrics import serve_apart

    host, _, port = settings.metrics_bind.rpartition(":")
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=1)
    return serve_apart(host or "127.0.0.1", int(port), engine)


class _Stopped(Exception):
    """SIGTERM, raised again by uvicorn after its graceful shutdown."""


def _stopped(_signum: int, _frame: object) -> None:
    raise _Stopped


def _refuse_connections_when_stopping(main_module: Any) -> None:
    """Have uvicorn's multi-worker supervisor close its listening socket as soon as it is
    told to stop: otherwise the kernel would go on accepting connections that no worker
    answers until every worker has drained, where a client (or a proxy trying the next
    server) must be refused at once."""
    original = main_module.Multiprocess
    if getattr(original, "_ordermill_refuses", False):
        return

    class Supervisor(original):  # type: ignore[misc,valid-type]
        _ordermill_refuses = True

        def terminate_all(self) -> None:
            for sock in self.sockets:
                sock.close()
            super().terminate_all()

    main_module.Multiprocess = Supervisor


def _start_relay(database_url: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "ordermill", "events", "relay", "--database-url", database_url]
    return subprocess.Popen(command)  # noqa: S603 (our own interpreter and arguments)


def _keep_tcp_nodelay(config_class: Any) -> None:
    """Make the listening socket declare itself TCP so that asyncio sets TCP_NODELAY.

    With ``--workers N`` uvicorn binds the socket itself with protocol 0; asyncio only
    sets TCP_NODELAY on sockets whose protocol is IPPROTO_TCP, so every keep-alive
    response then waits ~40 ms for the peer's delayed ACK (uvicorn issue 3149).
    """
    original = config_class.bind_socket
    if getattr(original, "_ordermill_nodelay", False):
        return

    def bind_socket(self: object) -> socket.socket:
        sock: socket.socket = original(self)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, sock.detach())
        return sock

    bind_socket._ordermill_nodelay = True  # type: ignore[attr-defined]
    config_class.bind_socket = bind_socket


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Serve")(serve)

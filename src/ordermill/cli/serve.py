"""``ordermill serve``: the REST service (and the admin pages) with uvicorn."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
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
_Url = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Database URL: postgresql://... or sqlite:///path.db.",
        rich_help_panel="Database",
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
) -> None:
    """Serve the REST API under /api/v1 (and the admin under /admin).

    Settings come from the flags, then ORDERMILL_* variables, then --settings FILE, then the
    defaults (`ordermill config show` prints them). Each worker reads the same settings.
    With metrics on, /metrics serves them (admin tokens) or --metrics-bind does; with
    --workers N they are one view over every worker. Run `ordermill migrate` first.
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
        )
    finally:
        if child is not None:
            child.terminate()
            child.wait(timeout=10)
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

"""``ordermill serve``: the REST service (and the admin pages) with uvicorn."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from typing import Annotated, Any

import typer

from ordermill.cli.common import DEFAULT_URL, ConfigOption, DatabaseUrl, err
from ordermill.db.replica import DEFAULT_MAX_REPLICA_LAG

__all__ = ["register"]


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
    database_url: DatabaseUrl = DEFAULT_URL,
    config: ConfigOption = None,
    relay: Annotated[
        bool, typer.Option("--relay", help="Also run `ordermill events relay` (child process).")
    ] = False,
    read_database_url: Annotated[
        str | None,
        typer.Option(
            "--read-database-url",
            envvar="ORDERMILL_READ_DATABASE_URL",
            help="A PostgreSQL read replica for listings, exports, reports and the dashboard"
            " (everything else, and every write, uses --database-url).",
            rich_help_panel="Database",
        ),
    ] = None,
    max_replica_lag: Annotated[
        float,
        typer.Option(
            "--max-replica-lag",
            envvar="ORDERMILL_MAX_REPLICA_LAG",
            help="Seconds the replica may lag behind; further behind (or down), the primary"
            " serves its reads until it catches up.",
            min=0.001,
            rich_help_panel="Database",
        ),
    ] = DEFAULT_MAX_REPLICA_LAG,
) -> None:
    """Serve the REST API under /api/v1 (and the admin under /admin).

    Each worker builds its own Oms from ORDERMILL_DATABASE_URL, ORDERMILL_CONFIG,
    ORDERMILL_READ_DATABASE_URL and ORDERMILL_MAX_REPLICA_LAG, which are set from the
    options here. Run `ordermill migrate` first.
    """
    import uvicorn

    _keep_tcp_nodelay(uvicorn.Config)

    os.environ["ORDERMILL_DATABASE_URL"] = database_url
    if read_database_url:
        os.environ["ORDERMILL_READ_DATABASE_URL"] = read_database_url
    else:
        os.environ.pop("ORDERMILL_READ_DATABASE_URL", None)
    os.environ["ORDERMILL_MAX_REPLICA_LAG"] = repr(max_replica_lag)
    if config is not None:
        os.environ["ORDERMILL_CONFIG"] = str(config.resolve())
    else:
        os.environ.pop("ORDERMILL_CONFIG", None)
    # Started before a session key is made up below: the relay must decrypt webhook
    # secrets with the configured ORDERMILL_SECRET_KEY, never with a key of this run.
    child = _start_relay(database_url) if relay else None
    # Every worker must sign admin sessions with the same key, or a session signed by one
    # worker is refused by the next. Without a configured key, one is made for this run
    # (sessions then end when the server stops).
    os.environ.setdefault("ORDERMILL_SECRET_KEY", secrets.token_urlsafe(32))
    err.print(
        f"Serving on http://{host}:{port} (API /api/v1, admin /admin/) with {workers}"
        " worker(s); Ctrl+C stops."
    )
    try:
        uvicorn.run(
            "ordermill.api:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
        )
    finally:
        if child is not None:
            child.terminate()
            child.wait(timeout=10)


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

"""``ordermill serve``: the REST service (and the admin pages) with uvicorn."""

from __future__ import annotations

import importlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
from typing import Annotated, Any

import typer

from ordermill.cli.common import DEFAULT_URL, ConfigOption, DatabaseUrl, err
from ordermill.db.engine import DEFAULT_STATEMENT_TIMEOUT

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
    graceful_timeout: Annotated[
        int,
        typer.Option(
            envvar="ORDERMILL_GRACEFUL_TIMEOUT",
            help="On SIGTERM, seconds to let requests in flight finish before cancelling them.",
            min=0,
        ),
    ] = 30,
    statement_timeout: Annotated[
        float,
        typer.Option(
            envvar="ORDERMILL_STATEMENT_TIMEOUT",
            help="Seconds a database statement may run before it is cancelled (503); 0: none.",
            min=0,
        ),
    ] = DEFAULT_STATEMENT_TIMEOUT,
) -> None:
    """Serve the REST API under /api/v1 (and the admin under /admin).

    Each worker builds its own Oms from ORDERMILL_DATABASE_URL, ORDERMILL_CONFIG and
    ORDERMILL_STATEMENT_TIMEOUT, which are set from the options here. Run `ordermill
    migrate` first. SIGTERM (or Ctrl+C) stops taking connections, lets the requests in
    flight finish (at most --graceful-timeout seconds), then exits 0.
    """
    import uvicorn

    _keep_tcp_nodelay(uvicorn.Config)

    os.environ["ORDERMILL_DATABASE_URL"] = database_url
    os.environ["ORDERMILL_STATEMENT_TIMEOUT"] = f"{statement_timeout:g}"
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
    _refuse_connections_when_stopping(importlib.import_module("uvicorn.main"))
    # uvicorn raises the signal that stopped it again once it has shut down; with the
    # default SIGTERM handler that would end the process with -15 instead of 0.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stopped) if main_thread else None
    try:
        uvicorn.run(
            "ordermill.api:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            timeout_graceful_shutdown=graceful_timeout,
        )
    except _Stopped:
        pass
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
        if child is not None:
            child.terminate()
            child.wait(timeout=graceful_timeout + 10)


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

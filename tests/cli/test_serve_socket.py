"""``ordermill serve --workers N`` keeps TCP_NODELAY: its listening socket says it is TCP."""

from __future__ import annotations

import socket

import uvicorn

from ordermill.cli.serve import _keep_tcp_nodelay


def test_the_workers_socket_is_declared_tcp_so_asyncio_sets_nodelay() -> None:
    _keep_tcp_nodelay(uvicorn.Config)
    _keep_tcp_nodelay(uvicorn.Config)  # applying it twice changes nothing
    config = uvicorn.Config("ordermill.api:app_factory", host="127.0.0.1", port=0)
    sock = config.bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()

"""A real ``ordermill serve`` process for the ops tests, its stderr in a file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Running:
    base_url: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serve(
    db_url: str, log: Path, *args: str, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[Running]:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    environ.update({"ORDERMILL_DATABASE_URL": db_url, **(env or {})})
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "ordermill", "serve", "--port", str(port), *_w(workers), *args],
            env=environ,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        running = Running(f"http://127.0.0.1:{port}", log, process)
        try:
            _wait(running, workers)
            yield running
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _w(workers: int) -> list[str]:
    return ["--workers", str(workers)]


def _wait(running: Running, workers: int) -> None:
    deadline = time.monotonic() + 60
    ready = 0
    with httpx.Client(base_url=running.base_url, timeout=5) as client:
        while ready < 4 * workers:
            if running.process.poll() is not None:
                raise RuntimeError(f"serve exited:\n{running.log_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"serve not ready:\n{running.log_text()[-3000:]}")
            try:
                ready += client.get("/readyz").status_code == 200
            except httpx.TransportError:
                time.sleep(0.2)

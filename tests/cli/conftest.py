"""Running the CLI in-process through Typer's test runner against the test's database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from ordermill.cli import app

Invoke = Callable[..., Result]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner: CliRunner, db_url: str) -> Invoke:
    """``cli("orders", "list")``: run a command on the test's database (``--database-url``
    is appended unless given)."""

    def invoke(*args: str, **kwargs: Any) -> Result:
        argv = list(args)
        if "--database-url" not in argv:
            argv += ["--database-url", db_url]
        return runner.invoke(app, argv, **kwargs)

    return invoke

"""An installed plugin (entry point) refusing a command: exit 1 and its message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.services.test_hooks import install_refusing_plugin


def test_a_refusing_plugin_exits_1_with_its_message(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_refusing_plugin(tmp_path, monkeypatch)
    refused = cli("stock", "set", "TEA", "3")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: ")
    assert "No tea today" in refused.stderr
    assert "Traceback" not in refused.output
    assert cli("stock", "set", "MUG", "3").exit_code == 0

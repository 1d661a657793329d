"""The README's Python example runs as shown, on each database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def test_the_python_example_runs_as_shown(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    example = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert example is not None
    code = example.group(1).replace('"sqlite:///shop.db"', repr(db_url))
    exec(compile(code, str(README), "exec"), {})  # noqa: S102 - our own README
    assert capsys.readouterr().out.splitlines() == [
        "completed",
        "Order 10001 is not cancelable at payment status 'paid' and shipment status 'delivered'",
    ]


def test_the_plugins_example_runs_as_shown(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = README.read_text(encoding="utf-8")
    example = re.search(r"### Plugins.*?```python\n(.*?)```", text, re.DOTALL)
    assert example is not None
    code = example.group(1).replace('"sqlite:///plugins.db"', repr(db_url))
    exec(compile(code, str(README), "exec"), {})  # noqa: S102 - our own README
    assert capsys.readouterr().out.splitlines() == [
        "Packed for UPS",
        "hook_rejected Order 10002 is fraud-reviewed",
    ]

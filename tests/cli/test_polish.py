"""Small CLI behaviours users tripped over: each test pins one of them."""

from __future__ import annotations

import json
import re

from tests.cli.conftest import Invoke


def test_the_demo_hint_shows_an_order_by_its_external_reference(cli: Invoke) -> None:
    demo = cli("demo", "--orders", "5", "--seed", "0")
    assert demo.exit_code == 0, demo.output
    hint = re.search(r"ordermill orders show (\S+)", demo.stdout)
    assert hint is not None, demo.stdout
    shown = cli("orders", "show", hint.group(1))
    assert shown.exit_code == 0, shown.output
    assert hint.group(1) in shown.stdout
    found = cli("orders", "list", "--search", hint.group(1), "--json")
    assert found.exit_code == 0, found.output
    assert len(json.loads(found.stdout)["items"]) == 1

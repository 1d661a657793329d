"""The commands: webhooks add (secret printed once), list, disable/enable; events status."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import ordermill
from ordermill.cli import app
from tests.events.conftest import make_orders, run_relay_process

runner = CliRunner()


def test_webhook_commands_and_status(oms: ordermill.Oms, db_url: str) -> None:
    added = runner.invoke(
        app,
        [
            "webhooks",
            "add",
            "http://127.0.0.1:9/x",
            "--events",
            "ordermill.order.*",
            "--allow-private-network",
            "--database-url",
            db_url,
        ],
    )
    assert added.exit_code == 0, added.output
    assert added.output.strip().splitlines()[-1].startswith("whsec_")
    refused = runner.invoke(
        app, ["webhooks", "add", "http://127.0.0.1:9/x", "--events", "x", "--database-url", db_url]
    )
    assert refused.exit_code == 2
    listed = runner.invoke(app, ["webhooks", "list", "--json", "--database-url", db_url])
    assert json.loads(listed.output)["items"][0]["enabled"] is True
    assert "whsec_" not in listed.output
    assert runner.invoke(app, ["webhooks", "disable", "1", "--database-url", db_url]).exit_code == 0
    assert runner.invoke(app, ["webhooks", "enable", "7", "--database-url", db_url]).exit_code == 1
    make_orders(oms, 2)
    status = runner.invoke(app, ["events", "status", "--json", "--database-url", db_url])
    items = {i["destination"]: i for i in json.loads(status.output)["items"]}
    assert items["webhook:1"]["backlog"] > 0  # disabled: its events wait for it
    done = run_relay_process(db_url, "--once")
    assert done.returncode == 0, done.stderr

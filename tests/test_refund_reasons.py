"""Refund reasons in the status configuration: defaults, a file naming them, EverShop's
files (which have none) still loading, and bad codes reported with their key path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ordermill.cli import app
from ordermill.domain.config import Config
from ordermill.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures"
DEFAULTS = ["customer_request", "damaged", "not_received", "wrong_item", "fraud", "other"]


def test_the_default_reasons() -> None:
    assert list(Config.default().refund_reasons) == DEFAULTS


@pytest.mark.parametrize("name", ["evershop_reference.json", "evershop_2_2.json"])
def test_an_evershop_file_without_reasons_keeps_the_defaults(name: str) -> None:
    assert list(Config.from_file(FIXTURES / name).refund_reasons) == DEFAULTS


def test_a_file_names_its_reasons_as_labels_or_a_list(tmp_path: Path) -> None:
    labelled = {"oms": {"order": {"refundReasons": {"goodwill": "Goodwill gesture"}}}}
    assert Config.from_dict(labelled).refund_reasons == {"goodwill": "Goodwill gesture"}
    listed = tmp_path / "reasons.toml"
    listed.write_text('[oms.order]\nrefund_reasons = ["late_delivery", "other"]\n')
    assert dict(Config.from_file(listed).refund_reasons) == {
        "late_delivery": "Late delivery",
        "other": "Other",
    }


def test_bad_reasons_are_reported_with_their_path() -> None:
    with pytest.raises(ConfigError) as raised:
        Config.from_dict({"oms": {"order": {"refundReasons": {"Bad Code": "x"}}}})
    assert any("refundReasons" in p and "'Bad Code'" in p for p in raised.value.problems)
    with pytest.raises(ConfigError, match="at least one refund reason"):
        Config.from_dict({"oms": {"order": {"refundReasons": []}}})


def test_config_check_shows_the_reasons(tmp_path: Path) -> None:
    file = tmp_path / "shop.json"
    file.write_text(json.dumps({"oms": {"order": {"refundReasons": ["goodwill"]}}}))
    runner = CliRunner()
    shown = runner.invoke(app, ["config", "check", str(file)])
    assert shown.exit_code == 0, shown.output
    assert "Refund reasons: goodwill" in shown.output
    as_json = json.loads(runner.invoke(app, ["config", "check", str(file), "--json"]).stdout)
    assert as_json["refund_reasons"] == {"goodwill": "Goodwill"}

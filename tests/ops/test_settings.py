"""One settings object: flags > ORDERMILL_* > settings file > defaults; unknown variables
reported; ``config show`` masks secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ordermill.ops.settings import environment, load_settings, mask_url, unknown_variables


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ordermill.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_flags_over_environment_over_file_over_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("ORDERMILL_") and not name.startswith("ORDERMILL_TEST_"):
            monkeypatch.delenv(name)
    path = _file(tmp_path, 'port = 7000\nworkers = 3\nlog_level = "debug"\npool_size = 4\n')
    monkeypatch.setenv("ORDERMILL_PORT", "7100")
    monkeypatch.setenv("ORDERMILL_WORKERS", "5")
    found = load_settings(path, port=7200)
    assert found.port == 7200  # flag
    assert found.workers == 5  # environment
    assert found.log_level == "DEBUG"  # file
    assert found.pool_size == 4  # file
    assert found.max_overflow == 20  # default
    monkeypatch.setenv("ORDERMILL_SETTINGS_FILE", str(path))
    assert load_settings().pool_size == 4


def test_a_children_environment_reproduces_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path, 'cors_origins = ["https://shop.example"]\nsecret_key = "k"\n')
    found = load_settings(path, port=7300)
    for variable, value in environment(found).items():
        if value is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, value)
    monkeypatch.delenv("ORDERMILL_SETTINGS_FILE", raising=False)
    assert load_settings() == found


def test_unknown_variables_are_reported_and_test_switches_are_not() -> None:
    environ = {
        "ORDERMILL_DATABSE_URL": "x",
        "ORDERMILL_TEST_DISABLE_LOCKS": "1",
        "ORDERMILL_ENV": "test",
        "ORDERMILL_LOG_FORMAT": "json",
        "PATH": "/bin",
    }
    assert unknown_variables(environ) == ["ORDERMILL_DATABSE_URL"]


def test_unknown_setting_in_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown settings prot"):
        load_settings(_file(tmp_path, "prot = 1\n"))


def test_config_show_masks_secrets_and_lists_unknown_variables(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ORDERMILL_DATABASE_URL": "postgresql://shop:hunter2@db.example/shop",
        "ORDERMILL_SECRET_KEY": "very-secret-key",
        "ORDERMILL_DATABSE_URL": "typo",
    }
    shown = subprocess.run(
        [sys.executable, "-m", "ordermill", "config", "show", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "hunter2" not in shown.stdout
    assert "very-secret-key" not in shown.stdout
    data = json.loads(shown.stdout)
    assert data["settings"]["database_url"] == "postgresql://shop:***@db.example/shop"
    assert data["settings"]["secret_key"] == "***"
    assert data["unknown_variables"] == ["ORDERMILL_DATABSE_URL"]
    table = subprocess.run(
        [sys.executable, "-m", "ordermill", "config", "show"],
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "ORDERMILL_DATABSE_URL" in table.stdout
    assert "hunter2" not in table.stdout


def test_mask_url() -> None:
    assert mask_url("postgresql://u:p@h:5432/d") == "postgresql://u:***@h:5432/d"
    assert mask_url("postgresql://u@h/d") == "postgresql://u@h/d"
    assert mask_url("sqlite:///x.db") == "sqlite:///x.db"

"""The README's quick start works: every ``ordermill`` line of its Tour, and the commands of
``make demo``, run as shown against a fresh database of each backend."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ordermill.cli import app

ROOT = Path(__file__).parents[2]


def tour_commands() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = readme.split("### Tour", 1)[1]
    block = re.search(r"```console\n(.*?)```", tour, re.DOTALL)
    assert block is not None, "the Tour has no ```console block"
    lines = [line[2:] for line in block.group(1).splitlines() if line.startswith("$ ordermill ")]
    return [shlex.split(line)[1:] for line in lines]


def make_demo_commands(db_url: str) -> list[list[str]]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    return [
        shlex.split(line.strip().replace("$(DB)", db_url).replace("$(PORT)", "8000"))[1:]
        for line in recipe.splitlines()
        if line.strip().startswith("$(BIN)/ordermill ")
    ]


def test_the_readme_shows_the_two_set_up_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("###", 1)[0]
    assert "$ make demo" in quick_start and "$ make test" in quick_start
    assert len(tour_commands()) >= 10


def test_every_tour_command_runs_as_shown(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: served.append(kw))
    for name in ("ORDERMILL_DATABASE_URL", "ORDERMILL_CONFIG"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    outputs = []
    for argv in tour_commands():
        result = runner.invoke(app, argv, env={"ORDERMILL_DATABASE_URL": db_url})
        assert result.exit_code == 0, f"ordermill {shlex.join(argv)}\n{result.output}"
        outputs.append((argv, result.stdout))
    imports = [out for argv, out in outputs if argv[0] == "import"]
    assert "Imported 0 orders" in imports[-1] and "already present" in imports[-1]
    assert served and served[0]["workers"] == 2


def test_make_demo_runs_its_commands(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    served: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: served.append(kw))
    commands = make_demo_commands(db_url)
    assert commands and commands[0][0] == "demo"
    assert commands[-1][0] == "serve", "make demo ends by serving the API and admin pages"
    runner = CliRunner()
    for argv in commands:
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, f"ordermill {shlex.join(argv)}\n{result.output}"
    assert served and served[0]["port"] == 8000

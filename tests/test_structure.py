"""The layout's rules that import-linter cannot state.

- SQL lives only in ``db/``: outside ``ordermill.db`` a module may name SQLAlchemy's
  connection types in its signatures (``sqlalchemy.engine``: ``Connection``, ``Engine``,
  ``Row``) and nothing else of it, so that no statement can be built anywhere else.
- Modules a reader can take in at once (at most 400 lines).
- No import cycles (import-linter checks the layers between packages; a cycle inside
  one is caught here).
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import grimp
import pytest

import ordermill

PACKAGE = Path(ordermill.__file__).parent
ALLOWED = {"sqlalchemy.engine"}


def _modules_outside_db() -> list[Path]:
    return sorted(
        path for path in PACKAGE.rglob("*.py") if path.relative_to(PACKAGE).parts[0] != "db"
    )


def _sqlalchemy_imports(path: Path) -> list[str]:
    """Every ``import sqlalchemy...`` and ``from sqlalchemy... import`` in the module,
    at any depth (inside functions and ``if TYPE_CHECKING:`` too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [
            f"line {node.lineno}: {name}"
            for name in names
            if (name == "sqlalchemy" or name.startswith("sqlalchemy.")) and name not in ALLOWED
        ]
    return found


def test_the_package_has_modules_outside_db() -> None:
    assert len(_modules_outside_db()) > 50


@pytest.mark.parametrize("path", _modules_outside_db(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_sqlalchemy_outside_db(path: Path) -> None:
    """SQL only in db/: a module elsewhere asks a db/ function for what it needs."""
    assert _sqlalchemy_imports(path) == []


def test_the_check_sees_an_import(tmp_path: Path) -> None:
    """The check itself: it finds a statement builder imported in a function."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f():\n    import sqlalchemy as sa\n    from sqlalchemy.engine import Row\n",
        encoding="utf-8",
    )
    assert _sqlalchemy_imports(probe) == ["line 2: sqlalchemy"]


_MAX_MODULE_LINES = 400
# Generated, one per schema change, and never edited afterwards.
_EXEMPT = PACKAGE / "db" / "migrations" / "versions"


def test_no_module_is_longer_than_400_lines() -> None:
    too_long = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if not path.is_relative_to(_EXEMPT)
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > _MAX_MODULE_LINES
    }
    assert too_long == {}, f"split these modules (lines each, at most {_MAX_MODULE_LINES})"


def test_no_import_cycles() -> None:
    # grimp reads every import statement, including those inside functions and under
    # TYPE_CHECKING: a cycle hidden in a function is still a cycle for a reader.
    graph = grimp.build_graph("ordermill")
    modules = sorted(graph.modules)
    cycles = []
    for a, b in itertools.combinations(modules, 2):
        there = graph.find_shortest_chain(importer=a, imported=b)
        if there is None:
            continue
        back = graph.find_shortest_chain(importer=b, imported=a)
        if back is not None:
            cycles.append(" -> ".join([*there, *back[1:]]))
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)

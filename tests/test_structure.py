"""The shape of the source tree: modules a reader can take in at once, and layers without
cycles (import-linter checks the layers between packages; a cycle inside one is caught here).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import grimp

import ordermill

_PACKAGE = Path(ordermill.__file__).parent
_MAX_MODULE_LINES = 400
# Generated, one per schema change, and never edited afterwards.
_EXEMPT = _PACKAGE / "db" / "migrations" / "versions"


def test_no_module_is_longer_than_400_lines() -> None:
    too_long = {
        str(path.relative_to(_PACKAGE)): lines
        for path in sorted(_PACKAGE.rglob("*.py"))
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

"""Helpers for testing code that uses ordermill (and for ordermill's own tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from ordermill.db.engine import on_statement

__all__ = ["StatementLog", "count_statements"]

_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class StatementLog:
    """The SQL statements an engine sent while the block ran (executemany counts once)."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Statements other than transaction control: what a reviewer counts on a hot path."""
        return sum(
            1 for s in self.statements if not s.lstrip().upper().startswith(_TRANSACTION_CONTROL)
        )

    def matching(self, fragment: str) -> list[str]:
        return [s for s in self.statements if fragment.lower() in s.lower()]


@contextmanager
def count_statements(engine: Engine) -> Iterator[StatementLog]:
    log = StatementLog()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        log.statements.append(statement)

    with on_statement(engine, before):
        yield log

"""Exit codes, and the one place that turns an error into a message without a traceback.

0 success · 1 the operation was refused or failed (not found, conflict, a database
error) · 2 bad usage or bad input (invalid value, invalid file or configuration;
also what Typer returns for a malformed command line) · 75 (``EX_TEMPFAIL``) the
database is unavailable, lost the connection or timed out (``db.errors.unavailable``):
nothing to fix in the command, run it again shortly.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from ordermill.db.errors import DatabaseError, OperationalError, ProgrammingError, unavailable
from ordermill.domain.errors import (
    AccessDenied,
    ConfigError,
    Conflict,
    InvalidImport,
    InvalidInput,
    NotFound,
    OmsError,
    ServiceUnavailable,
)

__all__ = ["EXIT_CODES", "OrdermillGroup", "exit_code", "report_error"]

# The first class an error is an instance of gives its exit code.
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (ConfigError, 2),
    (InvalidInput, 2),
    (NotFound, 1),
    (Conflict, 1),
    (AccessDenied, 1),
    (ServiceUnavailable, 75),
    (OmsError, 1),
    (DatabaseError, 1),
    (OSError, 1),
)

_err = Console(stderr=True, highlight=False, soft_wrap=True)


def exit_code(error: BaseException) -> int:
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return code
    raise error


def _database_message(error: DatabaseError) -> str:
    original = getattr(error, "orig", None) or error
    first = str(original).strip().splitlines()[0] if str(original).strip() else repr(original)
    if isinstance(error, (OperationalError, ProgrammingError)) and (
        "no such table" in first or "does not exist" in first
    ):
        return f"database error: {first} (has the database been set up? run `ordermill migrate`)"
    return f"database error: {first}"


def report_error(error: BaseException) -> int:
    """Print ``error`` for a person (stderr, no traceback) and return its exit code."""
    mapped = unavailable(error) if isinstance(error, DatabaseError) else None
    code = exit_code(mapped or error)
    if isinstance(error, DatabaseError):
        message = _database_message(error)
        if mapped is not None:
            message = f"{mapped.message} ({message})"
    elif isinstance(error, OSError) and not isinstance(error, OmsError):
        message = f"{error.strerror or error}: {error.filename}" if error.filename else str(error)
    else:
        message = str(error)
    _err.print(Text("error: ", style="bold red") + Text(message))
    problems: list[str] = []
    if isinstance(error, (ConfigError, InvalidImport)):
        problems = error.problems
    for problem in problems:
        _err.print(Text(f"  {problem}"))
    more = int(getattr(error, "details", {}).get("invalid", 0)) - len(problems)
    if isinstance(error, InvalidImport) and more > 0:
        _err.print(Text(f"  ... and {more} more"))
    return code


class OrdermillGroup(TyperGroup):
    """The root command: every error of every subcommand is reported here, once."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (OmsError, DatabaseError, OSError) as error:
            raise typer.Exit(report_error(error)) from None

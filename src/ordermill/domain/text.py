"""Text a database can store, checked where input enters a service.

PostgreSQL's ``text`` holds no NUL character, and neither database (nor the UTF-8
both speak) holds an unpaired surrogate, which a Python string can carry: a command
line argument that is not valid UTF-8 arrives as one. Either would fail deep in the
driver with an error that names no field; the services refuse it up front instead.
"""

from __future__ import annotations

__all__ = ["unstorable"]


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored ("a NUL character", ...), or None if it can."""
    if "\x00" in text:
        return "a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"an unpaired surrogate at position {error.start} (not valid Unicode)"
    return None

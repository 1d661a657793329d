"""Opening an order file: a path (``.gz`` decompressed) or an open binary stream, read in
1 MiB blocks while counting the bytes taken from the file itself, which is the progress an
import reports; and the text stream an export writes to."""

from __future__ import annotations

import gzip
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ordermill.domain.errors import InvalidImport

__all__ = [
    "COMPRESSION_ERRORS",
    "OpenedFile",
    "open_for_reading",
    "open_for_writing",
    "unreadable",
]


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from the file itself (compressed bytes for .gz): the progress."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


@dataclass
class OpenedFile:
    stream: IO[bytes]
    counter: _CountingReader
    size: int | None

    @property
    def bytes_read(self) -> int:
        return self.counter.count

    def close(self) -> None:
        self.stream.close()


def open_for_reading(source: str | os.PathLike[str] | IO[bytes]) -> OpenedFile:
    """A buffered binary stream over a path (``.gz`` decompressed) or an open binary file."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            raw: IO[bytes] = path.open("rb")
        except OSError as exc:
            raise InvalidImport(
                f"{path}: cannot open the file ({exc.strerror or exc})", file=str(path)
            ) from None
        size: int | None = path.stat().st_size
        counter = _CountingReader(raw)
        buffered: IO[bytes] = io.BufferedReader(counter, buffer_size=1 << 20)
        if path.name.lower().endswith(".gz"):
            buffered = gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[assignment]
        return OpenedFile(buffered, counter, size)
    counter = _CountingReader(source)
    return OpenedFile(io.BufferedReader(counter, buffer_size=1 << 20), counter, None)


def open_for_writing(target: str | os.PathLike[str]) -> IO[str]:
    """A text stream to a path (gzip-compressed when it ends in ``.gz``)."""
    path = Path(target)
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=6)
    return path.open("w", encoding="utf-8", newline="", buffering=1 << 20)


# What gzip raises for a file cut short (EOFError, which a command line framework would
# take for the user's Ctrl+D) or damaged; both become InvalidImport.
COMPRESSION_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


def unreadable(name: str, line: int, exc: BaseException) -> InvalidImport:
    reason = "truncated" if isinstance(exc, EOFError) else f"corrupt ({exc})"
    return InvalidImport(
        f"{name}: the compressed file is {reason} (line {line})", file=name, line=line
    )

"""``load_config``: a configuration from a file path, a mapping, a ``Config`` or nothing
(the defaults). The file shape itself is files.py's."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ordermill.domain.config.models import Config


def load_config(
    source: str | os.PathLike[str] | Mapping[str, Any] | Config | None = None,
) -> Config:
    """The configuration from a file path (a ``str`` is always a path, never JSON text), a
    ``{"oms": {"order": ...}}`` mapping, a ``Config`` (returned as is) or ``None`` (defaults)."""
    if source is None:
        return Config.default()
    if isinstance(source, Config):
        return source
    if isinstance(source, Mapping):
        return Config.from_dict(source)
    if isinstance(source, str | os.PathLike):
        return Config.from_file(source)
    raise TypeError(
        f"load_config() takes a file path, a mapping, a Config or None, not {type(source).__name__}"
    )

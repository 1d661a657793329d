"""Every setting of an ordermill process in one object, ``Settings``.

Where a value comes from, strongest first:

1. command-line flags (``ordermill serve --port 9000``);
2. ``ORDERMILL_<NAME>`` environment variables (``ORDERMILL_PORT=9000``);
3. a TOML file, ``--settings FILE`` or ``$ORDERMILL_SETTINGS_FILE`` (``port = 9000``);
4. the defaults below.

An ``ORDERMILL_*`` variable that names no setting is reported (``unknown_variables``,
a warning from ``load_settings`` and a line in ``ordermill config show``), never
silently ignored: a misspelt ``ORDERMILL_DATABSE_URL`` would otherwise leave the
default database in use. ``ORDERMILL_TEST_*`` switches are the test suite's, not
settings. ``masked()`` is the settings as text for people: passwords in URLs and keys
are replaced with ``***``.
"""

from __future__ import annotations

import json
import os
import tomllib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ordermill.db.engine import DEFAULT_STATEMENT_TIMEOUT
from ordermill.db.replica import DEFAULT_MAX_REPLICA_LAG

__all__ = [
    "ENV_PREFIX",
    "SETTINGS_FILE_ENV",
    "Settings",
    "environment",
    "load_settings",
    "mask_url",
    "unknown_variables",
]

ENV_PREFIX = "ORDERMILL_"
SETTINGS_FILE_ENV = "ORDERMILL_SETTINGS_FILE"
# Variables that are not settings but are ordermill's all the same: the settings file
# itself, the test suite's environment marker and switches, the benchmarks' and docs'.
_NOT_SETTINGS = frozenset({"SETTINGS_FILE", "ENV", "HYPOTHESIS_PROFILE", "UPDATE_EVENT_DOCS"})
_NOT_SETTINGS_PREFIXES = ("TEST_", "BENCH_", "SCHEMATHESIS_")

LogFormat = Literal["auto", "json", "console"]


class _TomlFile(PydanticBaseSettingsSource):
    """The settings file: flat ``name = value`` pairs named like the fields."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self.path = path
        self.data: dict[str, Any] = {}
        if path is not None:
            with path.open("rb") as handle:
                self.data = tomllib.load(handle)
            unknown = sorted(set(self.data) - set(settings_cls.model_fields))
            if unknown:
                raise ValueError(f"{path}: unknown settings {', '.join(unknown)}")

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.data)


class Settings(BaseSettings):
    """The settings of the service, the relay and the command line (see the module doc)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", validate_default=True, frozen=True
    )

    # -- the database ------------------------------------------------------------
    database_url: str = Field(
        "sqlite:///ordermill.db", description="postgresql://... or sqlite:///path.db"
    )
    read_database_url: str | None = Field(None, description="A read replica for reads")
    pool_size: int = Field(10, ge=1, description="Connections kept per process")
    max_overflow: int = Field(20, ge=0, description="Connections above pool_size at peak")
    statement_timeout: float = Field(
        DEFAULT_STATEMENT_TIMEOUT,
        ge=0,
        description="Seconds a statement of a request may run before it is cancelled; 0: none",
    )
    max_replica_lag: float = Field(
        DEFAULT_MAX_REPLICA_LAG,
        gt=0,
        description="Seconds the read replica may lag; further behind, the primary reads",
    )
    config: Path | None = Field(None, description="Status configuration file (.json or .toml)")
    # -- the service -----------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Interface to listen on")
    port: int = Field(8000, ge=1, le=65535, description="TCP port")
    workers: int = Field(1, ge=1, description="Worker processes")
    graceful_timeout: int = Field(
        30, ge=0, description="On SIGTERM, seconds requests in flight get to finish"
    )
    secret_key: SecretStr | None = Field(
        None, description="Signs admin sessions, encrypts webhook secrets"
    )
    max_body_bytes: int = Field(1024 * 1024, ge=1, description="Largest request body")
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser"
    )
    trusted_proxies: list[str] = Field(
        default_factory=list, description="Proxy addresses whose X-Forwarded-* are believed"
    )
    # -- observing it ------------------------------------------------------------------
    log_format: LogFormat = Field(
        "auto", description="json, console, or auto (console on a terminal)"
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    metrics_enabled: bool = Field(True, description="Serve Prometheus metrics")
    metrics_bind: str | None = Field(
        None, description="host:port for /metrics apart (else admin tokens on the main port)"
    )
    otel_endpoint: str | None = Field(
        None, description="OTLP endpoint for traces (needs ordermill[otel])"
    )
    # -- the event relay -------------------------------------------------------------------
    relay_nats_url: str | None = Field(None, description="NATS URL (JetStream)")
    relay_nats_stream: str = Field("ORDERMILL", description="JetStream stream")
    relay_poll_interval: float = Field(1.0, gt=0, description="Seconds between polls")
    relay_retention_days: float = Field(30.0, ge=0, description="Days of delivery log kept")
    webhook_timeout: float = Field(10.0, gt=0, description="Seconds per webhook request")
    webhook_retry_base: float = Field(5.0, ge=0, description="First retry delay bound (s)")
    webhook_retry_cap: float = Field(3600.0, ge=0, description="Longest retry delay (s)")
    webhook_retry_window: float = Field(
        36 * 3600.0, ge=0, description="Failing this long disables an endpoint (s)"
    )

    @field_validator("log_format", mode="before")
    @classmethod
    def _text_is_console(cls, value: object) -> object:
        # ORDERMILL_LOG_FORMAT=text predates "console" and keeps working.
        return "console" if isinstance(value, str) and value.lower() == "text" else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlFile(settings_cls, _FILE.get("path")))

    def masked(self) -> dict[str, Any]:
        """The settings as plain values, with passwords and keys replaced by ``***``."""
        values = self.model_dump(mode="json")
        for name in ("database_url", "read_database_url", "relay_nats_url", "otel_endpoint"):
            if values.get(name):
                values[name] = mask_url(values[name])
        if self.secret_key is not None:
            values["secret_key"] = "***"  # noqa: S105 - the mask, not a key
        return values


# The file the next Settings() reads (set by load_settings around the construction).
_FILE: dict[str, Path | None] = {}


def mask_url(url: str) -> str:
    """``url`` with its password, if any, as ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    credentials, _, host = rest.partition("@")
    user, colon, _password = credentials.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}"


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """The ``ORDERMILL_*`` variables that name no setting (test switches excepted)."""
    environ = os.environ if environ is None else environ
    known = {name.upper() for name in Settings.model_fields}
    found = []
    for variable in environ:
        if not variable.startswith(ENV_PREFIX):
            continue
        name = variable[len(ENV_PREFIX) :]
        if name in known or name in _NOT_SETTINGS or name.startswith(_NOT_SETTINGS_PREFIXES):
            continue
        found.append(variable)
    return sorted(found)


def load_settings(file: Path | None = None, *, warn: bool = True, **flags: Any) -> Settings:
    """The effective settings: ``flags`` (those not None) over the environment over
    ``file`` (default ``$ORDERMILL_SETTINGS_FILE``) over the defaults.

    Warns (``UserWarning``) naming every unknown ``ORDERMILL_*`` variable.
    """
    path = file or (
        Path(os.environ[SETTINGS_FILE_ENV]) if os.environ.get(SETTINGS_FILE_ENV) else None
    )
    _FILE["path"] = path
    try:
        settings = Settings(**{k: v for k, v in flags.items() if v is not None})
    finally:
        _FILE.pop("path", None)
    unknown = unknown_variables()
    if warn and unknown:
        warnings.warn(
            f"unknown ordermill environment variables (no such setting): {', '.join(unknown)}",
            UserWarning,
            stacklevel=2,
        )
    return settings


def environment(settings: Settings) -> dict[str, str | None]:
    """The settings as ``ORDERMILL_*`` variables (None: unset it), for child processes:
    a worker that reads them gets exactly these settings, whatever file or flags made them."""
    found: dict[str, str | None] = {}
    for name, value in settings.model_dump(mode="json").items():
        if name == "secret_key":
            value = settings.secret_key.get_secret_value() if settings.secret_key else None
        variable = f"{ENV_PREFIX}{name.upper()}"
        if value is None:
            found[variable] = None
        elif isinstance(value, list | dict):
            found[variable] = json.dumps(value)
        else:
            found[variable] = str(value)
    return found

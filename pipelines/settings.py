"""Settings from the environment and a `.env` file, named as in the design contract."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

PRODUCTION_BASE_URL = "https://api.elevenlabs.io"
# The knee measured by bench/client_concurrency.py on a 2-core machine (32 -> 64 in flight:
# +75% req/s; 64 -> 128: +15%); see bench/RESULTS.md.
DEFAULT_CONCURRENCY = 64
DEFAULT_LOOKBACK_DAYS = 2
DEFAULT_SCHEDULE_CRON = "0 2 * * *"


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


class Secret:
    """A string that never shows itself in repr, str, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class Settings:
    """The product's settings; field names follow the environment variables."""

    api_key: Secret | None
    base_url: str
    lake_dir: Path
    concurrency: int
    lookback_days: int
    schedule_cron: str
    retention_days: int | None
    allow_insecure_http: bool

    @property
    def warehouse_path(self) -> Path:
        return self.lake_dir / "warehouse.duckdb"


def load_env_file() -> None:
    """Honour a `.env` file in the working directory without overriding real variables."""
    load_dotenv(Path.cwd() / ".env", override=False)


def _int(env: dict[str, str], name: str, minimum: int) -> int | None:
    """The whole number in `name`, or None when it is unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _flag(env: dict[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from `environ` (default: the process environment)."""
    env = dict(os.environ if environ is None else environ)
    key = env.get("ELEVENLABS_API_KEY", "").strip()
    concurrency = _int(env, "CONVAI_CONCURRENCY", 1)
    lookback = _int(env, "CONVAI_LOOKBACK_DAYS", 0)
    return Settings(
        api_key=Secret(key) if key else None,
        base_url=env.get("ELEVENLABS_BASE_URL", "").strip().rstrip("/") or PRODUCTION_BASE_URL,
        lake_dir=Path(env.get("CONVAI_LAKE_DIR", "").strip() or "data"),
        concurrency=DEFAULT_CONCURRENCY if concurrency is None else concurrency,
        lookback_days=DEFAULT_LOOKBACK_DAYS if lookback is None else lookback,
        schedule_cron=env.get("CONVAI_SCHEDULE_CRON", "").strip() or DEFAULT_SCHEDULE_CRON,
        retention_days=_int(env, "CONVAI_RETENTION_DAYS", 1),
        allow_insecure_http=_flag(env, "CONVAI_ALLOW_INSECURE_HTTP"),
    )

"""Settings from the environment and a `.env` file, named as in the design contract."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

from pipelines.object_store import StoreError, is_store_url, working_copy_dir

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
    # When CONVAI_LAKE_DIR is an object-store URL: that URL, `lake_dir` being its local
    # working copy (under CONVAI_CACHE_DIR); see docs/object-store.md.
    lake_store: str | None = None

    @property
    def warehouse_path(self) -> Path:
        """The local warehouse file (for a lake in object storage: its working copy)."""
        return self.lake_dir / "warehouse.duckdb"

    @property
    def warehouse_location(self) -> str:
        """Where the published warehouse is: its object URL, or its local path."""
        if self.lake_store:
            return f"{self.lake_store}/{self.warehouse_path.name}"
        return str(self.warehouse_path.absolute())

    @property
    def lake_location(self) -> str:
        """CONVAI_LAKE_DIR as the user gave it: the store URL or the directory."""
        return self.lake_store or str(self.lake_dir)


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


def default_cache_root(env: dict[str, str]) -> Path:
    """CONVAI_CACHE_DIR, else `$XDG_CACHE_HOME/convai-lake` (default `~/.cache/convai-lake`)."""
    explicit = env.get("CONVAI_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit).absolute()
    xdg = env.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "convai-lake"


def _lake(env: dict[str, str]) -> tuple[Path, str | None]:
    """The local lake directory and, for an object-store lake, its URL."""
    location = env.get("CONVAI_LAKE_DIR", "").strip() or "data"
    if not is_store_url(location):
        return Path(location), None
    try:
        return working_copy_dir(location, default_cache_root(env)), location.rstrip("/")
    except StoreError as error:
        raise SettingsError(str(error)) from None


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from `environ` (default: the process environment)."""
    env = dict(os.environ if environ is None else environ)
    key = env.get("ELEVENLABS_API_KEY", "").strip()
    concurrency = _int(env, "CONVAI_CONCURRENCY", 1)
    lookback = _int(env, "CONVAI_LOOKBACK_DAYS", 0)
    lake_dir, lake_store = _lake(env)
    return Settings(
        api_key=Secret(key) if key else None,
        base_url=env.get("ELEVENLABS_BASE_URL", "").strip().rstrip("/") or PRODUCTION_BASE_URL,
        lake_dir=lake_dir,
        concurrency=DEFAULT_CONCURRENCY if concurrency is None else concurrency,
        lookback_days=DEFAULT_LOOKBACK_DAYS if lookback is None else lookback,
        schedule_cron=env.get("CONVAI_SCHEDULE_CRON", "").strip() or DEFAULT_SCHEDULE_CRON,
        retention_days=_int(env, "CONVAI_RETENTION_DAYS", 1),
        allow_insecure_http=_flag(env, "CONVAI_ALLOW_INSECURE_HTTP"),
        lake_store=lake_store,
    )

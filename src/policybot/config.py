"""One frozen settings object, built from environment variables and flags.

Secrets (the Telegram token) come only from the environment or a `.env` file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Mapping

from .errors import ConfigError

#: Where the checkout's shipped corpus lives when policybot runs from a clone.
_CHECKOUT_ROOT = Path(__file__).resolve().parents[2]


def default_home() -> Path:
    """The checkout root when it ships `corpus/`, else ~/.policybot."""
    if (_CHECKOUT_ROOT / "corpus").is_dir() and (_CHECKOUT_ROOT / "pyproject.toml").is_file():
        return _CHECKOUT_ROOT
    return Path.home() / ".policybot"


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number", f"set {name} to digits only") from None


def _top_k(env: Mapping[str, str]) -> int:
    """POLICYBOT_TOP_K: how many passages an answer shows (1–50; 0 would answer every question with nothing)."""
    value = _int_env(env, "POLICYBOT_TOP_K", 3)
    if not 1 <= value <= 50:
        raise ConfigError(f"POLICYBOT_TOP_K={value} is out of range", "set POLICYBOT_TOP_K between 1 and 50, e.g. 3")
    return value


def _float_env(env: Mapping[str, str], name: str) -> tuple[str, float] | None:
    """The variable's text and its number (NaN when it is no number), or None when it is unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return raw, float(raw)
    except ValueError:
        return raw, float("nan")


def _seconds_env(env: Mapping[str, str], name: str, default: float) -> float:
    found = _float_env(env, name)
    if found is None:
        return default
    raw, value = found
    if not 0 < value <= 3600:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds", f"set {name} to e.g. 15 or 2.5")
    return value


def _minutes_env(env: Mapping[str, str], name: str, default: float) -> float:
    """Minutes, 0 meaning "never" (up to a week)."""
    found = _float_env(env, name)
    if found is None:
        return default
    raw, value = found
    if not 0 <= value <= 7 * 24 * 60:
        raise ConfigError(f"{name}={raw!r} is not a number of minutes", f"set {name} to e.g. 30, or 0 to turn it off")
    return value


def _admin_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise ConfigError(
                f"POLICYBOT_ADMIN_IDS has {part!r}, which is not a Telegram user id",
                "give numeric ids separated by commas, e.g. POLICYBOT_ADMIN_IDS=12345,67890",
            ) from None
    return frozenset(ids)


def day_setting(raw: str, name: str) -> date | None:
    """A YYYY-MM-DD day from a variable or flag (None when empty); ConfigError otherwise."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw[:40]!r} is not a day", f"give {name} as YYYY-MM-DD, e.g. 2024-06-08") from None


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines of a .env file (no shell expansion)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


@dataclass(frozen=True)
class Settings:
    """Everything configurable, in one place."""

    home: Path
    top_k: int = 3
    max_input_bytes: int = 100 * 1024 * 1024
    url_timeout: float = 15.0
    url_max_bytes: int = 20 * 1024 * 1024
    telegram_token: str = field(default="", repr=False)
    telegram_api_url: str = "https://api.telegram.org"
    admin_ids: frozenset[int] = frozenset()
    max_upload_bytes: int = 20 * 1024 * 1024
    #: Minutes between the bot's checks of the feeds it follows (0: the bot does not check them).
    feed_interval: float = 30.0
    #: "Today" for relative time words in questions (今年, 上个月, 最新); None: the system date.
    today: date | None = None
    #: Fetch URLs on this machine and private networks too (tests, intranet deployments).
    allow_private_urls: bool = False

    @property
    def corpus_dir(self) -> Path:
        """Article files dropped here by hand are indexed."""
        return self.home / "corpus"

    @property
    def state_dir(self) -> Path:
        """The SQLite store and caches."""
        return self.home / ".policybot"

    @property
    def db_path(self) -> Path:
        return self.state_dir / "store.sqlite3"

    def with_overrides(self, **changes: object) -> "Settings":
        """A copy with some fields replaced (flags win over the environment)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, home: Path | str | None = None) -> "Settings":
        """Build settings from the environment, then `.env` in the working directory, then `.env` in the
        home (the first that sets a variable wins)."""
        merged: dict[str, str] = read_dotenv(Path.cwd() / ".env")
        merged.update(os.environ if env is None else env)
        home_path = Path(home or merged.get("POLICYBOT_HOME") or default_home()).expanduser()
        merged = read_dotenv(home_path / ".env") | merged
        return cls(
            home=home_path.resolve(),
            top_k=_top_k(merged),
            max_input_bytes=_int_env(merged, "POLICYBOT_MAX_INPUT_BYTES", 100 * 1024 * 1024),
            url_timeout=_seconds_env(merged, "POLICYBOT_URL_TIMEOUT", 15.0),
            url_max_bytes=_int_env(merged, "POLICYBOT_URL_MAX_BYTES", 20 * 1024 * 1024),
            today=day_setting(merged.get("POLICYBOT_TODAY", ""), "POLICYBOT_TODAY"),
            telegram_token=merged.get("TELEGRAM_BOT_TOKEN", "").strip(),
            telegram_api_url=merged.get("TELEGRAM_API_URL", "").strip().rstrip("/") or "https://api.telegram.org",
            admin_ids=_admin_ids(merged.get("POLICYBOT_ADMIN_IDS", "")),
            feed_interval=_minutes_env(merged, "POLICYBOT_FEED_INTERVAL", 30.0),
            allow_private_urls=merged.get("POLICYBOT_ALLOW_PRIVATE_URLS", "").strip() == "1",
        )

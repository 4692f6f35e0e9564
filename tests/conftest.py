"""Shared fixtures and helpers: temporary homes with real files and a real SQLite store, a clean
environment for policybot processes, and the fake Telegram Bot API with the bot running against it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from policybot.config import Settings
from policybot.corpus import Corpus

if TYPE_CHECKING:
    from fakebotapi import FakeBotAPI
    from feedserver import FeedServer
    from telegram_harness import RunningBot

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "000_9b034201a5caef24.txt"
#: policybot's own settings: a developer's shell (or .env) may export them, and no test may see them.
OWN_SETTINGS = ("POLICYBOT_", "TELEGRAM_")
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
#: What picks the command line's language: tests run in English unless they set one.
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


# ---- environment --------------------------------------------------------------------------------


def _scrubbed(name: str, also: tuple[str, ...]) -> bool:
    return name.startswith(OWN_SETTINGS) or name in LOCALE_VARS or name in also


def clean_env(also: tuple[str, ...] = (), **extra: str) -> dict[str, str]:
    """The environment for a policybot process: this one's without policybot's own settings (nor the
    variables `also` names), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not _scrubbed(k, also)}
    env["LANG"] = "C.UTF-8"  # English messages, UTF-8 output, whatever the developer's locale
    env.update(extra)
    return env


def scrub_environ(patch: pytest.MonkeyPatch, also: tuple[str, ...] = ()) -> None:
    """Remove policybot's own settings (and the variables `also` names) from os.environ, undone by `patch`."""
    for name in list(os.environ):
        if _scrubbed(name, also):
            patch.delenv(name)


# ---- homes and corpora ----------------------------------------------------------------------------


def make_seed_home(home: Path) -> Path:
    """`home` with corpus/ holding the seed article, as a fresh clone has (not yet indexed)."""
    (home / "corpus").mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, home / "corpus" / SEED.name)
    return home


def make_corpus(home: Path, **overrides: object) -> Corpus:
    settings = Settings.from_env(env={}, home=home).with_overrides(**overrides)
    return Corpus(settings)


@pytest.fixture
def empty_home(tmp_path: Path) -> Path:
    """A home folder with an empty corpus/."""
    (tmp_path / "corpus").mkdir()
    return tmp_path


@pytest.fixture
def seed_home(empty_home: Path) -> Path:
    """A home whose corpus/ holds the seed article, as a fresh clone has."""
    return make_seed_home(empty_home)


@pytest.fixture
def seed_corpus(seed_home: Path) -> Corpus:
    """A Corpus over the seed home, synced (the seed is indexed)."""
    corpus = make_corpus(seed_home)
    corpus.sync()
    return corpus


@pytest.fixture
def empty_corpus(empty_home: Path) -> Corpus:
    return make_corpus(empty_home)


# ---- Telegram -----------------------------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    """The strict fake Bot API, serving on 127.0.0.1."""
    from fakebotapi import FakeBotAPI

    with FakeBotAPI(token="123456:TEST-token") as fake:
        yield fake


@pytest.fixture
def bot(api: FakeBotAPI, seed_home: Path) -> Iterator[RunningBot]:
    """The bot over the seed home, polling `api`; afterwards, it must have sent nothing Telegram rejects."""
    from telegram_harness import RunningBot

    with RunningBot(api, seed_home) as running:
        yield running
    api.assert_no_errors()


# ---- followed sources ---------------------------------------------------------------------------


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """The test news site with feeds (tests/feedserver.py) on 127.0.0.1, reached without a proxy."""
    from feedserver import FeedServer

    scrub_environ(monkeypatch, also=PROXY_VARS)
    with FeedServer(slow_seconds=4) as server:
        yield server

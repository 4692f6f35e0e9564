"""Shared fixtures: temporary homes with real files and a real SQLite store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policybot.config import Settings
from policybot.corpus import Corpus

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "000_9b034201a5caef24.txt"


@pytest.fixture
def empty_home(tmp_path: Path) -> Path:
    """A home folder with an empty corpus/."""
    (tmp_path / "corpus").mkdir()
    return tmp_path


@pytest.fixture
def seed_home(empty_home: Path) -> Path:
    """A home whose corpus/ holds the seed article, as a fresh clone has."""
    shutil.copy(SEED, empty_home / "corpus" / SEED.name)
    return empty_home


def make_corpus(home: Path, **overrides: object) -> Corpus:
    settings = Settings.from_env(env={}, home=home).with_overrides(**overrides)
    return Corpus(settings)


@pytest.fixture
def seed_corpus(seed_home: Path) -> Corpus:
    """A Corpus over the seed home, synced (the seed is indexed)."""
    corpus = make_corpus(seed_home)
    corpus.sync()
    return corpus


@pytest.fixture
def empty_corpus(empty_home: Path) -> Corpus:
    return make_corpus(empty_home)

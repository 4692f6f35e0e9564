"""The feedback tables in a real store: created on first use without a schema change, bounded, exported."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import make_corpus
from policybot import feedbackstore
from policybot.store import SCHEMA_VERSION


def test_tables_are_created_on_first_use_and_the_schema_version_stays(empty_home: Path) -> None:
    corpus = make_corpus(empty_home)
    corpus.feedback.note_unanswered("长城有多长?")
    with sqlite3.connect(corpus.settings.db_path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"feedback", "unanswered"} <= tables
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    generation = corpus.generation()
    corpus.feedback.rate("问题", "a1", 3, 1)
    assert corpus.generation() == generation  # ratings never make readers reload the index
    # Another process (a new Corpus) sees them.
    assert [r.paragraph for r in make_corpus(empty_home).feedback.ratings()] == [3]


def test_a_rating_is_one_or_minus_one(empty_corpus) -> None:
    with pytest.raises(ValueError):
        empty_corpus.feedback.rate("问题", "a1", 3, 0)
    assert list(empty_corpus.feedback.ratings()) == []


def test_unanswered_questions_count_up_and_the_rarest_oldest_go_first(empty_corpus, monkeypatch) -> None:
    monkeypatch.setattr(feedbackstore, "MAX_UNANSWERED", 3)
    log = empty_corpus.feedback
    for at, question in enumerate(["甲?", "乙?", "甲?", " 甲? ", "丙?", "丁?"]):
        log.note_unanswered(question, at=float(at))
    rows = log.unanswered()
    assert [(r.question, r.count) for r in rows] == [("甲?", 3), ("丁?", 1), ("丙?", 1)]  # 乙 was dropped
    log.note_unanswered("")
    assert len(log.unanswered()) == 3

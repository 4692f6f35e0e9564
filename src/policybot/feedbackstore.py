"""The store's part for what people told us: 👍/👎 on answers, and questions that got no passage.

Both tables live in the home's one SQLite file and are created on first use
with CREATE TABLE IF NOT EXISTS; the store's schema version does not change
(an older policybot simply does not look at them), and their writes do not
bump the store's generation (they never change what the index holds).
A rating names its passage by article id and paragraph, which survive a
reindex (passage row ids do not).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import ContextManager, Iterator

from .store import Store, ensure_tables, quiet_write

FEEDBACK_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    question TEXT NOT NULL,
    article_id TEXT NOT NULL,
    paragraph INTEGER NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    chat_id INTEGER,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS unanswered (
    question TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    first_at REAL NOT NULL,
    last_at REAL NOT NULL
);
"""
_TABLES = ("feedback", "unanswered")
#: Distinct unanswered questions kept; beyond it the rarest, then the oldest, are dropped.
MAX_UNANSWERED = 10_000
#: Characters of a question kept (a Telegram message can be 4,096 long).
MAX_QUESTION_CHARS = 500


@dataclass(frozen=True)
class Rating:
    """One 👍 (+1) or 👎 (-1) on a passage shown for a question."""

    question: str
    article_id: str
    paragraph: int
    rating: int
    at: float
    chat_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        """The export's JSON object (no chat id: the export is for improving answers, not for people)."""
        at = datetime.fromtimestamp(self.at, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        return {"q": self.question, "article_id": self.article_id, "paragraph": self.paragraph,
                "rating": self.rating, "at": at}


@dataclass(frozen=True)
class Unanswered:
    """A question that got no passage, how often, and when last."""

    question: str
    count: int
    last_at: float


class FeedbackLog:
    """Ratings and unanswered questions over one thread's store connection."""

    def __init__(self, store: Store) -> None:
        self.conn = store.conn
        ensure_tables(self.conn, _TABLES, FEEDBACK_SCHEMA)

    def _write(self) -> ContextManager[sqlite3.Connection]:
        return quiet_write(self.conn)

    def rate(self, question: str, article_id: str, paragraph: int, rating: int, chat_id: int | None = None,
             at: float | None = None) -> Rating:
        """Store one press of 👍 (rating 1) or 👎 (rating -1)."""
        if rating not in (-1, 1):
            raise ValueError(f"a rating is 1 or -1, not {rating!r}")
        row = Rating(question[:MAX_QUESTION_CHARS], article_id, paragraph, rating,
                     time.time() if at is None else at, chat_id)
        with self._write() as conn:
            conn.execute("INSERT INTO feedback (question, article_id, paragraph, rating, chat_id, at)"
                         " VALUES (?, ?, ?, ?, ?, ?)",
                         (row.question, row.article_id, row.paragraph, row.rating, row.chat_id, row.at))
        return row

    def ratings(self) -> Iterator[Rating]:
        """Every rating, oldest first."""
        for q, article_id, paragraph, rating, chat_id, at in self.conn.execute(
                "SELECT question, article_id, paragraph, rating, chat_id, at FROM feedback ORDER BY at, id"):
            yield Rating(q, article_id, int(paragraph), int(rating), float(at), chat_id)

    def note_unanswered(self, question: str, at: float | None = None) -> None:
        """Count a question that got no passage (the same text counts up)."""
        question = " ".join(question.split())[:MAX_QUESTION_CHARS]
        if not question:
            return
        now = time.time() if at is None else at
        with self._write() as conn:
            conn.execute("INSERT INTO unanswered (question, count, first_at, last_at) VALUES (?, 1, ?, ?)"
                         " ON CONFLICT(question) DO UPDATE SET count = count + 1, last_at = excluded.last_at",
                         (question, now, now))
            excess = conn.execute("SELECT COUNT(*) FROM unanswered").fetchone()[0] - MAX_UNANSWERED
            if excess > 0:
                conn.execute("DELETE FROM unanswered WHERE question IN (SELECT question FROM unanswered"
                             " ORDER BY count, last_at LIMIT ?)", (excess,))

    def unanswered(self, limit: int = 20) -> list[Unanswered]:
        """The most frequent unanswered questions (the most recent first among equals)."""
        rows = self.conn.execute("SELECT question, count, last_at FROM unanswered"
                                 " ORDER BY count DESC, last_at DESC LIMIT ?", (limit,))
        return [Unanswered(str(q), int(n), float(at)) for q, n, at in rows]

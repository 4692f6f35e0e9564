"""The store's part for followed sources: feeds, the links they listed, arrivals, subscriptions, alerts.

Everything a feed does is kept here, so a restarted bot (or the next cron run)
fetches nothing twice and alerts nobody twice. The tables live in the home's
one SQLite file and are created on first use with CREATE TABLE IF NOT EXISTS;
the store's schema version is not changed by them (an older policybot simply
does not look at them). Their writes do not bump the store's generation: they
never change what the index holds.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import ContextManager, Sequence

from .index import select_in
from .store import Store, ensure_tables, quiet_write

FEED_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL UNIQUE,
    added_at REAL NOT NULL,
    kind TEXT,
    etag TEXT,
    last_modified TEXT,
    checked_at REAL,
    last_new_at REAL,
    taken INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    lease_until REAL
);
CREATE TABLE IF NOT EXISTS feed_items (
    link TEXT PRIMARY KEY,
    feed_id INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
    title TEXT,
    date TEXT,
    status TEXT NOT NULL,
    article_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    first_seen REAL NOT NULL,
    last_tried REAL
);
CREATE TABLE IF NOT EXISTS feed_arrivals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL,
    feed_id INTEGER,
    arrived_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS subscriptions (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    user_id INTEGER,
    query TEXT NOT NULL,
    created_at REAL NOT NULL,
    seen_seq INTEGER NOT NULL,
    UNIQUE (chat_id, query)
);
CREATE TABLE IF NOT EXISTS alerts_sent (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    sent_at REAL NOT NULL,
    PRIMARY KEY (subscription_id, article_id)
);
"""
_TABLES = ("feeds", "feed_items", "feed_arrivals", "subscriptions", "alerts_sent")

class ItemStatus(StrEnum):
    """What became of a link a feed listed (feed_items.status)."""

    ADDED = "added"  # its page was stored
    DUPLICATE = "duplicate"  # its page's text (or the link itself) was stored already
    FAILED = "failed"  # it could not be read; tried again at a later check
    GAVE_UP = "gave_up"  # it failed too often; never tried again


@dataclass(frozen=True)
class FeedRow:
    """A followed source and what its last check found."""

    id: int
    name: str
    url: str
    added_at: float
    kind: str | None
    etag: str | None
    last_modified: str | None
    checked_at: float | None
    last_new_at: float | None
    taken: int
    last_error: str | None

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "url": self.url, "kind": self.kind, "checked_at": _iso(self.checked_at),
                "last_new_at": _iso(self.last_new_at), "taken": self.taken, "last_error": self.last_error}


@dataclass(frozen=True)
class ItemRow:
    """A link a feed listed, and what became of it."""

    link: str
    status: ItemStatus
    article_id: str | None
    attempts: int


@dataclass(frozen=True)
class SubscriptionRow:
    """A chat's standing question; arrivals up to `seen_seq` were already matched against it."""

    id: int
    chat_id: int
    user_id: int | None
    query: str
    created_at: float
    seen_seq: int


def _iso(stamp: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(stamp)) if stamp else None


_FEED_COLUMNS = "id, name, url, added_at, kind, etag, last_modified, checked_at, last_new_at, taken, last_error"
_SUB_COLUMNS = "id, chat_id, user_id, query, created_at, seen_seq"


class FeedStore:
    """Feed bookkeeping over one thread's store connection."""

    def __init__(self, store: Store) -> None:
        self.conn = store.conn
        ensure_tables(self.conn, _TABLES, FEED_SCHEMA)

    def _write(self) -> ContextManager[sqlite3.Connection]:
        return quiet_write(self.conn)

    # ---- feeds -------------------------------------------------------------------------------

    def add_feed(self, name: str, url: str) -> FeedRow | None:
        """A new feed, or None when the name or the URL is taken."""
        try:
            with self._write() as conn:
                cur = conn.execute("INSERT INTO feeds (name, url, added_at) VALUES (?, ?, ?)", (name, url, time.time()))
        except sqlite3.IntegrityError:
            return None
        return self.feed_by_id(int(cur.lastrowid))

    def feeds(self) -> list[FeedRow]:
        return [FeedRow(*r) for r in self.conn.execute(f"SELECT {_FEED_COLUMNS} FROM feeds ORDER BY name")]

    def feed_by_id(self, feed_id: int) -> FeedRow | None:
        row = self.conn.execute(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        return FeedRow(*row) if row else None

    def find_feed(self, name_or_url: str) -> FeedRow | None:
        """The feed with this name, else this URL."""
        row = self.conn.execute(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE name = ? UNION ALL "
                                f"SELECT {_FEED_COLUMNS} FROM feeds WHERE url = ? LIMIT 1",
                                (name_or_url, name_or_url)).fetchone()
        return FeedRow(*row) if row else None

    def remove_feed(self, feed_id: int) -> None:
        """Forget a feed (the links it listed stay known, so adding it again fetches nothing twice)."""
        with self._write() as conn:
            conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))

    def claim(self, feed_id: int, seconds: float) -> bool:
        """Take a feed for one check, unless another process or thread is checking it."""
        now = time.time()
        with self._write() as conn:
            cur = conn.execute("UPDATE feeds SET lease_until = ? WHERE id = ?"
                               " AND (lease_until IS NULL OR lease_until < ?)", (now + seconds, feed_id, now))
        return cur.rowcount == 1

    def record_check(self, feed_id: int, *, kind: str | None, etag: str | None, last_modified: str | None,
                     error: str | None, taken: int) -> None:
        """What a check found (a kind of None keeps the earlier one), the validators to send next time
        (None: none); releases the claim."""
        now = time.time()
        with self._write() as conn:
            conn.execute(
                "UPDATE feeds SET kind = COALESCE(?, kind), etag = ?,"
                " last_modified = ?, checked_at = ?, last_error = ?, taken = taken + ?,"
                " last_new_at = CASE WHEN ? > 0 THEN ? ELSE last_new_at END, lease_until = NULL WHERE id = ?",
                (kind, etag, last_modified, now, error, taken, taken, now, feed_id))

    # ---- links ---------------------------------------------------------------------------------

    def known_links(self, links: Sequence[str]) -> dict[str, ItemRow]:
        """Links seen before (from any feed) and what became of them."""
        rows = select_in(self.conn, "SELECT link, status, article_id, attempts FROM feed_items WHERE link", links)
        return {str(link): ItemRow(str(link), ItemStatus(status), None if article is None else str(article), int(attempts))
                for link, status, article, attempts in rows}

    def stored_urls(self, links: Sequence[str]) -> dict[str, str]:
        """Links that are already an article's URL (added by hand, say): link -> article id."""
        rows = select_in(self.conn, "SELECT url, id FROM articles WHERE url", links)
        return {str(url): str(article_id) for url, article_id in rows}

    def record_item(self, link: str, feed_id: int, *, title: str, date: str | None, status: ItemStatus,
                    article_id: str | None = None, error: str | None = None, arrived: bool = False) -> None:
        """What became of one link; an article it brought is an arrival (subscriptions are matched against those)."""
        now = time.time()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO feed_items (link, feed_id, title, date, status, article_id, attempts, error, first_seen,"
                " last_tried) VALUES (?,?,?,?,?,?,1,?,?,?) ON CONFLICT(link) DO UPDATE SET status = excluded.status,"
                " article_id = excluded.article_id, attempts = attempts + 1, error = excluded.error,"
                " last_tried = excluded.last_tried",
                (link, feed_id, title, date, status, article_id, error, now, now))
            if arrived and article_id:
                conn.execute("INSERT INTO feed_arrivals (article_id, feed_id, arrived_at) VALUES (?, ?, ?)",
                             (article_id, feed_id, now))

    # ---- arrivals ------------------------------------------------------------------------------

    def last_arrival(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM feed_arrivals").fetchone()[0])

    def arrivals_after(self, seq: int, limit: int = 500) -> list[tuple[int, str]]:
        """(seq, article id) of the articles feeds brought after `seq`, oldest first."""
        rows = self.conn.execute("SELECT seq, article_id FROM feed_arrivals WHERE seq > ? ORDER BY seq LIMIT ?",
                                 (seq, limit))
        return [(int(s), str(a)) for s, a in rows]

    # ---- subscriptions ---------------------------------------------------------------------------

    def subscribe(self, chat_id: int, user_id: int | None, query: str, limit: int) -> SubscriptionRow | str:
        """A new subscription (it sees only articles that arrive from now on), or why not: "exists", "limit"."""
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM subscriptions WHERE chat_id = ? AND query = ?", (chat_id, query)).fetchone():
                return "exists"
            if conn.execute("SELECT COUNT(*) FROM subscriptions WHERE chat_id = ?", (chat_id,)).fetchone()[0] >= limit:
                return "limit"
            cur = conn.execute(
                "INSERT INTO subscriptions (chat_id, user_id, query, created_at, seen_seq) VALUES (?,?,?,?,"
                " (SELECT COALESCE(MAX(seq), 0) FROM feed_arrivals))", (chat_id, user_id, query, time.time()))
            row = conn.execute(f"SELECT {_SUB_COLUMNS} FROM subscriptions WHERE id = ?", (cur.lastrowid,)).fetchone()
        return SubscriptionRow(*row)

    def subscriptions(self, chat_id: int | None = None) -> list[SubscriptionRow]:
        """A chat's subscriptions (all of them when `chat_id` is None), oldest first."""
        where, args = ("WHERE chat_id = ?", (chat_id,)) if chat_id is not None else ("", ())
        rows = self.conn.execute(f"SELECT {_SUB_COLUMNS} FROM subscriptions {where} ORDER BY id", args)
        return [SubscriptionRow(*r) for r in rows]

    def unsubscribe(self, subscription_id: int) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM subscriptions WHERE id = ?", (subscription_id,))

    def drop_chat(self, chat_id: int) -> int:
        """Forget every subscription of a chat (the bot was blocked, or the user left)."""
        with self._write() as conn:
            return conn.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,)).rowcount

    def already_alerted(self, subscription_id: int, article_ids: Sequence[str]) -> set[str]:
        rows = self.conn.execute("SELECT article_id FROM alerts_sent WHERE subscription_id = ?", (subscription_id,))
        wanted = set(article_ids)
        return {str(a) for (a,) in rows if a in wanted}

    def mark_alerted(self, subscription_id: int, seen_seq: int, article_ids: Sequence[str]) -> bool:
        """Record an alert before it is sent (so a crash can never send it twice); False when the
        subscription is gone or another process recorded this alert first."""
        now = time.time()
        with self._write() as conn:
            cur = conn.execute("UPDATE subscriptions SET seen_seq = ? WHERE id = ? AND seen_seq < ?",
                               (seen_seq, subscription_id, seen_seq))
            if cur.rowcount != 1:
                return False
            conn.executemany("INSERT OR IGNORE INTO alerts_sent (subscription_id, article_id, sent_at) VALUES (?,?,?)",
                             [(subscription_id, a, now) for a in article_ids])
        return True

    def unmark_alerted(self, subscription_id: int, previous_seq: int, article_ids: Sequence[str]) -> None:
        """Undo `mark_alerted` after a send that failed for a passing reason (tried again next check)."""
        with self._write() as conn:
            conn.execute("UPDATE subscriptions SET seen_seq = ? WHERE id = ?", (previous_seq, subscription_id))
            conn.executemany("DELETE FROM alerts_sent WHERE subscription_id = ? AND article_id = ?",
                             [(subscription_id, a) for a in article_ids])

"""A store written by the first schema version opens and keeps its articles."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import make_corpus

V1_ARTICLES = """CREATE TABLE articles (id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT, date TEXT, url TEXT,
    origin TEXT, content_hash TEXT NOT NULL UNIQUE, text TEXT NOT NULL, added_at REAL NOT NULL,
    file_path TEXT UNIQUE, file_mtime_ns INTEGER, file_size INTEGER)"""


def test_version_1_store_is_upgraded_in_place(seed_home: Path) -> None:
    corpus = make_corpus(seed_home)
    corpus.sync()
    before = corpus.ask("宜兴发展哪些新赛道?").as_dict()
    corpus.store.close()
    db = corpus.settings.db_path
    # Rewrite the articles table the way version 1 laid it out.
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA legacy_alter_table=ON")  # keep passages pointing at "articles"
    conn.execute("BEGIN")
    conn.execute("ALTER TABLE articles RENAME TO articles_new")
    conn.execute(V1_ARTICLES)
    conn.execute("INSERT INTO articles SELECT id, title, source, date, url, origin, content_hash, text, added_at,"
                 " file_path, file_mtime_ns, file_size FROM articles_new")
    conn.execute("DROP TABLE articles_new")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("COMMIT")
    conn.close()
    reopened = make_corpus(seed_home)
    assert reopened.sync() == 0  # the seed file is still known: nothing re-indexed
    assert reopened.ask("宜兴发展哪些新赛道?").as_dict() == before
    assert reopened.store.conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert reopened.store.conn.execute("PRAGMA foreign_key_check").fetchall() == []

"""Stores written by earlier schema versions (1, 2) open, are upgraded in place and keep their articles."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from conftest import make_corpus

from policybot.store import SCHEMA_VERSION, Store

V1_ARTICLES = """CREATE TABLE articles (id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT, date TEXT, url TEXT,
    origin TEXT, content_hash TEXT NOT NULL UNIQUE, text TEXT NOT NULL, added_at REAL NOT NULL,
    file_path TEXT UNIQUE, file_mtime_ns INTEGER, file_size INTEGER)"""


def _downgrade_to_version_1(db: Path) -> None:
    """Rewrite the articles table the way version 1 laid it out."""
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


def test_version_1_store_is_upgraded_in_place(seed_home: Path) -> None:
    corpus = make_corpus(seed_home)
    corpus.sync()
    before = corpus.ask("宜兴发展哪些新赛道?").as_dict()
    corpus.store.close()
    _downgrade_to_version_1(corpus.settings.db_path)
    reopened = make_corpus(seed_home)
    assert reopened.sync() == 0  # the seed file is still known: nothing re-indexed
    assert reopened.ask("宜兴发展哪些新赛道?").as_dict() == before
    assert reopened.store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert reopened.store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert reopened.store.conn.execute("SELECT COUNT(*) FROM article_keys").fetchone()[0] == 0  # the new table


def test_store_upgraded_by_another_process_meanwhile_is_not_upgraded_twice(seed_home: Path) -> None:
    corpus = make_corpus(seed_home)
    corpus.sync()
    corpus.store.close()
    db = corpus.settings.db_path
    _downgrade_to_version_1(db)
    # Another process holds the write lock: it upgrades the store and, as version 2 allows,
    # numbers a second article of the same corpus file, while this one waits to upgrade.
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    opened: list[Store] = []
    waiting = threading.Thread(target=lambda: opened.append(Store(db)))
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive()  # it read version 1 and waits for the lock
    upgrader = Store.__new__(Store)
    upgrader.conn = other
    upgrader._upgrade_from_1()
    other.execute("UPDATE articles SET file_part = 1 WHERE file_path IS NOT NULL")
    other.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    other.execute("COMMIT")
    other.close()
    waiting.join(30)
    store = opened[0]
    parts = store.conn.execute("SELECT file_part FROM articles WHERE file_path IS NOT NULL").fetchall()
    store.close()
    assert parts == [(1,)]  # a second upgrade would have renumbered it 0


def test_version_2_store_gains_article_keys_and_replace_in_place_works(empty_home: Path, tmp_path: Path) -> None:
    """Version 3 added article_keys (what identifies an article added from a file or URL)."""
    path = tmp_path / "art.txt"
    path.write_text("无锡设立产业基金\n无锡市设立总规模38亿元的产业基金。", encoding="utf-8")
    corpus = make_corpus(empty_home)
    [first] = corpus.add([str(path)])
    corpus.store.close()
    conn = sqlite3.connect(corpus.settings.db_path, isolation_level=None)
    conn.execute("DROP TABLE article_keys")  # what a version-2 store looks like
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    reopened = make_corpus(empty_home)
    assert reopened.store.conn.execute("PRAGMA user_version").fetchone()[0] == 3
    assert [a.id for a in reopened.articles()] == [first.article_id]
    # The old store never recorded where the article came from: the same text is still recognised ...
    [again] = reopened.add([str(path)])
    assert (str(again.status), again.article_id) == ("duplicate", first.article_id)
    # ... and from now on the file names it, so an edit replaces it in place.
    path.write_text("无锡设立产业基金\n无锡市设立总规模45亿元的产业基金。", encoding="utf-8")
    [replaced] = reopened.add([str(path)], replace=True)
    assert (str(replaced.status), replaced.article_id) == ("replaced", first.article_id)
    assert [a.id for a in reopened.articles()] == [first.article_id]

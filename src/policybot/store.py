"""The SQLite store: articles, passages, the index tables, and the corpus-folder bookkeeping.

One database file per home. WAL mode lets a reader (the bot) keep answering
while a writer (the CLI, or the bot's /add) commits. Every change is one
transaction, so an interrupted write leaves the store as it was.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple, Sequence

from .errors import StoreError
from .index import SCHEMA as INDEX_SCHEMA, select_in

if TYPE_CHECKING:
    from .ingest.article import Article, Passage

#: 3 added article_keys (the files and URLs an article was added from: its identity, see identity.py).
SCHEMA_VERSION = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source TEXT, date TEXT, url TEXT, origin TEXT,
    content_hash TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    added_at REAL NOT NULL,
    file_path TEXT,
    file_part INTEGER,
    file_mtime_ns INTEGER,
    file_size INTEGER,
    UNIQUE (file_path, file_part)
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    section TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_by_article ON passages(article_id, ordinal);
CREATE TABLE IF NOT EXISTS ignored_files (path TEXT PRIMARY KEY, signature TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS article_keys (
    key TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS article_keys_by_article ON article_keys(article_id);
"""
#: The tables of INDEX_SCHEMA, emptied by `Store.clear_index` before a full reindex.
INDEX_TABLES = ("segments", "tombstones", "index_stats", "terms")


class FileInfo(NamedTuple):
    """Where an article came from in the corpus folder."""

    path: str  # relative to the corpus folder
    part: int  # the article's number within the file
    mtime_ns: int
    size: int


class IndexedText(NamedTuple):
    """What a passage is indexed by (see `retrievable_text`), with its rowid."""

    rowid: int
    title: str
    section: tuple[str, ...]
    text: str


class FileState(NamedTuple):
    """A corpus file already indexed: its articles (in file order) and the file's mtime and size then."""

    article_ids: list[str]
    mtime_ns: int
    size: int


@dataclass(frozen=True)
class ArticleRow:
    """An article as stored."""

    id: str
    title: str
    source: str | None
    date: str | None
    url: str | None
    origin: str | None
    content_hash: str
    added_at: float
    file_path: str | None
    n_passages: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id, "title": self.title, "source": self.source, "date": self.date,
            "url": self.url, "origin": self.origin, "file": self.file_path,
            "passages": self.n_passages, "added_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.added_at)),
        }


@dataclass(frozen=True)
class PassageRow:
    """A passage with its article's citation fields."""

    id: int
    article_id: str
    ordinal: int
    section: tuple[str, ...]
    text: str
    title: str
    source: str | None
    date: str | None
    url: str | None
    origin: str | None


_ARTICLE_COLUMNS = "a.id, a.title, a.source, a.date, a.url, a.origin, a.content_hash, a.added_at, a.file_path"
_PASSAGE_SELECT = (
    "SELECT p.id, p.article_id, p.ordinal, p.section, p.text, a.title, a.source, a.date, a.url, a.origin "
    "FROM passages p JOIN articles a ON a.id = p.article_id"
)


def encode_section(section: Sequence[str]) -> str:
    return json.dumps(list(section), ensure_ascii=False)


def decode_section(raw: object) -> tuple[str, ...]:
    """A stored heading path (a JSON list of strings); a damaged one reads as no heading."""
    try:
        section = json.loads(str(raw)) if raw else []
    except ValueError:
        return ()
    return tuple(str(s) for s in section) if isinstance(section, list) else ()


@contextmanager
def quiet_write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction that leaves the generation alone: for a feature's own tables, which
    the index never reads (readers need not reload)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def ensure_tables(conn: sqlite3.Connection, tables: Sequence[str], schema: str) -> None:
    """Create a feature's own tables (`schema`: CREATE TABLE IF NOT EXISTS statements) unless all of
    `tables` exist; the store's schema version is not changed (an older policybot ignores them)."""
    marks = ",".join("?" * len(tables))
    present = {r[0] for r in conn.execute(
        f"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({marks})", tuple(tables))}
    if len(present) < len(tables):
        with quiet_write(conn):
            for statement in schema.split(";"):
                if statement.strip():
                    conn.execute(statement)


def _passage(row: Sequence[object]) -> PassageRow:
    section = decode_section(row[3])
    return PassageRow(int(row[0]), str(row[1]), int(row[2]), section, str(row[4]), str(row[5]),
                      row[6], row[7], row[8], row[9])  # type: ignore[arg-type]


def make_folder(folder: Path) -> None:
    """Create a home's folder; a path that is a file (or under one) is a one-line StoreError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), folder)
        raise StoreError(f"{blocker} is a file, not a folder",
                         "give --home (or POLICYBOT_HOME) a folder; a missing one is created") from None
    except PermissionError:
        raise read_only_error(folder) from None
    except OSError as exc:
        raise StoreError(f"{folder} cannot be created ({exc.strerror})", "give --home a folder you can write to") from None


def read_only_error(folder: Path) -> StoreError:
    return StoreError(f"{folder} is read-only: policybot cannot write its store there",
                      "use a --home you can write to, or make that folder writable")


def full_error(path: Path) -> StoreError:
    return StoreError(f"the disk holding {path} is full; nothing of this change was stored",
                      "free some space, then run the command again")


def _is_full(exc: BaseException) -> bool:
    return "database or disk is full" in str(exc)


def _read_only(exc: BaseException, folder: Path) -> bool:
    """A write SQLite refused because the folder or its files cannot be written."""
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return True
    if "unable to open" not in text and "disk I/O" not in text:
        return False
    try:  # root ignores permission bits: only a real attempt tells
        (folder / f".policybot-write-probe-{os.getpid()}").touch()
        (folder / f".policybot-write-probe-{os.getpid()}").unlink()
    except OSError:
        return True
    return False


class Store:
    """A connection to one home's database (one per thread)."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = path
        make_folder(path.parent)
        try:
            self.conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            if _read_only(exc, path.parent):
                raise read_only_error(path.parent) from None
            if _is_full(exc):
                raise full_error(path) from None
            raise StoreError(f"the store {path} cannot be opened ({exc})",
                             "restore it from a backup, or move it away and run `policybot reindex` "
                             "(articles not in corpus/ must then be added again)") from None

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"the store {self.path} was written by a newer policybot",
                             "upgrade policybot, or use another --home")
        if version < SCHEMA_VERSION:
            self.conn.execute("PRAGMA foreign_keys=OFF")
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have upgraded the store while this one waited for the lock.
                version = self.conn.execute("PRAGMA user_version").fetchone()[0]
                if version == 1:
                    self._upgrade_from_1()
                for statement in (SCHEMA + INDEX_SCHEMA).split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            finally:
                self.conn.execute("PRAGMA foreign_keys=ON")

    def _upgrade_from_1(self) -> None:
        """Version 1 allowed one article per corpus file; version 2 numbers the articles of a file.

        SQLite's table-rebuild recipe: foreign keys are off (set by the caller, outside the
        transaction) so dropping the old table cascades to no passage.
        """
        self.conn.execute(SCHEMA.split(";")[1].replace("IF NOT EXISTS articles", "articles_v2"))
        self.conn.execute(
            "INSERT INTO articles_v2 (id, title, source, date, url, origin, content_hash, text, added_at, file_path,"
            " file_part, file_mtime_ns, file_size) SELECT id, title, source, date, url, origin, content_hash, text,"
            " added_at, file_path, CASE WHEN file_path IS NULL THEN NULL ELSE 0 END, file_mtime_ns, file_size"
            " FROM articles")
        self.conn.execute("DROP TABLE articles")
        self.conn.execute("ALTER TABLE articles_v2 RENAME TO articles")

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; bumps the generation so readers reload."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _read_only(exc, self.path.parent):
                raise read_only_error(self.path.parent) from None
            raise
        try:
            yield self.conn
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES ('generation', '1') "
                "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )
            self.conn.execute("COMMIT")
        except BaseException as exc:
            # SQLite rolls a transaction back by itself on some errors (a full disk among them).
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and _is_full(exc):
                raise full_error(self.path) from None
            if isinstance(exc, sqlite3.OperationalError) and _read_only(exc, self.path.parent):
                raise read_only_error(self.path.parent) from None
            raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a consistent snapshot while writers commit."""
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        finally:
            self.conn.execute("COMMIT")

    def generation(self) -> int:
        row = self.conn.execute("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    # ---- articles ----------------------------------------------------------

    def _article(self, row: Sequence[object]) -> ArticleRow:
        return ArticleRow(*row)  # type: ignore[arg-type]

    def articles(self) -> list[ArticleRow]:
        rows = self.conn.execute(
            f"SELECT {_ARTICLE_COLUMNS}, (SELECT COUNT(*) FROM passages p WHERE p.article_id = a.id) "
            "FROM articles a ORDER BY COALESCE(a.date, '') DESC, a.added_at DESC, a.id"
        ).fetchall()
        return [self._article(r) for r in rows]

    def article(self, article_id: str) -> ArticleRow | None:
        row = self.conn.execute(
            f"SELECT {_ARTICLE_COLUMNS}, (SELECT COUNT(*) FROM passages p WHERE p.article_id = a.id) "
            "FROM articles a WHERE a.id = ?", (article_id,)).fetchone()
        return self._article(row) if row else None

    def article_text(self, article_id: str) -> str | None:
        row = self.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        return str(row[0]) if row else None

    def article_hashes(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Article id -> content hash, for the ids that exist."""
        rows = self._select_in("SELECT id, content_hash FROM articles WHERE id", list(dict.fromkeys(article_ids)))
        return {str(article_id): str(content_hash) for article_id, content_hash in rows}

    def passage_ids_of(self, article_ids: Iterable[str]) -> frozenset[int]:
        """Ids of the passages of these articles (of those that exist)."""
        rows = self._select_in("SELECT id FROM passages WHERE article_id", list(dict.fromkeys(article_ids)))
        return frozenset(int(rowid) for (rowid,) in rows)

    def article_by_hash(self, content_hash: str) -> ArticleRow | None:
        row = self.conn.execute(f"SELECT {_ARTICLE_COLUMNS}, 0 FROM articles a WHERE a.content_hash = ?",
                                (content_hash,)).fetchone()
        return self._article(row) if row else None

    # ---- identity (see identity.py) ----------------------------------------

    def article_by_key(self, key: str) -> ArticleRow | None:
        """The article a key names: "file:/abs/path" or "url:…" it was added from."""
        row = self.conn.execute(f"SELECT {_ARTICLE_COLUMNS}, 0 FROM article_keys k JOIN articles a"
                                " ON a.id = k.article_id WHERE k.key = ?", (key,)).fetchone()
        return self._article(row) if row else None

    def set_key(self, key: str, article_id: str) -> None:
        """Remember that `key` names `article_id` (inside the caller's write transaction)."""
        self.conn.execute("INSERT OR REPLACE INTO article_keys (key, article_id) VALUES (?, ?)", (key, article_id))

    def insert_passages(self, article_id: str, passages: Sequence[Passage]) -> list[int]:
        """Store an article's passages; returns their rowids, in order."""
        rowids = []
        for passage in passages:
            cur = self.conn.execute("INSERT INTO passages (article_id, ordinal, section, text) VALUES (?,?,?,?)",
                                    (article_id, passage.ordinal, encode_section(passage.section), passage.text))
            rowids.append(int(cur.lastrowid))
        return rowids

    def replace_article(self, article_id: str, article: Article,
                        file: FileInfo | None = None) -> tuple[list[int], list[int]]:
        """Give a stored article new text and metadata in place (same id): (new rowids, old rowids).

        The corpus-folder file it came from is updated when `file` is given, kept otherwise.
        """
        old = [int(r[0]) for r in self.conn.execute("SELECT id FROM passages WHERE article_id = ?", (article_id,))]
        self.conn.execute("DELETE FROM passages WHERE article_id = ?", (article_id,))
        self.conn.execute(
            "UPDATE articles SET title = ?, source = ?, date = ?, url = ?, origin = ?, content_hash = ?, text = ?,"
            " added_at = ? WHERE id = ?",
            (article.title, article.source, article.date, article.url, article.origin, article.content_hash,
             article.text, time.time(), article_id))
        if file:
            self.conn.execute("UPDATE articles SET file_path = ?, file_part = ?, file_mtime_ns = ?, file_size = ?"
                              " WHERE id = ?", (*file, article_id))
        return self.insert_passages(article_id, article.passages), old

    def file_states(self) -> dict[str, FileState]:
        """Corpus files already indexed, by path."""
        states: dict[str, FileState] = {}
        rows = self.conn.execute(
            "SELECT file_path, id, file_mtime_ns, file_size FROM articles WHERE file_path IS NOT NULL ORDER BY file_part")
        for path, article_id, mtime, size in rows:
            states.setdefault(path, FileState([], mtime, size)).article_ids.append(article_id)
        return states

    def ignored_files(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT path, signature FROM ignored_files").fetchall())

    def passages(self, rowids: Sequence[int]) -> dict[int, PassageRow]:
        return {int(r[0]): _passage(r) for r in self._select_in(f"{_PASSAGE_SELECT} WHERE p.id", list(rowids))}

    def _select_in(self, select_where: str, values: list[object]) -> Iterator[Sequence[object]]:
        """Rows of `select_where IN (values)`, asked in chunks that stay under SQLite's variable limit."""
        return select_in(self.conn, select_where, values)

    def article_passages(self, article_id: str) -> list[PassageRow]:
        rows = self.conn.execute(f"{_PASSAGE_SELECT} WHERE p.article_id = ? ORDER BY p.ordinal", (article_id,))
        return [_passage(r) for r in rows]

    def passage_texts(self, wanted: Sequence[tuple[str, int]]) -> dict[tuple[str, int], str]:
        """Texts of passages by (article id, position); reads only those passages, however long
        their articles are."""
        by_article: dict[str, set[int]] = {}
        for article_id, ordinal in wanted:
            by_article.setdefault(article_id, set()).add(ordinal)
        out: dict[tuple[str, int], str] = {}
        for article_id, ordinals in by_article.items():
            marks = ",".join("?" * len(ordinals))
            rows = self.conn.execute(
                f"SELECT ordinal, text FROM passages WHERE article_id = ? AND ordinal IN ({marks})",
                (article_id, *sorted(ordinals)))
            out.update({(article_id, int(ordinal)): text for ordinal, text in rows})
        return out

    def passage_ids_where(self, since: str | None = None, until: str | None = None,
                    source: str | None = None) -> list[int]:
        """Ids of the passages of articles dated from `since` to `until` (YYYY-MM-DD, both
        included; an undated article is left out when either is given) whose source holds
        `source` (case-insensitive)."""
        where, values = [], []
        if since:
            where.append("a.date >= ?")
            values.append(since)
        if until:
            where.append("substr(a.date, 1, 10) <= ?")
            values.append(until)
        if source:
            where.append("instr(lower(COALESCE(a.source, '')), lower(?)) > 0")
            values.append(source)
        condition = " AND ".join(where) or "1"
        rows = self.conn.execute(
            f"SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id WHERE {condition}", values)
        return [int(r[0]) for r in rows]

    def neighbours(self, passage_id: int, around: int = 1) -> list[PassageRow]:
        """The passage and up to `around` passages before and after it in its article."""
        row = self.conn.execute("SELECT article_id, ordinal FROM passages WHERE id = ?", (passage_id,)).fetchone()
        if row is None:
            return []
        rows = self.conn.execute(
            f"{_PASSAGE_SELECT} WHERE p.article_id = ? AND p.ordinal BETWEEN ? AND ? ORDER BY p.ordinal",
            (row[0], row[1] - around, row[1] + around))
        return [_passage(r) for r in rows]

    def counts(self) -> tuple[int, int, int]:
        """(articles, passages, characters of passage text)."""
        a = self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        p, c = self.conn.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(text)), 0) FROM passages").fetchone()
        return int(a), int(p), int(c)

    def indexed_texts(self, rowids: Sequence[int] | None = None) -> list[IndexedText]:
        """Every passage's indexed fields (or those of `rowids`), in rowid order (what a reindex segments)."""
        select = "SELECT p.id, a.title, p.section, p.text FROM passages p JOIN articles a ON a.id = p.article_id"
        rows = (self.conn.execute(f"{select} ORDER BY p.id") if rowids is None
                else sorted(self._select_in(f"{select} WHERE p.id", list(rowids))))
        return [IndexedText(int(rowid), str(title), decode_section(section), str(text))
                for rowid, title, section, text in rows]

    def passage_ids(self) -> list[int]:
        """Every passage's rowid, in order."""
        return [int(r[0]) for r in self.conn.execute("SELECT id FROM passages ORDER BY id")]

    def date_range(self) -> tuple[str | None, str | None]:
        row = self.conn.execute("SELECT MIN(date), MAX(date) FROM articles WHERE date IS NOT NULL").fetchone()
        return row[0], row[1]

    # ---- changes (inside the caller's `write()` transaction) -----------------

    def insert_article(self, article_id: str, article: Article, file: FileInfo | None) -> list[int]:
        """Store an article and its passages; returns the passages' rowids, in order."""
        file_path, part, mtime, size = file if file else (None, None, None, None)
        self.conn.execute(
            "INSERT INTO articles (id, title, source, date, url, origin, content_hash, text, added_at,"
            " file_path, file_part, file_mtime_ns, file_size) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (article_id, article.title, article.source, article.date, article.url, article.origin,
             article.content_hash, article.text, time.time(), file_path, part, mtime, size),
        )
        return self.insert_passages(article_id, article.passages)

    def delete_articles(self, article_ids: Iterable[str]) -> list[int]:
        """Delete articles (their passages go with them); returns the deleted passages' rowids."""
        rowids: list[int] = []
        for article_id in article_ids:
            rowids += [int(r[0]) for r in self.conn.execute(
                "SELECT id FROM passages WHERE article_id = ? ORDER BY ordinal", (article_id,))]
            self.conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        return rowids

    def ignore_file(self, path: str, signature: str) -> None:
        """Remember a corpus file whose article was removed, so sync does not add it again unchanged."""
        self.conn.execute("INSERT OR REPLACE INTO ignored_files (path, signature) VALUES (?, ?)", (path, signature))

    def clear_index(self) -> None:
        """Empty the index tables (the articles and passages stay)."""
        for table in INDEX_TABLES:
            self.conn.execute(f"DELETE FROM {table}")

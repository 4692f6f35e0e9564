"""The index in SQLite: its schema and every statement that reads or writes it.

Terms get integer ids (`terms`); segments are rows of BLOBs (`segments`);
removed passages are tombstones until a merge drops them (`tombstones`); the
corpus-wide statistics are one row (`index_stats`), kept exact on every
change because BM25Okapi's idf floor depends on the mean idf over the whole
vocabulary. Writers run inside the caller's transaction; `load_snapshot`
inside one read transaction.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from itertools import chain
from typing import Iterable, Iterator, Sequence

import numpy as np

from ..errors import StoreError
from .bm25 import Stats
from .scoring import Snapshot
from .segments import COLUMNS, DTYPES, Segment, array_from_blob, build_segment, damaged_segment, \
    merge_segments, segment_blobs, segment_from_row

SCHEMA = """
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, id INTEGER NOT NULL UNIQUE) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, n_docs INTEGER NOT NULL,
    rowids BLOB NOT NULL, lens BLOB NOT NULL, term_ids BLOB NOT NULL,
    offsets BLOB NOT NULL, doc_idx BLOB NOT NULL, tfs BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS index_stats (
    id INTEGER PRIMARY KEY CHECK (id = 1), n_docs INTEGER NOT NULL, total_len INTEGER NOT NULL, df BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tombstones (rowid INTEGER PRIMARY KEY, segment INTEGER NOT NULL);
"""

#: Never more segments than this (the smallest are merged).
MAX_SEGMENTS = 8
#: MERGE_FACTOR segments of one size tier (tier = floor(log_MERGE_FACTOR(passages))) are merged, so
#: every passage is rewritten about log(n) times, not n/batch times ...
MERGE_FACTOR = 4
#: ... and at most BIG_SEGMENTS segments hold BIG_DOCS passages or more (the smallest of them are
#: merged), which leaves room under MAX_SEGMENTS for small adds that only merge small segments.
BIG_DOCS = 65_536
BIG_SEGMENTS = 5
#: A segment with at least this fraction of tombstoned passages is rewritten without them.
MAX_DEAD_FRACTION = 1 / 3
#: Most term ids a writer keeps between its transactions.
TERM_CACHE_SIZE = 4_000_000
#: Values bound in one `IN (…)` list, well under SQLite's limit on a statement's variables.
_IN_CHUNK = 500


def select_in(conn: sqlite3.Connection, select_where: str, values: Sequence[object]) -> Iterator[tuple]:
    """Rows of `select_where IN (values)`, asked in chunks that stay under SQLite's variable limit."""
    for start in range(0, len(values), _IN_CHUNK):
        chunk = values[start:start + _IN_CHUNK]
        yield from conn.execute(f"{select_where} IN ({','.join('?' * len(chunk))})", chunk)


def term_ids_for(conn: sqlite3.Connection, terms: Iterable[str], create: bool = False) -> dict[str, int]:
    """Map terms to ids; with create=True, new terms get the next ids (inside the caller's transaction)."""
    wanted = list(dict.fromkeys(terms))
    found: dict[str, int] = dict(select_in(conn, "SELECT term, id FROM terms WHERE term", wanted))
    if create:
        missing = [t for t in wanted if t not in found]
        if missing:
            next_id = conn.execute("SELECT COALESCE(MAX(id) + 1, 0) FROM terms").fetchone()[0]
            new = {t: next_id + i for i, t in enumerate(missing)}
            conn.executemany("INSERT INTO terms (term, id) VALUES (?, ?)", new.items())
            found.update(new)
    return found


class _TermCache:
    """Term ids known to one connection's writer, valid while nobody else commits.

    A large add is many transactions; looking up every batch's terms in SQL
    again is much of its cost. The store's generation goes up by one at each
    commit, so if it is exactly one more than at our last add, no other writer
    (a reindex, say) came in between and the ids we know still hold.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.conn: sqlite3.Connection | None = None
        self.generation = -1
        self.max_id: int | None = None
        self.ids: dict[str, int] = {}

    def term_ids(self, conn: sqlite3.Connection, terms: Iterable[str]) -> dict[str, int]:
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        except sqlite3.OperationalError:  # not a policybot store (no generation): no cache
            return term_ids_for(conn, terms, create=True)
        generation = int(row[0]) if row else 0
        max_id = conn.execute("SELECT MAX(id) FROM terms").fetchone()[0]
        with self.lock:
            # Same connection, nobody else committed, and nothing in this transaction emptied
            # the terms table (as a reindex does) since our last add: the ids still hold.
            if self.conn is not conn or self.generation != generation or self.max_id != max_id:
                self.conn, self.ids = conn, {}
            known = self.ids
            missing = [t for t in dict.fromkeys(terms) if t not in known]
            if missing:
                known.update(term_ids_for(conn, missing, create=True))
            self.max_id = conn.execute("SELECT MAX(id) FROM terms").fetchone()[0]
            self.generation = generation + 1  # after the caller's commit
            if len(known) > TERM_CACHE_SIZE:
                self.conn, self.ids = None, {}
            return known


_term_cache = _TermCache()


def load_stats(conn: sqlite3.Connection) -> Stats:
    row = conn.execute("SELECT n_docs, total_len, df FROM index_stats WHERE id = 1").fetchone()
    if row is None:
        return Stats(0, 0, np.zeros(0, np.int64))
    damaged = StoreError("the index statistics are damaged", "run `policybot reindex` to rebuild the index")
    if not (isinstance(row[0], int) and isinstance(row[1], int) and isinstance(row[2], bytes) and len(row[2]) % 8 == 0):
        raise damaged
    df = array_from_blob(row[2], np.int64).astype(np.int64)
    if row[0] < 0 or row[1] < 0 or (len(df) and (int(df.min()) < 0 or int(df.max()) > row[0])):
        raise damaged
    return Stats(int(row[0]), int(row[1]), df)


def save_stats(conn: sqlite3.Connection, stats: Stats) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO index_stats (id, n_docs, total_len, df) VALUES (1, ?, ?, ?)",
        (stats.n_docs, stats.total_len, stats.df.astype("<i8").tobytes()),
    )


def load_segments(conn: sqlite3.Connection, cache: dict[int, Segment] | None = None,
                  ids: Iterable[int] | None = None) -> list[Segment]:
    """Segments (all, or those in `ids`), reusing unchanged ones from `cache` (segments are immutable)."""
    cache = cache or {}
    present = [r[0] for r in conn.execute("SELECT id FROM segments ORDER BY id")]
    if ids is not None:
        wanted = set(ids)
        present = [seg_id for seg_id in present if seg_id in wanted]
    segments = []
    for seg_id in present:
        if seg_id in cache:
            segments.append(cache[seg_id].reuse())
            continue
        row = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM segments WHERE id = ?", (seg_id,)).fetchone()
        segments.append(segment_from_row(seg_id, row))
    return segments


def insert_segment(conn: sqlite3.Connection, seg: Segment) -> int:
    blobs = segment_blobs(seg)
    cur = conn.execute(
        f"INSERT INTO segments (n_docs, {', '.join(COLUMNS)}) VALUES (?, {', '.join('?' * len(COLUMNS))})",
        (seg.n_docs, *[blobs[c] for c in COLUMNS]),
    )
    return int(cur.lastrowid)


def add_passages(conn: sqlite3.Connection, rowids: Sequence[int], term_lists: Sequence[Sequence[str]]) -> None:
    """Index new passages (inside the caller's write transaction)."""
    ids = _term_cache.term_ids(conn, chain.from_iterable(term_lists))
    seg = build_segment(rowids, term_lists, ids)
    stats = load_stats(conn)
    n_terms = max(len(stats.df), (int(seg.term_ids.max()) + 1) if len(seg.term_ids) else 0)
    df = np.zeros(n_terms, np.int64)
    df[: len(stats.df)] = stats.df
    df[seg.term_ids] += np.diff(seg.offsets)
    save_stats(conn, Stats(stats.n_docs + seg.n_docs, stats.total_len + int(seg.lens.sum()), df))
    insert_segment(conn, seg)


def remove_passages(conn: sqlite3.Connection, rowids: Sequence[int],
                    cache: dict[int, Segment] | None = None) -> None:
    """Tombstone passages and take them out of the statistics (inside the caller's transaction).

    Only the segments holding the passages are read (found from the small rowid
    arrays), or taken from `cache` (e.g. the current snapshot's segments).
    """
    if not len(rowids):
        return
    wanted = np.asarray(sorted(set(int(r) for r in rowids)), dtype=np.int64)
    dead = {r[0] for r in select_in(conn, "SELECT rowid FROM tombstones WHERE rowid", wanted.tolist())}
    if dead:
        wanted = wanted[~np.isin(wanted, np.fromiter(dead, dtype=np.int64, count=len(dead)))]
    if not len(wanted):
        return
    stats = load_stats(conn)
    df = stats.df.copy()
    n_docs, total_len = stats.n_docs, stats.total_len
    cache = cache or {}
    for seg_id, blob in conn.execute("SELECT id, rowids FROM segments ORDER BY id").fetchall():
        if not isinstance(blob, bytes) or len(blob) % 8:
            raise damaged_segment(seg_id)
        seg_rowids = array_from_blob(blob, np.int64)
        local = np.flatnonzero(np.isin(seg_rowids, wanted))
        if not len(local):
            continue
        seg = cache.get(seg_id) or _segment_without_tfs(conn, seg_id, seg_rowids)
        term_ids, counts = seg.term_counts_of(local)
        df[term_ids] -= counts
        n_docs -= len(local)
        total_len -= int(seg.lens[local].sum())
        conn.executemany("INSERT OR IGNORE INTO tombstones (rowid, segment) VALUES (?, ?)",
                         [(int(r), seg_id) for r in seg_rowids[local]])
    save_stats(conn, Stats(n_docs, total_len, df))


def _segment_without_tfs(conn: sqlite3.Connection, seg_id: int, rowids: np.ndarray) -> Segment:
    """A segment's arrays except its term frequencies (all that removal needs)."""
    names = ("lens", "term_ids", "offsets", "doc_idx")
    row = conn.execute(f"SELECT {', '.join(names)} FROM segments WHERE id = ?", (seg_id,)).fetchone()
    arrays = {name: array_from_blob(blob, DTYPES[name]) for name, blob in zip(names, row)}
    return Segment(seg_id, rowids, tfs=np.zeros(0, np.uint8), **arrays)


def _tier(live_docs: int) -> int:
    return int(math.log(max(live_docs, 1), MERGE_FACTOR))


def plan_merge(sizes: dict[int, tuple[int, int]], force: bool = False) -> list[int]:
    """Segment ids to merge next, given {id: (passages, tombstoned)}; [] when none.

    A segment a third dead is rewritten; MERGE_FACTOR segments of one size tier
    are merged; the smallest big segments are merged while there are more than
    BIG_SEGMENTS; the smallest segments while there are more than MAX_SEGMENTS.
    So a bulk import ends with a few large segments, and adding an article to
    a large index merges only small segments (except, rarely, when small ones
    have grown into a tier of big ones).
    """
    if force:
        return sorted(sizes) if len(sizes) > 1 or any(dead for _, dead in sizes.values()) else []
    for seg_id, (n, dead) in sorted(sizes.items()):
        if dead and dead >= n * MAX_DEAD_FRACTION:
            return [seg_id]
    live = {seg_id: n - dead for seg_id, (n, dead) in sizes.items()}
    tiers: dict[int, list[int]] = {}
    for seg_id in sorted(live):
        tiers.setdefault(_tier(live[seg_id]), []).append(seg_id)
    for tier in sorted(tiers):
        if len(tiers[tier]) >= MERGE_FACTOR:
            return tiers[tier]
    by_size = sorted(live, key=lambda i: (live[i], i))
    big = [seg_id for seg_id in by_size if live[seg_id] >= BIG_DOCS]
    if len(big) > BIG_SEGMENTS:
        return sorted(big[:len(big) - BIG_SEGMENTS + 1])
    if len(live) > MAX_SEGMENTS:
        return sorted(by_size[:len(live) - MAX_SEGMENTS + 1])
    return []


def merge_if_needed(conn: sqlite3.Connection, force: bool = False) -> bool:
    """Merge segments as `plan_merge` says, until it says nothing (inside the caller's transaction)."""
    dead_counts = dict(conn.execute("SELECT segment, COUNT(*) FROM tombstones GROUP BY segment").fetchall())
    sizes = {seg_id: (n, dead_counts.get(seg_id, 0)) for seg_id, n in conn.execute("SELECT id, n_docs FROM segments")}
    made: dict[int, Segment] = {}
    merged_any = False
    while True:
        chosen = plan_merge(sizes, force)
        if not chosen:
            return merged_any
        segments = load_segments(conn, made, ids=chosen)
        marks = ",".join("?" * len(chosen))
        deleted = {r[0] for r in conn.execute(f"SELECT rowid FROM tombstones WHERE segment IN ({marks})", chosen)}
        merged = merge_segments(segments, deleted)
        conn.execute(f"DELETE FROM segments WHERE id IN ({marks})", chosen)
        conn.execute(f"DELETE FROM tombstones WHERE segment IN ({marks})", chosen)
        for seg_id in chosen:
            sizes.pop(seg_id)
            made.pop(seg_id, None)
        if merged.n_docs:
            merged.seg_id = insert_segment(conn, merged)
            made[merged.seg_id] = merged
            sizes[merged.seg_id] = (merged.n_docs, 0)
        merged_any = True
        if force:
            return True


def load_snapshot(conn: sqlite3.Connection, generation: int, previous: Snapshot | None = None) -> Snapshot:
    """Read the whole index state (call inside one read transaction for consistency).

    Segments of `previous` still in the store are reused, not read again.
    """
    cache = {s.seg_id: s for s in previous.segments} if previous else None
    segments = load_segments(conn, cache)
    deleted = {r[0] for r in conn.execute("SELECT rowid FROM tombstones")}
    snapshot = Snapshot(generation, load_stats(conn), segments, deleted)
    live = sum(seg.n_docs if seg.live is None else int(seg.live.sum()) for seg in segments)
    if live != snapshot.stats.n_docs:  # statistics and postings disagree: tampered, or a bug
        raise StoreError("the index statistics do not match its passages", "run `policybot reindex` to rebuild the index")
    return snapshot

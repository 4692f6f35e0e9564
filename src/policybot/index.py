"""An exact BM25Okapi index stored as array segments.

Scores are rank-bm25's `BM25Okapi` (k1=1.5, b=0.75, epsilon=0.25) computed over
the live passages, but only for the postings of the query's terms. Postings
live in immutable segments (numpy arrays kept as SQLite BLOBs, never pickled);
adding articles writes a new small segment, removing them tombstones passages
until a merge drops them. Global statistics (passage count, total length and
the document frequency of every term) are kept exact on every change, because
BM25Okapi's idf floor depends on the mean idf over the whole vocabulary.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from .errors import StoreError

K1 = 1.5
B = 0.75
EPSILON = 0.25
#: More segments than this triggers a merge of the smallest ones.
MAX_SEGMENTS = 8

_COLUMNS = ("rowids", "lens", "term_ids", "offsets", "doc_idx", "tfs")
_DTYPES = {"rowids": np.int64, "lens": np.int32, "term_ids": np.int32,
           "offsets": np.int64, "doc_idx": np.int32, "tfs": np.int32}


@dataclass
class Segment:
    """Postings of some passages: for term `term_ids[k]`, postings `offsets[k]:offsets[k+1]`."""

    seg_id: int
    rowids: np.ndarray
    lens: np.ndarray
    term_ids: np.ndarray
    offsets: np.ndarray
    doc_idx: np.ndarray
    tfs: np.ndarray
    live: np.ndarray | None = None
    norm: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_docs(self) -> int:
        return len(self.rowids)

    def postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Local doc indices and term frequencies of one term, or None."""
        k = int(np.searchsorted(self.term_ids, term_id))
        if k == len(self.term_ids) or self.term_ids[k] != term_id:
            return None
        start, end = self.offsets[k], self.offsets[k + 1]
        return self.doc_idx[start:end], self.tfs[start:end]

    def term_counts_of(self, local_docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(term ids, number of given docs containing each) — to keep df exact on removal."""
        mask = np.isin(self.doc_idx, local_docs)
        if not len(self.term_ids):
            return self.term_ids, self.term_ids
        counts = np.add.reduceat(mask.astype(np.int64), self.offsets[:-1])
        keep = counts > 0
        return self.term_ids[keep], counts[keep]


def build_segment(rowids: Sequence[int], term_lists: Sequence[Sequence[int]], seg_id: int = 0) -> Segment:
    """Invert per-passage term-id lists into a segment."""
    lens = np.array([len(terms) for terms in term_lists], dtype=np.int32)
    pairs: list[tuple[int, int, int]] = []
    for local, terms in enumerate(term_lists):
        for term_id, tf in Counter(terms).items():
            pairs.append((term_id, local, tf))
    if pairs:
        arr = np.array(pairs, dtype=np.int64)
        arr = arr[np.lexsort((arr[:, 1], arr[:, 0]))]
        term_col, doc_col, tf_col = arr[:, 0], arr[:, 1], arr[:, 2]
        term_ids, starts = np.unique(term_col, return_index=True)
        offsets = np.append(starts, len(arr))
    else:
        term_col = doc_col = tf_col = np.zeros(0, dtype=np.int64)
        term_ids, offsets = np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    return Segment(
        seg_id=seg_id,
        rowids=np.asarray(rowids, dtype=np.int64),
        lens=lens,
        term_ids=term_ids.astype(np.int32),
        offsets=offsets.astype(np.int64),
        doc_idx=doc_col.astype(np.int32),
        tfs=tf_col.astype(np.int32),
    )


def merge_segments(segments: Sequence[Segment], deleted: set[int], seg_id: int = 0) -> Segment:
    """One segment holding the live passages of several (tombstoned passages dropped)."""
    rowid_parts, len_parts, term_parts, doc_parts, tf_parts = [], [], [], [], []
    base = 0
    for seg in segments:
        keep = ~np.isin(seg.rowids, np.fromiter(deleted, dtype=np.int64)) if deleted else np.ones(seg.n_docs, bool)
        new_local = np.cumsum(keep) - 1 + base
        per_posting_term = np.repeat(seg.term_ids, np.diff(seg.offsets))
        posting_keep = keep[seg.doc_idx]
        rowid_parts.append(seg.rowids[keep])
        len_parts.append(seg.lens[keep])
        term_parts.append(per_posting_term[posting_keep])
        doc_parts.append(new_local[seg.doc_idx[posting_keep]])
        tf_parts.append(seg.tfs[posting_keep])
        base += int(keep.sum())
    terms = np.concatenate(term_parts) if term_parts else np.zeros(0, np.int32)
    docs = np.concatenate(doc_parts) if doc_parts else np.zeros(0, np.int64)
    tfs = np.concatenate(tf_parts) if tf_parts else np.zeros(0, np.int32)
    order = np.lexsort((docs, terms))
    terms, docs, tfs = terms[order], docs[order], tfs[order]
    term_ids, starts = np.unique(terms, return_index=True)
    return Segment(
        seg_id=seg_id,
        rowids=np.concatenate(rowid_parts) if rowid_parts else np.zeros(0, np.int64),
        lens=np.concatenate(len_parts) if len_parts else np.zeros(0, np.int32),
        term_ids=term_ids.astype(np.int32),
        offsets=np.append(starts, len(terms)).astype(np.int64),
        doc_idx=docs.astype(np.int32),
        tfs=tfs.astype(np.int32),
    )


def segment_blobs(seg: Segment) -> dict[str, bytes]:
    """Raw little-endian bytes of each array, for the `segments` table."""
    return {name: np.ascontiguousarray(getattr(seg, name), dtype=_DTYPES[name]).astype(
        np.dtype(_DTYPES[name]).newbyteorder("<"), copy=False).tobytes() for name in _COLUMNS}


def segment_from_row(seg_id: int, row: Sequence[bytes]) -> Segment:
    """Rebuild a segment from its BLOBs, checking that the arrays fit together."""
    arrays = {name: np.frombuffer(blob, dtype=np.dtype(_DTYPES[name]).newbyteorder("<"))
              for name, blob in zip(_COLUMNS, row)}
    seg = Segment(seg_id=seg_id, **arrays)
    n_post = len(seg.doc_idx)
    sane = (len(seg.lens) == seg.n_docs and len(seg.offsets) == len(seg.term_ids) + 1
            and len(seg.tfs) == n_post and (seg.offsets[-1] == n_post if len(seg.offsets) else False)
            and (n_post == 0 or (int(seg.doc_idx.min()) >= 0 and int(seg.doc_idx.max()) < seg.n_docs)))
    if not sane:
        raise StoreError(f"index segment {seg_id} is damaged", "run `policybot reindex` to rebuild the index")
    return seg


@dataclass
class Stats:
    """Corpus-wide BM25 statistics over live passages."""

    n_docs: int
    total_len: int
    df: np.ndarray  # int64, indexed by term id

    @property
    def avgdl(self) -> float:
        return self.total_len / self.n_docs if self.n_docs else 0.0

    def average_idf(self) -> float:
        """Mean raw idf over the vocabulary (terms with df > 0), as BM25Okapi computes it."""
        present = self.df[self.df > 0].astype(np.float64)
        if not len(present):
            return 0.0
        raw = np.log(self.n_docs - present + 0.5) - np.log(present + 0.5)
        return float(raw.sum() / len(present))

    def idf(self, term_id: int, average_idf: float) -> float:
        """BM25Okapi idf of one term, with the epsilon floor for negative values."""
        if term_id < 0 or term_id >= len(self.df) or self.df[term_id] <= 0:
            return 0.0
        freq = int(self.df[term_id])
        value = math.log(self.n_docs - freq + 0.5) - math.log(freq + 0.5)
        return EPSILON * average_idf if value < 0 else value


class Snapshot:
    """A consistent, read-only view of the index at one store generation."""

    def __init__(self, generation: int, stats: Stats, segments: list[Segment], deleted: set[int]) -> None:
        self.generation = generation
        self.stats = stats
        self.segments = segments
        self.deleted = deleted
        self.average_idf = stats.average_idf()
        avgdl = stats.avgdl
        for seg in segments:
            seg.live = ~np.isin(seg.rowids, np.fromiter(deleted, dtype=np.int64)) if deleted else None
            seg.norm = K1 * (1 - B + B * seg.lens.astype(np.float64) / avgdl) if avgdl else np.full(seg.n_docs, K1 * (1 - B))

    def idf(self, term_id: int) -> float:
        return self.stats.idf(term_id, self.average_idf)

    def weight(self, term_id: int) -> float:
        """A always-positive idf (Lucene's) for weighing question terms; unseen terms weigh most.

        BM25Okapi's own idf is negative for common terms and degenerate in tiny
        corpora, so it cannot say how much of a question a passage covers.
        """
        n = self.stats.n_docs
        df = int(self.stats.df[term_id]) if 0 <= term_id < len(self.stats.df) else 0
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def score(self, term_ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(passage rowids, BM25Okapi scores) of live passages containing any query term.

        Repeated query terms count once per occurrence, as in BM25Okapi.get_scores.
        """
        weights = Counter(t for t in term_ids if t >= 0)
        all_rowids: list[np.ndarray] = []
        all_scores: list[np.ndarray] = []
        for seg in self.segments:
            scores: np.ndarray | None = None
            for term_id, count in weights.items():
                hit = seg.postings(term_id)
                if hit is None:
                    continue
                docs, tfs = hit
                idf = self.idf(term_id)
                tf = tfs.astype(np.float64)
                contribution = idf * (tf * (K1 + 1) / (tf + seg.norm[docs]))
                if scores is None:
                    scores = np.zeros(seg.n_docs)
                scores[docs] += contribution * count if count > 1 else contribution
            if scores is None:
                continue
            if seg.live is not None:
                scores[~seg.live] = 0.0
            hits = np.flatnonzero(scores)
            all_rowids.append(seg.rowids[hits])
            all_scores.append(scores[hits])
        if not all_rowids:
            return np.zeros(0, np.int64), np.zeros(0)
        return np.concatenate(all_rowids), np.concatenate(all_scores)

    def top(self, term_ids: Iterable[int], k: int) -> list[tuple[int, float]]:
        """The k best (rowid, score) pairs, best first (ties: lower rowid first)."""
        rowids, scores = self.score(term_ids)
        if not len(rowids):
            return []
        if len(rowids) > k:
            cut = np.argpartition(-scores, k - 1)[:k]
            rowids, scores = rowids[cut], scores[cut]
        order = np.lexsort((rowids, -scores))
        return [(int(rowids[i]), float(scores[i])) for i in order]


# ---- persistence -----------------------------------------------------------

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


def term_ids_for(conn: sqlite3.Connection, terms: Iterable[str], create: bool = False) -> dict[str, int]:
    """Map terms to ids; with create=True, new terms get the next ids (inside the caller's transaction)."""
    wanted = list(dict.fromkeys(terms))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(conn.execute(f"SELECT term, id FROM terms WHERE term IN ({marks})", chunk).fetchall())
    if create:
        missing = [t for t in wanted if t not in found]
        if missing:
            next_id = conn.execute("SELECT COALESCE(MAX(id) + 1, 0) FROM terms").fetchone()[0]
            new = {t: next_id + i for i, t in enumerate(missing)}
            conn.executemany("INSERT INTO terms (term, id) VALUES (?, ?)", new.items())
            found.update(new)
    return found


def load_stats(conn: sqlite3.Connection) -> Stats:
    row = conn.execute("SELECT n_docs, total_len, df FROM index_stats WHERE id = 1").fetchone()
    if row is None:
        return Stats(0, 0, np.zeros(0, np.int64))
    df = np.frombuffer(row[2], dtype=np.dtype(np.int64).newbyteorder("<")).astype(np.int64)
    return Stats(int(row[0]), int(row[1]), df)


def save_stats(conn: sqlite3.Connection, stats: Stats) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO index_stats (id, n_docs, total_len, df) VALUES (1, ?, ?, ?)",
        (stats.n_docs, stats.total_len, stats.df.astype("<i8").tobytes()),
    )


def load_segments(conn: sqlite3.Connection, cache: dict[int, Segment] | None = None) -> list[Segment]:
    """All segments, reusing unchanged ones from `cache` (segments are immutable)."""
    cache = cache or {}
    ids = [r[0] for r in conn.execute("SELECT id FROM segments ORDER BY id")]
    segments = []
    for seg_id in ids:
        if seg_id in cache:
            old = cache[seg_id]
            segments.append(Segment(old.seg_id, old.rowids, old.lens, old.term_ids, old.offsets, old.doc_idx, old.tfs))
            continue
        row = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM segments WHERE id = ?", (seg_id,)).fetchone()
        segments.append(segment_from_row(seg_id, row))
    return segments


def insert_segment(conn: sqlite3.Connection, seg: Segment) -> int:
    blobs = segment_blobs(seg)
    cur = conn.execute(
        f"INSERT INTO segments (n_docs, {', '.join(_COLUMNS)}) VALUES (?, {', '.join('?' * len(_COLUMNS))})",
        (seg.n_docs, *[blobs[c] for c in _COLUMNS]),
    )
    return int(cur.lastrowid)


def add_passages(conn: sqlite3.Connection, rowids: Sequence[int], term_lists: Sequence[Sequence[str]]) -> None:
    """Index new passages (inside the caller's write transaction)."""
    ids = term_ids_for(conn, (t for terms in term_lists for t in terms), create=True)
    id_lists = [[ids[t] for t in terms] for terms in term_lists]
    seg = build_segment(rowids, id_lists)
    stats = load_stats(conn)
    n_terms = max(len(stats.df), (int(seg.term_ids.max()) + 1) if len(seg.term_ids) else 0)
    df = np.zeros(n_terms, np.int64)
    df[: len(stats.df)] = stats.df
    np.add.at(df, seg.term_ids, np.diff(seg.offsets))
    save_stats(conn, Stats(stats.n_docs + seg.n_docs, stats.total_len + int(seg.lens.sum()), df))
    insert_segment(conn, seg)


def remove_passages(conn: sqlite3.Connection, rowids: Sequence[int]) -> None:
    """Tombstone passages and take them out of the statistics (inside the caller's transaction)."""
    if not rowids:
        return
    wanted = np.asarray(sorted(set(rowids)), dtype=np.int64)
    stats = load_stats(conn)
    df = stats.df.copy()
    n_docs, total_len = stats.n_docs, stats.total_len
    dead = {r[0] for r in conn.execute("SELECT rowid FROM tombstones")}
    for seg in load_segments(conn):
        local = np.flatnonzero(np.isin(seg.rowids, wanted))
        local = np.array([i for i in local if int(seg.rowids[i]) not in dead], dtype=np.int64)
        if not len(local):
            continue
        term_ids, counts = seg.term_counts_of(local)
        np.subtract.at(df, term_ids, counts)
        n_docs -= len(local)
        total_len -= int(seg.lens[local].sum())
        conn.executemany("INSERT OR IGNORE INTO tombstones (rowid, segment) VALUES (?, ?)",
                         [(int(seg.rowids[i]), seg.seg_id) for i in local])
    save_stats(conn, Stats(n_docs, total_len, df))


def merge_if_needed(conn: sqlite3.Connection, force: bool = False) -> bool:
    """Merge the smallest segments when there are too many (inside the caller's transaction)."""
    sizes = conn.execute("SELECT id, n_docs FROM segments ORDER BY n_docs, id").fetchall()
    if len(sizes) <= MAX_SEGMENTS and not (force and len(sizes) > 1):
        return False
    take = len(sizes) if force else len(sizes) - MAX_SEGMENTS // 2
    chosen = {seg_id for seg_id, _ in sizes[:take]}
    segments = [s for s in load_segments(conn) if s.seg_id in chosen]
    deleted = {r[0] for r in conn.execute("SELECT rowid FROM tombstones")}
    merged = merge_segments(segments, deleted)
    marks = ",".join("?" * len(chosen))
    conn.execute(f"DELETE FROM segments WHERE id IN ({marks})", tuple(chosen))
    conn.execute(f"DELETE FROM tombstones WHERE segment IN ({marks})", tuple(chosen))
    if merged.n_docs:
        insert_segment(conn, merged)
    return True


def load_snapshot(conn: sqlite3.Connection, generation: int, previous: Snapshot | None = None) -> Snapshot:
    """Read the whole index state (call inside one read transaction for consistency)."""
    cache = {s.seg_id: s for s in previous.segments} if previous else None
    segments = load_segments(conn, cache)
    deleted = {r[0] for r in conn.execute("SELECT rowid FROM tombstones")}
    return Snapshot(generation, load_stats(conn), segments, deleted)

"""An exact BM25Okapi index stored as array segments.

Scores are rank-bm25's `BM25Okapi` (k1=1.5, b=0.75, epsilon=0.25) computed over
the live passages, but only for the postings of the query's terms. Postings
live in immutable segments (numpy arrays kept as SQLite BLOBs, never pickled);
adding articles writes a new segment, removing them tombstones passages until
a merge drops them; segments of a size tier are merged (see `plan_merge`), so a
large index is a few large segments. Global statistics (passage count, total
length and the document frequency of every term) are kept exact on every
change, because BM25Okapi's idf floor depends on the mean idf over the whole
vocabulary.

A query (`Snapshot.top`) numbers all segments' passages as one range, sums
contributions into a per-thread scratch array with a few array operations, and
skips most of the postings of very common terms when they cannot change the
top k. Every contribution is computed with BM25Okapi.get_scores' own
expression in float64, so scores match rank-bm25 to the last bits (sums may
add terms in another order).
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from typing import Iterable, Sequence

import numpy as np

from ..errors import StoreError

K1 = 1.5
B = 0.75
EPSILON = 0.25
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
#: Relative slack on score upper bounds, so pruning never trusts the last bits of a float.
_BOUND_SLACK = 1e-9
#: Per-term bounds of the tf part are computed for an average passage length this much longer
#: than the current one, so they stay valid while the corpus grows (see Segment.split) ...
BOUND_MARGIN = 1.25
#: ... and hold for all but this fraction of a long postings list (its outliers, scored apart).
OUTLIERS = 0.03

_COLUMNS = ("rowids", "lens", "term_ids", "offsets", "doc_idx", "tfs")
_DTYPES = {"rowids": np.int64, "lens": np.int32, "term_ids": np.int32,
           "offsets": np.int64, "doc_idx": np.int32, "tfs": np.int32}
#: Term frequencies are stored in the narrowest of these that holds the segment's largest
#: (the width is the BLOB's length over the number of postings; old stores have int32).
_TF_DTYPES = {1: np.uint8, 2: np.uint16, 4: np.int32}


def tf_part(tfs: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """BM25Okapi's tf part, tf * (k1 + 1) / (tf + norm), per posting, as float64.

    `norms` (norm = k1 * (1 - b + b * len / avgdl) of each posting's passage) is
    a fresh array the caller gives up: it is overwritten, so no temporary is made.
    The operations are get_scores' own, on the same values, so the bits are the same.
    """
    part = tfs.astype(np.float64)
    norms += part
    part *= K1 + 1
    part /= norms
    return part


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting (numpy 2's hash-based np.unique is far slower on these arrays)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def _runs(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, index where each starts) of a sorted array."""
    starts = np.flatnonzero(np.concatenate(([True], sorted_values[1:] != sorted_values[:-1]))) \
        if len(sorted_values) else np.zeros(0, np.int64)
    return sorted_values[starts], starts


def _tf_dtype(max_tf: int) -> type:
    return np.uint8 if max_tf < 256 else np.uint16 if max_tf < 65536 else np.int32


@dataclass
class Segment:
    """Postings of some passages: for term `term_ids[k]`, postings `offsets[k]:offsets[k+1]`.

    `doc_idx` is sorted within each term. Segments never change once written;
    `live` and `norm` are per snapshot, `bounds` (per-term upper bounds of the
    tf part, for pruning) is shared by every snapshot holding the segment.
    """

    seg_id: int
    rowids: np.ndarray
    lens: np.ndarray
    term_ids: np.ndarray
    offsets: np.ndarray
    doc_idx: np.ndarray
    tfs: np.ndarray
    live: np.ndarray | None = None
    norm: np.ndarray | None = field(default=None, repr=False)
    bounds: dict[int, tuple[float, float, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def n_docs(self) -> int:
        return len(self.rowids)

    @property
    def n_postings(self) -> int:
        return len(self.doc_idx)

    def reuse(self) -> "Segment":
        """The same immutable arrays (and bounds cache), without per-snapshot fields."""
        return Segment(self.seg_id, self.rowids, self.lens, self.term_ids, self.offsets, self.doc_idx,
                       self.tfs, bounds=self.bounds)

    def postings_of(self, term_ids: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray] | None]:
        """(term id, local doc indices, term frequencies) of each of several terms (an int32 array),
        or None where the segment lacks the term."""
        ks = np.searchsorted(self.term_ids, term_ids).tolist()
        n = len(self.term_ids)
        found: list[tuple[int, np.ndarray, np.ndarray] | None] = []
        for term_id, k in zip(term_ids.tolist(), ks):
            if k == n or self.term_ids[k] != term_id:
                found.append(None)
            else:
                start, end = self.offsets[k], self.offsets[k + 1]
                found.append((term_id, self.doc_idx[start:end], self.tfs[start:end]))
        return found

    def split(self, term_id: int, docs: np.ndarray, tfs: np.ndarray, c: float) -> tuple[float, np.ndarray]:
        """(bound, outliers) of a term's postings: the tf part of every posting not in the
        boolean mask `outliers` (a few percent of them) is at most `bound`.

        The tf part, tf * (k1 + 1) / (tf + k1 * (1 - b) + c * len) with
        c = k1 * b / avgdl, only falls as c grows (avgdl shrinks), so values
        computed at some c_ref <= c bound it. They are computed at
        c_ref = c / BOUND_MARGIN and kept (segments are immutable) until avgdl
        has grown by that margin.
        """
        found = self.bounds.get(term_id)
        if found is not None and found[0] <= c:
            return found[1], found[2]
        c_ref = c / BOUND_MARGIN
        norms = self.lens[docs].astype(np.float64)
        norms *= c_ref
        norms += K1 * (1 - B)
        part = tf_part(tfs, norms)
        cut = int(len(part) * (1 - OUTLIERS))
        bound = float(np.partition(part, cut)[cut]) if cut < len(part) else float(part.max())
        outliers = part > bound
        self.bounds[term_id] = (c_ref, bound, outliers)
        return bound, outliers

    def term_counts_of(self, local_docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(term ids, number of given docs containing each) — to keep df exact on removal."""
        if not len(self.term_ids) or not len(local_docs):
            return self.term_ids[:0], np.zeros(0, np.int64)
        mark = np.zeros(self.n_docs, dtype=bool)
        mark[local_docs] = True
        hit = np.flatnonzero(mark[self.doc_idx])
        term_pos = np.searchsorted(self.offsets, hit, side="right") - 1
        positions, counts = np.unique(term_pos, return_counts=True)
        return self.term_ids[positions], counts.astype(np.int64)


def build_segment(rowids: Sequence[int], term_lists: Sequence[Sequence], ids: dict | None = None,
                  seg_id: int = 0) -> Segment:
    """Invert per-passage term lists into a segment (terms are ids, or keys of `ids`)."""
    n = len(term_lists)
    lens = np.fromiter(map(len, term_lists), dtype=np.int64, count=n)
    total = int(lens.sum())
    flat_terms = chain.from_iterable(term_lists)
    flat = np.fromiter(map(ids.__getitem__, flat_terms) if ids is not None else flat_terms, dtype=np.int64,
                       count=total)
    if total:
        docs = np.repeat(np.arange(n, dtype=np.int64), lens)
        keys, tfs = np.unique(flat * n + docs, return_counts=True)  # sorted by term, then passage
        term_col, doc_col = np.divmod(keys, n)
        term_ids, starts = _runs(term_col)
        offsets = np.append(starts, len(keys))
    else:
        doc_col = tfs = np.zeros(0, dtype=np.int64)
        term_ids, offsets = np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    return Segment(
        seg_id=seg_id,
        rowids=np.asarray(rowids, dtype=np.int64),
        lens=lens.astype(np.int32),
        term_ids=term_ids.astype(np.int32),
        offsets=offsets.astype(np.int64),
        doc_idx=doc_col.astype(np.int32),
        tfs=tfs.astype(_tf_dtype(int(tfs.max()) if len(tfs) else 0)),
    )


def merge_segments(segments: Sequence[Segment], deleted: set[int], seg_id: int = 0) -> Segment:
    """One segment holding the live passages of several (tombstoned passages dropped).

    Postings are placed straight into their merged position (term by term, the
    segments' passages one after another), so a merge is linear in its size.
    """
    dead = np.fromiter(deleted, dtype=np.int64, count=len(deleted)) if deleted else None
    union = _sorted_unique(np.concatenate([s.term_ids for s in segments])) if segments else np.zeros(0, np.int32)
    counts = np.zeros(len(union), dtype=np.int64)
    plans = []
    base = 0
    for seg in segments:
        keep = ~np.isin(seg.rowids, dead) if dead is not None else None
        if keep is not None and keep.all():
            keep = None
        if keep is None:
            posting_keep = None
            live_counts = np.diff(seg.offsets)
            new_local = None
        else:
            posting_keep = keep[seg.doc_idx]
            kept_before = np.concatenate(([0], np.cumsum(posting_keep, dtype=np.int64)))
            live_counts = kept_before[seg.offsets[1:]] - kept_before[seg.offsets[:-1]]
            new_local = (np.cumsum(keep, dtype=np.int64) - 1).astype(np.int32)
        where = np.searchsorted(union, seg.term_ids)
        counts[where] += live_counts
        plans.append((seg, keep, posting_keep, live_counts, new_local, where, base))
        base += seg.n_docs if keep is None else int(keep.sum())
    offsets = np.concatenate(([0], np.cumsum(counts)))
    cursor = offsets[:-1].copy()
    n_post = int(offsets[-1])
    doc_idx = np.empty(n_post, dtype=np.int32)
    max_tf = max((int(s.tfs.max()) for s in segments if len(s.tfs)), default=0)
    tfs = np.empty(n_post, dtype=_tf_dtype(max_tf))
    rowid_parts, len_parts = [], []
    for seg, keep, posting_keep, live_counts, new_local, where, seg_base in plans:
        starts = cursor[where]
        kept = int(live_counts.sum())
        dest = np.arange(kept, dtype=np.int64) + np.repeat(starts - (np.cumsum(live_counts) - live_counts), live_counts)
        if keep is None:
            doc_idx[dest] = seg.doc_idx + seg_base
            tfs[dest] = seg.tfs
            rowid_parts.append(seg.rowids)
            len_parts.append(seg.lens)
        else:
            doc_idx[dest] = new_local[seg.doc_idx[posting_keep]] + seg_base
            tfs[dest] = seg.tfs[posting_keep]
            rowid_parts.append(seg.rowids[keep])
            len_parts.append(seg.lens[keep])
        cursor[where] += live_counts
    present = counts > 0
    return Segment(
        seg_id=seg_id,
        rowids=np.concatenate(rowid_parts) if rowid_parts else np.zeros(0, np.int64),
        lens=np.concatenate(len_parts).astype(np.int32) if len_parts else np.zeros(0, np.int32),
        term_ids=union[present].astype(np.int32),
        offsets=np.append(offsets[:-1][present], n_post).astype(np.int64),
        doc_idx=doc_idx,
        tfs=tfs,
    )


def segment_blobs(seg: Segment) -> dict[str, bytes]:
    """Raw little-endian bytes of each array, for the `segments` table."""
    blobs = {}
    for name in _COLUMNS:
        array = getattr(seg, name)
        dtype = np.dtype(array.dtype if name == "tfs" and array.dtype in (np.uint8, np.uint16) else _DTYPES[name])
        blobs[name] = np.ascontiguousarray(array, dtype=dtype.newbyteorder("<")).tobytes()
    return blobs


def segment_from_row(seg_id: int, row: Sequence[bytes]) -> Segment:
    """Rebuild a segment from its BLOBs, checking that the arrays fit together."""
    blobs = dict(zip(_COLUMNS, row))
    damaged = StoreError(f"index segment {seg_id} is damaged", "run `policybot reindex` to rebuild the index")
    if any(not isinstance(blob, bytes) or len(blob) % np.dtype(_DTYPES[name]).itemsize
           for name, blob in blobs.items() if name != "tfs") or not isinstance(blobs["tfs"], bytes):
        raise damaged  # a tampered or truncated BLOB, or text where bytes belong
    arrays = {name: np.frombuffer(blobs[name], dtype=np.dtype(_DTYPES[name]).newbyteorder("<"))
              for name in _COLUMNS if name != "tfs"}
    n_post = len(arrays["doc_idx"])
    width = len(blobs["tfs"]) // n_post if n_post else 4
    if width not in _TF_DTYPES or len(blobs["tfs"]) != width * n_post:
        raise damaged
    arrays["tfs"] = np.frombuffer(blobs["tfs"], dtype=np.dtype(_TF_DTYPES[width]).newbyteorder("<"))
    seg = Segment(seg_id=seg_id, **arrays)
    sane = (len(seg.lens) == seg.n_docs and len(seg.offsets) == len(seg.term_ids) + 1
            and (seg.offsets[-1] == n_post if len(seg.offsets) else False)
            and seg.offsets[0] == 0 and bool(np.all(np.diff(seg.offsets) >= 0))
            and bool(np.all(np.diff(seg.term_ids) > 0)) and (not len(seg.term_ids) or int(seg.term_ids[0]) >= 0)
            and (not seg.n_docs or int(seg.lens.min()) >= 0)
            and (n_post == 0 or (int(seg.doc_idx.min()) >= 0 and int(seg.doc_idx.max()) < seg.n_docs)))
    if not sane:
        raise damaged
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


class _Scratch(threading.local):
    """Per-thread score accumulator, kept all-zero between queries."""

    acc: np.ndarray | None = None

    def get(self, n: int) -> np.ndarray:
        if self.acc is None or len(self.acc) < n:
            self.acc = np.zeros(max(n, 1024))
        return self.acc

    def drop(self) -> None:
        self.acc = None


_scratch = _Scratch()


class Snapshot:
    """A consistent, read-only view of the index at one store generation.

    For scoring, the segments' passages are numbered one after another
    (segment i's local passage d is passage `bases[i] + d`), so a query works
    on all segments with a handful of array operations, not a handful per
    segment.
    """

    def __init__(self, generation: int, stats: Stats, segments: list[Segment], deleted: set[int]) -> None:
        self.generation = generation
        self.stats = stats
        self.segments = segments
        self.deleted = deleted
        self.average_idf = stats.average_idf()
        avgdl = stats.avgdl
        self._avgdl = avgdl
        sizes = [seg.n_docs for seg in segments]
        self._bases = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))
        self.n_total = int(self._bases[-1])
        lens = np.concatenate([seg.lens for seg in segments]).astype(np.float64) if segments else np.zeros(0)
        # BM25Okapi's k1 * (1 - b + b * len / avgdl), per passage.
        self._norm = K1 * (1 - B + B * lens / avgdl) if avgdl else np.full(len(lens), K1 * (1 - B))
        self._rowids = np.concatenate([seg.rowids for seg in segments]) if segments else np.zeros(0, np.int64)
        dead = np.fromiter(deleted, dtype=np.int64, count=len(deleted)) if deleted else None
        live = ~np.isin(self._rowids, dead) if dead is not None else None
        self._live = None if live is None or live.all() else live
        for seg, start, end in zip(segments, self._bases[:-1].tolist(), self._bases[1:].tolist()):
            seg.norm = self._norm[start:end]
            seg.live = self._live[start:end] if self._live is not None else None
        self._doc_dtype = np.int32 if self.n_total < 2**31 else np.int64
        self._parts: dict[tuple[int, int], np.ndarray] = {}
        self._parts_bytes = 0

    def _tf_part(self, s: "_Slice") -> np.ndarray | None:
        """tf * (k1 + 1) / (tf + norm) of a term's postings in a segment, computed once per
        snapshot (it depends on avgdl) and kept while they fit in TF_PART_CACHE_BYTES."""
        if s.part is not None:
            return s.part
        if not s.whole:
            return None
        key = (s.segment, s.term_id)
        part = self._parts.get(key)
        if part is None:
            if self._parts_bytes + 8 * len(s.docs) > TF_PART_CACHE_BYTES:
                return None
            self._parts[key] = part = tf_part(s.tfs, self.segments[s.segment].norm[s.docs])
            self._parts_bytes += part.nbytes
        return part

    def idf(self, term_id: int) -> float:
        return self.stats.idf(term_id, self.average_idf)

    def _query(self, term_ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(term ids as int32, idf * occurrences) of the query's known terms, in first-occurrence order."""
        counts = Counter(t for t in term_ids if t >= 0)
        df = self.stats.df
        known = [(t, c) for t, c in counts.items() if t < len(df) and df[t] > 0]
        ids = np.array([t for t, _ in known], dtype=np.int32)
        weights = np.array([self.idf(t) * c if c > 1 else self.idf(t) for t, c in known], dtype=np.float64)
        return ids, weights

    def _slices(self, ids: np.ndarray, weights: np.ndarray) -> list[_Slice]:
        """The query terms' postings in every segment (segment by segment, each in query order)."""
        found = []
        weight_list = weights.tolist()
        for i, seg in enumerate(self.segments):
            for hit, w in zip(seg.postings_of(ids), weight_list):
                if hit is not None:
                    found.append(_Slice(i, hit[0], hit[1], hit[2], w))
        return found

    def score(self, term_ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(passage rowids, BM25Okapi scores) of live passages containing any query term.

        Repeated query terms count once per occurrence, as in BM25Okapi.get_scores
        (whose sums may differ in the last bits: terms are added in another order).
        Passages whose score is exactly 0 are left out (as are all others: their score is 0).
        """
        slices = self._slices(*self._query(term_ids))
        if not slices:
            return np.zeros(0, np.int64), np.zeros(0)
        cands, scores = _Accumulator(self).add(slices).collect()
        keep = scores != 0
        if self._live is not None:
            keep &= self._live[cands]
        return self._rowids[cands[keep]], scores[keep]

    def top(self, term_ids: Iterable[int], k: int) -> list[tuple[int, float]]:
        """The k best (rowid, score) pairs, best first (ties: lower rowid first).

        Exact: the same passages and scores as ranking `score()`'s output, but
        with positive idfs not every posting of a common term is scored
        (term-at-a-time MaxScore). A term in more than 1/LONG_POSTINGS of the
        passages has a long postings list; all but its few outliers have a tf
        part of at most a bound (Segment.split), so they add at most
        idf * bound to a passage. The short lists and the outliers are scored
        first; the exact scores of the k best passages so far give a lower bound
        of the k-th best score. Long lists whose bounds sum to less than that
        cannot lift a passage into the top k by themselves, so they are only
        looked up for the passages the other lists hit; the rest are scored.
        """
        if k <= 0:
            return []
        ids, weights = self._query(term_ids)
        slices = self._slices(ids, weights)
        if not slices:
            return []
        if (weights <= 0).any():
            rowids, scores = self.score(term_ids)
            return _best(rowids, scores, k)
        long_from = self.n_total // LONG_POSTINGS
        df = self.stats.df
        long_terms = {t for t in ids.tolist() if df[t] > long_from}
        acc = _Accumulator(self)
        if not long_terms:
            cands, scores = acc.add(slices).collect()
        else:
            cands, scores = self._top_with_long_lists(acc, slices, long_terms, k)
        if self._live is not None:
            keep = self._live[cands]
            cands, scores = cands[keep], scores[keep]
        return _best(self._rowids[cands], scores, k)

    def _top_with_long_lists(self, acc: "_Accumulator", slices: list[_Slice], long_terms: set[int],
                             k: int) -> tuple[np.ndarray, np.ndarray]:
        """Passages that can be in the top k, with exact scores (see `top`)."""
        c = K1 * B / self._avgdl if self._avgdl else 0.0
        longs, bulks, first = [], [], []
        reach: dict[int, float] = {}
        for s in slices:
            if s.term_id not in long_terms:
                first.append(s)
                continue
            bound, outliers = self.segments[s.segment].split(s.term_id, s.docs, s.tfs, c)
            reach[s.term_id] = max(reach.get(s.term_id, 0.0), s.weight * bound)
            if outliers.any():
                first.append(_Slice(s.segment, s.term_id, s.docs[outliers], s.tfs[outliers], s.weight,
                                    _pick(self._tf_part(s), outliers), whole=False))
            longs.append(s)
            bulks.append(~outliers)
        # 1. Every posting of the short lists and of the long lists' outliers.
        acc.add(first)
        # 2. A lower bound of the k-th best score: the exact scores of the k best so far.
        kth = self._kth_lower_bound(acc, longs, bulks, k)
        # 3. Long lists whose bounds add up to less than that (the nearest reaching first) cannot
        #    lift a passage by themselves: they are looked up for the passages the others hit.
        lookup: set[int] = set()
        total = 0.0
        for t in sorted(reach, key=lambda t: reach[t]):
            total += reach[t]
            if total * (1 + _BOUND_SLACK) >= kth:
                break
            lookup.add(t)
        essential = [_Slice(s.segment, s.term_id, s.docs[m], s.tfs[m], s.weight, _pick(self._tf_part(s), m), False)
                     for s, m in zip(longs, bulks) if s.term_id not in lookup]
        acc.add(essential)
        rest = [(s, m) for s, m in zip(longs, bulks) if s.term_id in lookup]
        acc.add_to_hit([s for s, _ in rest], [m for _, m in rest])
        # The top k score at least kth (exact scores of k passages): the others need not be read.
        return acc.collect(floor=kth * (1 - _BOUND_SLACK))

    def _kth_lower_bound(self, acc: "_Accumulator", longs: list[_Slice], bulks: list[np.ndarray], k: int) -> float:
        """The k-th best exact score among the k passages with the best scores so far."""
        partial = acc.peek()
        cands = acc.cands
        assert cands is not None
        if self._live is not None:
            keep = self._live[cands]
            cands, partial = cands[keep], partial[keep]
        if len(cands) < k:
            return -math.inf
        best = np.argpartition(-partial, k - 1)[:k]
        docs, scores = cands[best], partial[best].copy()
        order = np.argsort(docs)
        docs, scores = docs[order], scores[order]
        for s, bulk in zip(longs, bulks):
            base, end = int(self._bases[s.segment]), int(self._bases[s.segment + 1])
            lo, hi = np.searchsorted(docs, [base, end])
            if lo == hi:
                continue
            local = (docs[lo:hi] - base).astype(s.docs.dtype)
            at = np.searchsorted(s.docs, local)
            at[at == len(s.docs)] = 0
            found = (s.docs[at] == local) & bulk[at]
            if found.any():
                part = self._tf_part(s)
                pos = at[found]
                if part is None:
                    part = tf_part(s.tfs[pos], self.segments[s.segment].norm[s.docs[pos]])
                else:
                    part = part[pos]
                scores[lo:hi][found] += part * s.weight
        return float(scores.min())


#: A term's postings are "long" when it is in more than 1/LONG_POSTINGS of the passages (`top` may
#: not score all of them).
LONG_POSTINGS = 64
#: Memory for the tf parts of postings lists a snapshot keeps (see Snapshot._tf_part).
TF_PART_CACHE_BYTES = 384 * 2**20


@dataclass
class _Slice:
    """One query term's postings in one segment, and the term's weight (idf * occurrences)."""

    segment: int
    term_id: int
    docs: np.ndarray
    tfs: np.ndarray
    weight: float
    part: np.ndarray | None = None  # tf * (k1 + 1) / (tf + norm) of these postings, when known
    whole: bool = True  # all of the term's postings in the segment (else: some of them)


class _Accumulator:
    """Scores of a snapshot's passages, summed slice by slice into a per-thread scratch array.

    Passages hit are those with a nonzero sum: in `top` every contribution is
    positive, and `score` leaves out passages whose score is exactly 0 anyway.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.n = snapshot.n_total
        self.acc = _scratch.get(self.n)
        self.cands: np.ndarray | None = None
        self.touched: list[np.ndarray] = []

    def _contributions(self, slices: list[_Slice]) -> tuple[np.ndarray, np.ndarray]:
        """(passages, idf * tf * (k1 + 1) / (tf + norm)) of every posting of `slices`."""
        snap = self.snapshot
        parts = [snap._tf_part(s) for s in slices]
        known = [s for s, p in zip(slices, parts) if p is not None]
        if known and len(known) < len(slices):
            docs_a, c_a = self._contributions(known)
            docs_b, c_b = self._contributions([s for s, p in zip(slices, parts) if p is None])
            return np.concatenate((docs_a, docs_b)), np.concatenate((c_a, c_b))
        sizes = [len(s.docs) for s in slices]
        bases = snap._bases
        if len(slices) == 1:
            s = slices[0]
            docs = s.docs.astype(snap._doc_dtype) + bases[s.segment] if s.segment else s.docs
        else:
            docs = np.concatenate([s.docs for s in slices]).astype(snap._doc_dtype)
            if any(s.segment for s in slices):
                docs += np.repeat(bases[[s.segment for s in slices]].astype(snap._doc_dtype), sizes)
        weights = np.repeat(np.array([s.weight for s in slices]), sizes) if len(slices) > 1 else slices[0].weight
        if known:
            # Long lists: their tf parts are cached, only the idf is left to multiply.
            contributions = np.concatenate(parts) if len(parts) > 1 else parts[0].copy()
            contributions *= weights
            return docs, contributions
        tfs = np.concatenate([s.tfs for s in slices]) if len(slices) > 1 else slices[0].tfs
        # BM25Okapi.get_scores' expression, idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avgdl))).
        contributions = tf_part(tfs, snap._norm[docs])
        contributions *= weights
        return docs, contributions

    def _add(self, docs: np.ndarray, contributions: np.ndarray) -> None:
        try:
            np.add.at(self.acc, docs, contributions)
        except BaseException:
            _scratch.drop()
            raise

    def add(self, slices: list[_Slice]) -> "_Accumulator":
        """Add every posting of `slices`."""
        if not slices:
            return self
        docs, contributions = self._contributions(slices)
        self._add(docs, contributions)
        self.touched.append(docs)
        self.cands = None
        return self

    def peek(self) -> np.ndarray:
        """Scores so far of the passages hit so far (`self.cands`, sorted)."""
        total = sum(len(d) for d in self.touched)
        if not total:
            self.cands = np.zeros(0, self.snapshot._doc_dtype)
        elif total * 16 < self.n:
            docs = np.sort(np.concatenate(self.touched)) if len(self.touched) > 1 else np.sort(self.touched[0])
            self.cands = docs[np.concatenate(([True], docs[1:] != docs[:-1]))] if len(docs) else docs
        else:
            self.cands = np.flatnonzero(self.acc[:self.n]).astype(self.snapshot._doc_dtype)
        self.touched = [self.cands]
        return self.acc[self.cands]

    def add_to_hit(self, slices: list[_Slice], masks: list[np.ndarray]) -> "_Accumulator":
        """Add the postings of `slices` selected by `masks` whose passage has been hit so far."""
        if not slices:
            return self
        snap = self.snapshot
        sizes = [len(s.docs) for s in slices]
        docs = np.concatenate([s.docs for s in slices]).astype(snap._doc_dtype)
        if any(s.segment for s in slices):
            docs += np.repeat(snap._bases[[s.segment for s in slices]].astype(snap._doc_dtype), sizes)
        # Every contribution is positive here (see `top`): a passage was hit iff its sum is nonzero.
        cands = self.cands  # adding to passages already hit keeps them the same
        chosen = self.acc[docs] != 0
        chosen &= np.concatenate(masks)
        at = np.flatnonzero(chosen)
        docs = docs[at]
        starts = np.concatenate(([0], np.cumsum(sizes)))
        cuts = np.searchsorted(at, starts).tolist()
        pieces = []
        for i, s in enumerate(slices):
            local = at[cuts[i]:cuts[i + 1]] - starts[i]
            part = snap._tf_part(s)
            if part is not None:
                piece = part[local]
            else:
                piece = tf_part(s.tfs[local], snap._norm[docs[cuts[i]:cuts[i + 1]]])
            piece *= s.weight
            pieces.append(piece)
        contributions = np.concatenate(pieces) if pieces else np.zeros(0)
        self._add(docs, contributions)
        self.touched.append(docs)
        self.cands = cands
        return self

    def collect(self, floor: float = -math.inf) -> tuple[np.ndarray, np.ndarray]:
        """(passages hit, their scores), or only those scoring at least `floor` (> 0; then maybe
        some more); leaves the scratch array all-zero."""
        if floor > 0 and self.cands is None and sum(len(d) for d in self.touched) * 16 >= self.n:
            # Many passages hit: one pass over the whole array beats gathering them all.
            scores = self.acc[:self.n]
            cands = np.flatnonzero(scores >= floor)
            scores = scores[cands]
            self.acc[:self.n] = 0.0
            return cands, scores
        if self.cands is None:
            self.peek()
        cands = self.cands
        assert cands is not None
        scores = self.acc[cands]
        self.acc[cands] = 0.0
        if len(cands) and not scores.all():  # `score` with idfs <= 0: exactly-zero sums are left out
            keep = scores != 0
            cands, scores = cands[keep], scores[keep]
        return cands, scores


def _pick(values: np.ndarray | None, mask: np.ndarray) -> np.ndarray | None:
    return values[mask] if values is not None else None


def _best_arrays(rowids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best by score, ties to the lower rowid, best first (exact at the k-th place's ties)."""
    if len(scores) > k:
        kth = -np.partition(-scores, k - 1)[k - 1]
        keep = scores >= kth
        rowids, scores = rowids[keep], scores[keep]
    order = np.lexsort((rowids, -scores))[:k]
    return rowids[order], scores[order]


def _best(rowids: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    rowids, scores = _best_arrays(rowids, scores, k)
    return [(int(r), float(s)) for r, s in zip(rowids, scores)]


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
    damaged = StoreError("the index statistics are damaged", "run `policybot reindex` to rebuild the index")
    if not (isinstance(row[0], int) and isinstance(row[1], int) and isinstance(row[2], bytes) and len(row[2]) % 8 == 0):
        raise damaged
    df = np.frombuffer(row[2], dtype=np.dtype(np.int64).newbyteorder("<")).astype(np.int64)
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
            return known


#: Most term ids a writer keeps between its transactions.
TERM_CACHE_SIZE = 4_000_000
_term_cache = _TermCache()


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


def _in_chunks(conn: sqlite3.Connection, sql: str, values: Sequence[int]) -> list[tuple]:
    """Run `sql` (with one `{marks}` placeholder list) over values, 500 at a time."""
    rows: list[tuple] = []
    for start in range(0, len(values), 500):
        chunk = [int(v) for v in values[start:start + 500]]
        rows += conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk).fetchall()
    return rows


def remove_passages(conn: sqlite3.Connection, rowids: Sequence[int],
                    cache: dict[int, Segment] | None = None) -> None:
    """Tombstone passages and take them out of the statistics (inside the caller's transaction).

    Only the segments holding the passages are read (found from the small rowid
    arrays), or taken from `cache` (e.g. the current snapshot's segments).
    """
    if not len(rowids):
        return
    wanted = np.asarray(sorted(set(int(r) for r in rowids)), dtype=np.int64)
    dead = {r[0] for r in _in_chunks(conn, "SELECT rowid FROM tombstones WHERE rowid IN ({marks})", wanted)}
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
            raise StoreError(f"index segment {seg_id} is damaged", "run `policybot reindex` to rebuild the index")
        seg_rowids = np.frombuffer(blob, dtype=np.dtype(np.int64).newbyteorder("<"))
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
    arrays = {name: np.frombuffer(blob, dtype=np.dtype(_DTYPES[name]).newbyteorder("<"))
              for name, blob in zip(names, row)}
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

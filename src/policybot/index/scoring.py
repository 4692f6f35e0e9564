"""Scoring: a read-only snapshot of the index, its BM25Okapi scores and its exact top k.

A query (`Snapshot.top`) numbers all segments' passages as one range, sums
contributions into a per-thread scratch array with a few array operations
(accumulator.py), and skips most of the postings of very common terms when
they cannot change the top k (term-at-a-time MaxScore).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Iterable

import numpy as np

from .accumulator import Accumulator, Slice
from .bm25 import B, K1, Stats, passage_norms, tf_part
from .segments import Segment, TermBound

#: A term's postings are "long" when it is in more than 1/LONG_POSTINGS of the passages (`top` may
#: not score all of them).
LONG_POSTINGS = 64
#: Memory for the tf parts of postings lists a snapshot keeps (see Snapshot.tf_part_of).
TF_PART_CACHE_BYTES = 384 * 2**20
#: Relative slack on score upper bounds, so pruning never trusts the last bits of a float.
_BOUND_SLACK = 1e-9
#: Per-term bounds of the tf part are computed for an average passage length this much longer
#: than the current one, so they stay valid while the corpus grows (see term_bound) ...
BOUND_MARGIN = 1.25
#: ... and hold for all but this fraction of a long postings list (its outliers, scored apart).
OUTLIERS = 0.03


def term_bound(seg: Segment, s: Slice, c: float) -> TermBound:
    """A bound of the tf part of every posting of a slice not in its `outliers` (a few percent).

    The tf part, tf * (k1 + 1) / (tf + k1 * (1 - b) + c * len) with
    c = k1 * b / avgdl, only falls as c grows (avgdl shrinks), so values
    computed at some c_ref <= c bound it. They are computed at
    c_ref = c / BOUND_MARGIN and kept in the segment (segments are immutable)
    until avgdl has grown by that margin.
    """
    found = seg.bounds.get(s.term_id)
    if found is not None and found.c_ref <= c:
        return found
    c_ref = c / BOUND_MARGIN
    norms = seg.lens[s.docs].astype(np.float64)
    norms *= c_ref
    norms += K1 * (1 - B)
    part = tf_part(s.tfs, norms)
    cut = int(len(part) * (1 - OUTLIERS))
    bound = float(np.partition(part, cut)[cut]) if cut < len(part) else float(part.max())
    seg.bounds[s.term_id] = found = TermBound(c_ref, bound, part > bound)
    return found


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
        self._avgdl = stats.avgdl
        sizes = [seg.n_docs for seg in segments]
        self.bases = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))
        self.n_total = int(self.bases[-1])
        lens = np.concatenate([seg.lens for seg in segments]).astype(np.float64) if segments else np.zeros(0)
        self.norm = passage_norms(lens, self._avgdl)
        self._rowids = np.concatenate([seg.rowids for seg in segments]) if segments else np.zeros(0, np.int64)
        dead = np.fromiter(deleted, dtype=np.int64, count=len(deleted)) if deleted else None
        live = ~np.isin(self._rowids, dead) if dead is not None else None
        self._live = None if live is None or live.all() else live
        for seg, start, end in zip(segments, self.bases[:-1].tolist(), self.bases[1:].tolist()):
            seg.norm = self.norm[start:end]
            seg.live = self._live[start:end] if self._live is not None else None
        self.doc_dtype = np.int32 if self.n_total < 2**31 else np.int64
        self._parts: dict[tuple[int, int], np.ndarray] = {}
        self._parts_bytes = 0

    def tf_part_of(self, s: Slice) -> np.ndarray | None:
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

    def _slices(self, ids: np.ndarray, weights: np.ndarray) -> list[Slice]:
        """The query terms' postings in every segment (segment by segment, each in query order)."""
        found = []
        weight_list = weights.tolist()
        for i, seg in enumerate(self.segments):
            for hit, w in zip(seg.postings_of(ids), weight_list):
                if hit is not None:
                    term_id, docs, tfs = hit
                    found.append(Slice(i, term_id, docs, tfs, w))
        return found

    def _masked(self, s: Slice, mask: np.ndarray) -> Slice:
        """The postings of a slice that a boolean mask selects (with their tf parts, when known)."""
        part = self.tf_part_of(s)
        return Slice(s.segment, s.term_id, s.docs[mask], s.tfs[mask], s.weight,
                     part[mask] if part is not None else None, whole=False)

    def score(self, term_ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(passage rowids, BM25Okapi scores) of live passages containing any query term.

        Repeated query terms count once per occurrence, as in BM25Okapi.get_scores
        (whose sums may differ in the last bits: terms are added in another order).
        Passages whose score is exactly 0 are left out (as are all others: their score is 0).
        """
        slices = self._slices(*self._query(term_ids))
        if not slices:
            return np.zeros(0, np.int64), np.zeros(0)
        cands, scores = Accumulator(self).add(slices).collect()
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
        part of at most a bound (`term_bound`), so they add at most
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
        acc = Accumulator(self)
        if not long_terms:
            cands, scores = acc.add(slices).collect()
        else:
            cands, scores = self._top_with_long_lists(acc, slices, long_terms, k)
        if self._live is not None:
            keep = self._live[cands]
            cands, scores = cands[keep], scores[keep]
        return _best(self._rowids[cands], scores, k)

    def _top_with_long_lists(self, acc: Accumulator, slices: list[Slice], long_terms: set[int],
                             k: int) -> tuple[np.ndarray, np.ndarray]:
        """Passages that can be in the top k, with exact scores (see `top`)."""
        c = K1 * B / self._avgdl if self._avgdl else 0.0
        longs, bulks, first = [], [], []
        reach: dict[int, float] = {}
        for s in slices:
            if s.term_id not in long_terms:
                first.append(s)
                continue
            bound = term_bound(self.segments[s.segment], s, c)
            reach[s.term_id] = max(reach.get(s.term_id, 0.0), s.weight * bound.bound)
            if bound.outliers.any():
                first.append(self._masked(s, bound.outliers))
            longs.append(s)
            bulks.append(~bound.outliers)
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
        acc.add([self._masked(s, m) for s, m in zip(longs, bulks) if s.term_id not in lookup])
        rest = [(s, m) for s, m in zip(longs, bulks) if s.term_id in lookup]
        acc.add_to_hit([s for s, _ in rest], [m for _, m in rest])
        # The top k score at least kth (exact scores of k passages): the others need not be read.
        return acc.collect(floor=kth * (1 - _BOUND_SLACK))

    def _kth_lower_bound(self, acc: Accumulator, longs: list[Slice], bulks: list[np.ndarray], k: int) -> float:
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
            base, end = int(self.bases[s.segment]), int(self.bases[s.segment + 1])
            lo, hi = np.searchsorted(docs, [base, end])
            if lo == hi:
                continue
            local = (docs[lo:hi] - base).astype(s.docs.dtype)
            at = np.searchsorted(s.docs, local)
            at[at == len(s.docs)] = 0
            found = (s.docs[at] == local) & bulk[at]
            if found.any():
                part = self.tf_part_of(s)
                pos = at[found]
                if part is None:
                    part = tf_part(s.tfs[pos], self.segments[s.segment].norm[s.docs[pos]])
                else:
                    part = part[pos]
                scores[lo:hi][found] += part * s.weight
        return float(scores.min())


def _best(rowids: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (rowid, score) pairs by score, ties to the lower rowid, best first (exact at the
    k-th place's ties)."""
    if len(scores) > k:
        kth = -np.partition(-scores, k - 1)[k - 1]
        keep = scores >= kth
        rowids, scores = rowids[keep], scores[keep]
    order = np.lexsort((rowids, -scores))[:k]
    return [(int(r), float(s)) for r, s in zip(rowids[order], scores[order])]

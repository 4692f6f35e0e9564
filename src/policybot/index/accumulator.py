"""Summing BM25 contributions of query terms' postings into a per-thread scratch array.

A query's postings are cut into slices (one term in one segment); an
`Accumulator` adds their contributions, idf * tf part, into an array indexed
by the snapshot's passage numbers, and gathers the passages hit and their
scores, leaving the array all-zero for the next query on the thread.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .bm25 import tf_part

if TYPE_CHECKING:
    from .scoring import Snapshot


@dataclass
class Slice:
    """One query term's postings in one segment, and the term's weight (idf * occurrences)."""

    segment: int  # the segment's position in the snapshot
    term_id: int
    docs: np.ndarray
    tfs: np.ndarray
    weight: float
    part: np.ndarray | None = None  # tf * (k1 + 1) / (tf + norm) of these postings, when known
    whole: bool = True  # all of the term's postings in the segment (else: some of them)


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


class Accumulator:
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

    def _numbered(self, slices: list[Slice], sizes: list[int]) -> np.ndarray:
        """The slices' postings' passages, one after another, in the snapshot's numbering."""
        snap = self.snapshot
        docs = np.concatenate([s.docs for s in slices]).astype(snap.doc_dtype)
        if any(s.segment for s in slices):
            docs += np.repeat(snap.bases[[s.segment for s in slices]].astype(snap.doc_dtype), sizes)
        return docs

    def _contributions(self, slices: list[Slice]) -> tuple[np.ndarray, np.ndarray]:
        """(passages, idf * tf * (k1 + 1) / (tf + norm)) of every posting of `slices`."""
        snap = self.snapshot
        parts = [snap.tf_part_of(s) for s in slices]
        known = [s for s, p in zip(slices, parts) if p is not None]
        if known and len(known) < len(slices):
            docs_a, c_a = self._contributions(known)
            docs_b, c_b = self._contributions([s for s, p in zip(slices, parts) if p is None])
            return np.concatenate((docs_a, docs_b)), np.concatenate((c_a, c_b))
        sizes = [len(s.docs) for s in slices]
        if len(slices) == 1:
            s = slices[0]
            docs = s.docs.astype(snap.doc_dtype) + snap.bases[s.segment] if s.segment else s.docs
        else:
            docs = self._numbered(slices, sizes)
        weights = np.repeat(np.array([s.weight for s in slices]), sizes) if len(slices) > 1 else slices[0].weight
        if known:
            # Long lists: their tf parts are cached, only the idf is left to multiply.
            contributions = np.concatenate(parts) if len(parts) > 1 else parts[0].copy()
            contributions *= weights
            return docs, contributions
        tfs = np.concatenate([s.tfs for s in slices]) if len(slices) > 1 else slices[0].tfs
        # BM25Okapi.get_scores' expression, idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avgdl))).
        contributions = tf_part(tfs, snap.norm[docs])
        contributions *= weights
        return docs, contributions

    def _add(self, docs: np.ndarray, contributions: np.ndarray) -> None:
        try:
            np.add.at(self.acc, docs, contributions)
        except BaseException:
            _scratch.drop()
            raise

    def add(self, slices: list[Slice]) -> "Accumulator":
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
            self.cands = np.zeros(0, self.snapshot.doc_dtype)
        elif total * 16 < self.n:
            docs = np.sort(np.concatenate(self.touched)) if len(self.touched) > 1 else np.sort(self.touched[0])
            self.cands = docs[np.concatenate(([True], docs[1:] != docs[:-1]))] if len(docs) else docs
        else:
            self.cands = np.flatnonzero(self.acc[:self.n]).astype(self.snapshot.doc_dtype)
        self.touched = [self.cands]
        return self.acc[self.cands]

    def add_to_hit(self, slices: list[Slice], masks: list[np.ndarray]) -> "Accumulator":
        """Add the postings of `slices` selected by `masks` whose passage has been hit so far."""
        if not slices:
            return self
        snap = self.snapshot
        sizes = [len(s.docs) for s in slices]
        docs = self._numbered(slices, sizes)
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
            part = snap.tf_part_of(s)
            if part is not None:
                piece = part[local]
            else:
                piece = tf_part(s.tfs[local], snap.norm[docs[cuts[i]:cuts[i + 1]]])
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

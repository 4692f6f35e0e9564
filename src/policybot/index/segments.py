"""Segments: immutable arrays of postings, built from passages, merged, and kept as BLOBs.

A segment inverts some passages' terms: for term `term_ids[k]`, its postings
(local passage numbers `doc_idx` and term frequencies `tfs`) are
`offsets[k]:offsets[k+1]`. Arrays are numpy, stored as raw little-endian
BLOBs (never pickled); term frequencies in the narrowest integer that holds
the segment's largest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple, Sequence

import numpy as np

from ..errors import StoreError

#: The arrays of a segment, in the order of the `segments` table's BLOB columns.
COLUMNS = ("rowids", "lens", "term_ids", "offsets", "doc_idx", "tfs")
DTYPES = {"rowids": np.int64, "lens": np.int32, "term_ids": np.int32,
          "offsets": np.int64, "doc_idx": np.int32, "tfs": np.int32}
#: Term frequencies are stored in the narrowest of these that holds the segment's largest
#: (the width is the BLOB's length over the number of postings; old stores have int32).
_TF_DTYPES = {1: np.uint8, 2: np.uint16, 4: np.int32}


class TermBound(NamedTuple):
    """An upper bound of the tf part of a term's postings (see scoring.term_bound)."""

    c_ref: float  # computed for this k1 * b / avgdl; it holds while avgdl is no larger
    bound: float  # of every posting but the outliers
    outliers: np.ndarray  # boolean mask over the term's postings


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
    bounds: dict[int, TermBound] = field(default_factory=dict, repr=False)

    @property
    def n_docs(self) -> int:
        return len(self.rowids)

    def reuse(self) -> "Segment":
        """The same immutable arrays (and bounds cache), without per-snapshot fields."""
        return Segment(self.seg_id, self.rowids, self.lens, self.term_ids, self.offsets, self.doc_idx,
                       self.tfs, bounds=self.bounds)

    def postings_of(self, term_ids: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray] | None]:
        """(term id, local passages, term frequencies) of each of several terms (an int32 array),
        None where the segment lacks it. Plain tuples: a query makes many, and a named tuple
        costs about a microsecond more each (a few percent of a query at 135k passages)."""
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


class _MergeSource(NamedTuple):
    """What one segment brings to a merge."""

    seg: Segment
    keep: np.ndarray | None  # its live passages (None: all of them)
    posting_keep: np.ndarray | None  # its live postings (None: all of them)
    live_counts: np.ndarray  # live postings of each of its terms
    new_local: np.ndarray | None  # each passage's number among its live ones
    where: np.ndarray  # each of its terms' place in the merged term list
    base: int  # the merged number of its first live passage


def _merge_source(seg: Segment, dead: np.ndarray | None, union: np.ndarray, base: int) -> _MergeSource:
    keep = ~np.isin(seg.rowids, dead) if dead is not None else None
    where = np.searchsorted(union, seg.term_ids)
    if keep is None or keep.all():
        return _MergeSource(seg, None, None, np.diff(seg.offsets), None, where, base)
    posting_keep = keep[seg.doc_idx]
    kept_before = np.concatenate(([0], np.cumsum(posting_keep, dtype=np.int64)))
    live_counts = kept_before[seg.offsets[1:]] - kept_before[seg.offsets[:-1]]
    new_local = (np.cumsum(keep, dtype=np.int64) - 1).astype(np.int32)
    return _MergeSource(seg, keep, posting_keep, live_counts, new_local, where, base)


def _place(src: _MergeSource, cursor: np.ndarray, doc_idx: np.ndarray,
           tfs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Write a source's live postings at their merged places (`cursor`: each term's next free
    place, advanced past them); returns its live passages' (rowids, lens)."""
    seg, keep, live_counts = src.seg, src.keep, src.live_counts
    starts = cursor[src.where]
    kept = int(live_counts.sum())
    dest = np.arange(kept, dtype=np.int64) + np.repeat(starts - (np.cumsum(live_counts) - live_counts), live_counts)
    cursor[src.where] += live_counts
    if keep is None:
        doc_idx[dest] = seg.doc_idx + src.base
        tfs[dest] = seg.tfs
        return seg.rowids, seg.lens
    assert src.new_local is not None and src.posting_keep is not None
    doc_idx[dest] = src.new_local[seg.doc_idx[src.posting_keep]] + src.base
    tfs[dest] = seg.tfs[src.posting_keep]
    return seg.rowids[keep], seg.lens[keep]


def merge_segments(segments: Sequence[Segment], deleted: set[int], seg_id: int = 0) -> Segment:
    """One segment holding the live passages of several (tombstoned passages dropped).

    Postings are placed straight into their merged position (term by term, the
    segments' passages one after another), so a merge is linear in its size.
    """
    dead = np.fromiter(deleted, dtype=np.int64, count=len(deleted)) if deleted else None
    union = _sorted_unique(np.concatenate([s.term_ids for s in segments])) if segments else np.zeros(0, np.int32)
    counts = np.zeros(len(union), dtype=np.int64)
    sources = []
    base = 0
    for seg in segments:
        src = _merge_source(seg, dead, union, base)
        counts[src.where] += src.live_counts
        sources.append(src)
        base += seg.n_docs if src.keep is None else int(src.keep.sum())
    offsets = np.concatenate(([0], np.cumsum(counts)))
    cursor = offsets[:-1].copy()
    n_post = int(offsets[-1])
    doc_idx = np.empty(n_post, dtype=np.int32)
    max_tf = max((int(s.tfs.max()) for s in segments if len(s.tfs)), default=0)
    tfs = np.empty(n_post, dtype=_tf_dtype(max_tf))
    rowid_parts, len_parts = zip(*(_place(src, cursor, doc_idx, tfs) for src in sources)) if sources else ((), ())
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


def array_from_blob(blob: bytes, dtype: type) -> np.ndarray:
    """A read-only array over a little-endian BLOB."""
    return np.frombuffer(blob, dtype=np.dtype(dtype).newbyteorder("<"))


def damaged_segment(seg_id: int) -> StoreError:
    return StoreError(f"index segment {seg_id} is damaged", "run `policybot reindex` to rebuild the index")


def segment_blobs(seg: Segment) -> dict[str, bytes]:
    """Raw little-endian bytes of each array, for the `segments` table."""
    blobs = {}
    for name in COLUMNS:
        array = getattr(seg, name)
        dtype = np.dtype(array.dtype if name == "tfs" and array.dtype in (np.uint8, np.uint16) else DTYPES[name])
        blobs[name] = np.ascontiguousarray(array, dtype=dtype.newbyteorder("<")).tobytes()
    return blobs


def segment_from_row(seg_id: int, row: Sequence[bytes]) -> Segment:
    """Rebuild a segment from its BLOBs, checking that the arrays fit together."""
    blobs = dict(zip(COLUMNS, row))
    if any(not isinstance(blob, bytes) or len(blob) % np.dtype(DTYPES[name]).itemsize
           for name, blob in blobs.items() if name != "tfs") or not isinstance(blobs["tfs"], bytes):
        raise damaged_segment(seg_id)  # a tampered or truncated BLOB, or text where bytes belong
    arrays = {name: array_from_blob(blobs[name], DTYPES[name]) for name in COLUMNS if name != "tfs"}
    n_post = len(arrays["doc_idx"])
    width = len(blobs["tfs"]) // n_post if n_post else 4
    if width not in _TF_DTYPES or len(blobs["tfs"]) != width * n_post:
        raise damaged_segment(seg_id)
    arrays["tfs"] = array_from_blob(blobs["tfs"], _TF_DTYPES[width])
    seg = Segment(seg_id=seg_id, **arrays)
    if not _fits(seg):
        raise damaged_segment(seg_id)
    return seg


def _fits(seg: Segment) -> bool:
    """Whether a segment's arrays fit together (offsets, sorted terms, passage numbers in range)."""
    n_post = len(seg.doc_idx)
    return (len(seg.lens) == seg.n_docs and len(seg.offsets) == len(seg.term_ids) + 1
            and (seg.offsets[-1] == n_post if len(seg.offsets) else False)
            and seg.offsets[0] == 0 and bool(np.all(np.diff(seg.offsets) >= 0))
            and bool(np.all(np.diff(seg.term_ids) > 0)) and (not len(seg.term_ids) or int(seg.term_ids[0]) >= 0)
            and (not seg.n_docs or int(seg.lens.min()) >= 0)
            and (n_post == 0 or (int(seg.doc_idx.min()) >= 0 and int(seg.doc_idx.max()) < seg.n_docs)))

"""An exact BM25Okapi index stored as array segments in SQLite.

Scores are rank-bm25's `BM25Okapi` (k1=1.5, b=0.75, epsilon=0.25) computed over
the live passages, but only for the postings of the query's terms, with
get_scores' own expression in float64, so they match rank-bm25 to the last
bits (sums may add terms in another order).

- `bm25`: the formula's parameters, its tf part, and the corpus statistics.
- `segments`: immutable arrays of postings (a new segment per add), built,
  merged (tombstoned passages dropped) and turned into BLOBs and back.
- `accumulator`, `scoring`: a `Snapshot` of the index at one store generation,
  its scores and its exact top k (skipping postings of common terms that
  cannot change it).
- `storage`: the schema and all the index's SQL: term ids, statistics,
  adding and removing passages, when to merge segments, loading a snapshot.

Callers use the names below; the modules are the index's own rooms.
"""

from .scoring import Snapshot
from .storage import SCHEMA, add_passages, load_snapshot, merge_if_needed, remove_passages, select_in, term_ids_for

__all__ = ["SCHEMA", "Snapshot", "add_passages", "load_snapshot", "merge_if_needed", "remove_passages",
           "select_in", "term_ids_for"]

"""BM25Okapi's formula, as rank-bm25 computes it: the parameters, the tf part and the statistics.

Every score the index gives is built from these pieces, evaluated in float64
with get_scores' own operations in its own order, so scores match rank-bm25
to the last bits (sums may add terms in another order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

K1 = 1.5
B = 0.75
EPSILON = 0.25


def passage_norms(lens: np.ndarray, avgdl: float) -> np.ndarray:
    """k1 * (1 - b + b * len / avgdl) of each passage (float64 lengths), as BM25Okapi writes it."""
    return K1 * (1 - B + B * lens / avgdl) if avgdl else np.full(len(lens), K1 * (1 - B))


def tf_part(tfs: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """BM25Okapi's tf part, tf * (k1 + 1) / (tf + norm), per posting, as float64.

    `norms` (the norm of each posting's passage) is a fresh array the caller
    gives up: it is overwritten, so no temporary is made.
    """
    part = tfs.astype(np.float64)
    norms += part
    part *= K1 + 1
    part /= norms
    return part


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

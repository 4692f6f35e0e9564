"""A BM25 candidate's signals and the fused score that weighs them (`search.ranking` has the formula).

To add a signal: a field on `Candidate`, its value in `candidate_features` (from a pure
function in `signals`), its weight in `params.RankingParams` (with where the value came
from) and its term in `fuse`. A signal that reads more than the passage (its article, the
store) is added after the first sort over the leading candidates only, as
`Searcher._add_article_signal` does.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..store import PassageRow
from .params import RankingParams
from .query import Analysis
from .signals import bigram_share, coverage, longest_common, named_share, normalized


@dataclass
class Candidate:
    """A passage BM25 found, with the signals the fused ranking combines."""

    row: PassageRow
    bm25: float
    cover: float
    common: int  # characters of the longest verbatim piece of the question in the passage
    phrase: float
    bigrams: float
    named: float = 0.0  # share of the title or a short heading the question repeats (title_match_weight)
    article: float = 0.0  # question weight the article holds beyond this passage (article_weight)
    fused: float = 0.0


def passage_text(row: PassageRow) -> str:
    """The passage's retrievable text, normalized: title and headings, then the text."""
    return normalized("\n".join([row.title, *row.section])) + "\n" + normalized(row.text)


def candidate_features(row: PassageRow, bm25: float, analysis: Analysis, params: RankingParams) -> Candidate:
    """Every per-passage signal of one BM25 candidate (the fused score is set by `fuse`)."""
    body = normalized(row.text)
    text = passage_text(row)
    core = analysis.core
    common = longest_common(core, body)
    named = 0.0
    if params.title_match_weight:
        headings = params.title_match_heading_max_chars if params.title_match_headings else None
        named = named_share(core, row.title, row.section, min_chars=params.title_match_min_chars,
                            heading_max_chars=headings)
    return Candidate(
        row, bm25,
        cover=coverage(analysis.units, text, params.partial_match_credit),
        common=common,
        phrase=common / len(core) if core else 0.0,
        bigrams=bigram_share(analysis.core_bigrams, text),
        named=named,
    )


def fuse(candidates: list[Candidate], params: RankingParams) -> None:
    """Set each candidate's fused score from its passage signals (BM25 scaled to the best
    candidate's, 0 when none is positive) and sort them best first."""
    top_bm25 = max(c.bm25 for c in candidates)
    for c in candidates:
        bm25 = max(c.bm25, 0.0) / top_bm25 if top_bm25 > 0 else 0.0
        c.fused = (params.bm25_weight * bm25 + params.coverage_weight * c.cover + params.phrase_weight * c.phrase
                   + params.bigram_weight * c.bigrams + params.title_match_weight * c.named)
    sort_best_first(candidates)


def sort_best_first(candidates: list[Candidate]) -> None:
    """By fused score; ties by BM25, then passage id (the order is the same on every run)."""
    candidates.sort(key=lambda c: (-c.fused, -c.bm25, c.row.id))

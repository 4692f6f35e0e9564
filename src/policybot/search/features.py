"""A BM25 candidate's signals and the fused score that weighs them (`search.ranking` has the formula).

To add a signal: a field on `Candidate`, its value in `candidate_features` (from a pure
function in `signals`), its weight in `params.RankingParams` (with where the value came
from) and its term in `fuse`. A signal that reads more than the passage (its article, the
store) is added after the first sort over the leading candidates only, as
`Searcher._add_article_signal` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..store import PassageRow
from . import timeq
from .params import RankingParams
from .query import Analysis
from .signals import bigram_share, coverage, longest_common, named_share, normalized, wanted_answer


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
    answer_type: bool = False  # it holds the kind of answer asked for (answer_type_weight)
    time: float = 0.0  # the time signal's part of the fused score (time_weight, latest_weight …)
    time_fit: float = 0.0  # how well it fits the asked period (timeq.match)
    everyday: float = 1.0  # its coverage with words weighed by everyday rarity (min_everyday_share)
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
    wants = wanted_answer(analysis.query.text) if params.answer_type_weight else None
    return Candidate(
        row, bm25,
        cover=coverage(analysis.units, text, params.partial_match_credit),
        common=common,
        phrase=common / len(core) if core else 0.0,
        bigrams=bigram_share(analysis.core_bigrams, text),
        named=named,
        answer_type=bool(wants and wants.search(row.text)),
    )


def fuse(candidates: list[Candidate], params: RankingParams) -> None:
    """Set each candidate's fused score from its passage signals (BM25 scaled to the best
    candidate's, 0 when none is positive) and sort them best first."""
    top_bm25 = max(c.bm25 for c in candidates)
    for c in candidates:
        bm25 = max(c.bm25, 0.0) / top_bm25 if top_bm25 > 0 else 0.0
        c.fused = (params.bm25_weight * bm25 + params.coverage_weight * c.cover + params.phrase_weight * c.phrase
                   + params.bigram_weight * c.bigrams + params.title_match_weight * c.named
                   + params.answer_type_weight * c.answer_type)
    sort_best_first(candidates)


def answer_before_summary(candidates: list[Candidate], params: RankingParams) -> None:
    """Within one article, a passage holding the kind of answer asked for comes before a better-
    ranked one that does not (an opening paragraph repeats the question's words; the answer is
    further down), when it covers nearly as much of the question (`sibling_cover_margin`).
    Candidates must be sorted best first; they are re-sorted."""
    first_without: dict[str, Candidate] = {}
    for c in candidates:
        article = c.row.article_id
        if not c.answer_type:
            first_without.setdefault(article, c)
        elif article in first_without:
            above = first_without.pop(article)
            if c.cover + c.article >= above.cover + above.article - params.sibling_cover_margin:
                c.fused = above.fused + 1e-9
    sort_best_first(candidates)


def add_time_signal(candidates: list[Candidate], analysis: Analysis, params: RankingParams) -> None:
    """Lift passages about the asked period (or the newest, for 最新/最近); sink news dated after
    "today" when the question reads time relatively. Candidates must be sorted best first."""
    ask, today = analysis.time, analysis.today
    days = {c.row.id: timeq.parse_date(c.row.date) for c in candidates}
    newest = _newest_topical(candidates, days, today) if ask.latest else None
    for c in candidates:
        day = days[c.row.id]
        if ask.periods:
            periods = timeq.read_text(c.row.title + "\n" + c.row.text, day or today or date.today())
            c.time_fit, conflict = timeq.match(ask, day, periods)
            c.time = params.time_weight * c.time_fit - (params.time_conflict_penalty if conflict else 0.0)
        if newest is not None and day is not None and day <= newest:
            c.time += params.latest_weight * max(0.0, 1 - (newest - day).days / params.latest_days)
        if ask.relative and today is not None and day is not None and day > today:
            c.time -= params.future_penalty
        c.fused += c.time


#: Candidates scoring at least this share of the best are "about the topic" when looking for its newest report.
TOPICAL_SHARE = 0.8


def _newest_topical(candidates: list[Candidate], days: dict[int, date | None], today: date | None) -> date | None:
    """The newest date (not after today) among the candidates about the question's topic."""
    best = candidates[0].fused
    return max((days[c.row.id] for c in candidates if c.fused >= TOPICAL_SHARE * best and days[c.row.id]
                and (today is None or days[c.row.id] <= today)), default=None)


def sort_best_first(candidates: list[Candidate]) -> None:
    """By fused score; ties by BM25, then passage id (the order is the same on every run)."""
    candidates.sort(key=lambda c: (-c.fused, -c.bm25, c.row.id))

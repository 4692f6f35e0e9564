"""What the reader is shown: distinct passages, each with its answer sentence and the duplicates
folded into it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..store import PassageRow
from .features import Candidate, passage_text
from .params import RankingParams
from .query import Analysis
from .signals import contained, shingles
from .snippets import answer_kind, snippet_pair


@dataclass(frozen=True)
class Result:
    """One cited passage in an answer."""

    rank: int
    score: float
    passage: PassageRow
    snippet: str
    matched: tuple[str, ...]
    #: Other articles carrying this passage's text (its own article repeating it does not count).
    duplicates: int = 0
    #: The passages folded into this one (the same or nearly the same text elsewhere).
    folded: tuple[PassageRow, ...] = field(default=(), compare=False, repr=False)

    def as_dict(self) -> dict[str, object]:
        p = self.passage
        return {
            "rank": self.rank, "score": round(self.score, 6), "article_id": p.article_id,
            "title": p.title, "source": p.source, "date": p.date, "url": p.url,
            "section": " › ".join(p.section), "paragraph": p.ordinal,
            "text": p.text, "snippet": self.snippet, "matched": list(self.matched),
            "duplicates": self.duplicates,
        }


@dataclass(frozen=True)
class Answer:
    """The passages that answer a question (empty when nothing is relevant)."""

    question: str
    results: list[Result] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"question": self.question, "results": [r.as_dict() for r in self.results]}


@dataclass
class Shown:
    """A passage kept for the answer, with what duplicates are compared by."""

    candidate: Candidate
    snippet: str
    shingles: frozenset[str]  # of the whole passage text
    snippet_shingles: frozenset[str]  # of its answer sentence (empty when too short to compare)
    folded: list[PassageRow] = field(default_factory=list)

    def repeats(self, better: Shown, params: RankingParams) -> bool:
        """The reader would see the same thing twice: most of this text, or its answer
        sentence, is in the better passage."""
        return (contained(self.shingles, better.shingles) >= params.near_duplicate
                or contained(self.snippet_shingles, better.snippet_shingles) >= params.same_snippet)


def distinct_results(candidates: list[Candidate], analysis: Analysis, floor: float, limit: int,
                     params: RankingParams) -> list[Result]:
    """The first `limit` distinct passages covering at least `floor` of the question, each with
    the duplicates among the best `duplicate_window` candidates folded into it."""
    wants = answer_kind(analysis.query.text)
    kept: list[Shown] = []
    for c in candidates[:max(params.duplicate_window, 3 * limit)]:
        if c.cover < floor:
            continue
        snippet, fold_key = snippet_pair(c.row.text, analysis.units, params, wants)
        compared = shingles(fold_key) if len(fold_key) >= params.same_snippet_min_chars else frozenset()
        shown = Shown(c, snippet, shingles(c.row.text), compared)
        twin = next((better for better in kept if shown.repeats(better, params)), None)
        if twin is not None:
            twin.folded.append(c.row)
        elif len(kept) < limit:
            kept.append(shown)
    return [_result(rank, shown, analysis) for rank, shown in enumerate(kept, 1)]


def _result(rank: int, shown: Shown, analysis: Analysis) -> Result:
    c = shown.candidate
    text = passage_text(c.row)
    matched = tuple(w for w in analysis.query.words if w in text and len(w) > 1)
    # "另有 N 篇文章": other articles only; the passage's own article repeating it is no other article.
    others = len({row.article_id for row in shown.folded} - {c.row.article_id})
    return Result(rank, c.fused, c.row, shown.snippet, matched, others, tuple(shown.folded))

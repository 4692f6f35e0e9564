"""Answer a question: exact BM25Okapi candidates, a fused re-ranking, a "no answer" rule.

The names in `code` are fields of `RankingParams` (`search.params`), which also records
where each value came from.

1. **Question** (`search.query`). Time words (2022年前7个月, 上个月, 最新 …) become asked
   periods read against "today" (`search.timeq`, `time_words`) and are cut out;
   everyday words stand for the written ones news use and filler is cut out
   (`search.aliases`, `aliases`: 个体户 counts where the text says 个体工商户, and the
   written forms join the BM25 terms). Interrogative phrases (哪些, 多少个, 什么样的,
   如何, 谁 …) are cut out before segmenting (`Segmenter.query`; `strip_question_words`);
   the rest is segmented like passages: jieba words minus stopwords, plus character
   bigrams of Chinese runs. A question in traditional characters is also converted to
   simplified (OpenCC t2s), and the form with more words in the corpus is used
   (`query_in_corpus_script`).
2. **Candidates.** The question's terms are scored with BM25Okapi over all live
   passages, exactly as rank-bm25 computes it (`index.Snapshot.top`; the parity
   test holds the index to it), and the best `candidates` passages are kept. With
   filters (`Filters`: since, until, source) the best of the passages they let
   through are kept (`Snapshot.score`, masked).
3. **Fused ranking** (`search.features`, `search.signals`). Each candidate passage gets

       fused = bm25_weight        · max(bm25, 0) / max(bm25 of the candidates)   (0 if none is positive)
             + coverage_weight    · coverage
             + phrase_weight      · longest piece of the question found verbatim / question length
             + bigram_weight      · share of the question's character bigrams found
             + title_match_weight · share of the passage's title (or a short heading) the
                                    question repeats verbatim (`named_share`)
             + answer_type_weight · 1 if the passage holds the kind of answer asked for
                                    (a number with the unit after 多少/几, a year for 哪年 …)
             + time               · time_weight · fit to the asked period − time_conflict_penalty
                                    if it names only other periods of that kind; for 最新/最近,
                                    latest_weight · (1 − days before the topic's newest report /
                                    latest_days); − future_penalty for news after "today"
                                    when the question reads time relatively
             + article_weight     · coverage of what a reader sees around the passage in its
                                    article (its title, first `article_head_passages` and
                                    `article_near_passages` each side) − coverage of the
                                    passage, if positive (the best `article_window` only)

   and candidates are sorted by it (ties: BM25, then passage id). The article
   term lifts a passage whose article names what the question asks about
   elsewhere (a city named in the opening paragraph, the measure in the fourth);
   of two copies of a republished rule it cites the one from that city's
   article. `coverage` is the share of the question's word weight found in the
   passage's retrievable text (title, headings, text). A word's weight
   (`weigh_words`) is a positive idf, log(1 + (N − df + ½)/(df + ½)), with df taken
   from the index (a longer word jieba may cut differently in passages is bounded
   by its rarest bigram; a word the corpus cannot contain weighs most), times
   `proper_name_multiplier` for place and organisation names (宜兴, 工业和信息化部:
   they say which passage is meant more than 发展 or 推进), `single_char_multiplier`
   for lone characters and `frame_word_multiplier` for words that name the kind of
   answer wanted (特点, 原因: `data/question_frames.txt`). A place counts with or
   without its suffix (重庆市, 重庆). A word jieba cut differently ("陕西省政府"
   against "陕西省人民政府") counts by the idf-weighted share of its bigrams found,
   times `partial_match_credit`.
   The second signal reads only the candidates' texts: a question costs the
   BM25 postings plus O(candidates) string work. It also repairs BM25Okapi's
   inverted ranking in tiny corpora (a new user's first article), where terms
   in most passages get a negative idf floor: there the BM25 part is zero or
   negative and the other signals decide.
4. **No answer** (`Searcher.answerable`). The question is answered only when the
   best passage covers at least `min_coverage` of its weight, or
   `min_coverage_with_phrase` and shares a verbatim piece of `min_phrase_chars`
   characters with it, and covers `min_everyday_share` times that threshold with the
   words weighed by their everyday rarity instead (matching only 处理 and 不好 of
   "婆媳关系不好怎么处理" is no answer). An asked period counts as one more question
   word, covered as well as the passage fits it (`time_coverage_share`). Calibrated on
   the dev sets (answerable), tests/data/offtopic_questions.txt (seed + distractors) and
   the xwlb dev off-topic questions; the other off-topic files are only measured.
   Further passages are shown when they cover `min_passage_coverage`.
   `min_coverage=0` turns the rule off (the lower thresholds never exceed it).
   After the rule, within one article a passage holding the kind of answer asked for
   is put before a better-ranked one without it (`sibling_cover_margin`): the opening
   paragraph repeats the question's words, the answer is further down.
5. **Duplicates** (`search.results`). Among the best `duplicate_window` candidates, a
   passage is folded into a better one when most of its text is in it
   (`near_duplicate` of its character 3-grams: the same press release republished,
   or cut into passages differently), or when its answer sentence is the same
   (`same_snippet`): the reader would see the same thing twice. The shown passage
   says how many others carry it (`Result.duplicates`, `Result.folded`).
6. **Answer sentence** (`search.snippets`). The snippet is the sentence holding most
   question weight (with the next one when it is shorter than `snippet_short_chars`),
   a sentence with a number or a date counting `answer_kind_bonus` more when the
   question asks for one (`answer_kind`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Collection

import numpy as np

from ..errors import InputError
from ..index import Snapshot
from ..segment.segmenter import Segmenter
from ..store import Store
from .articles import contexts
from .features import (Candidate, add_time_signal, answer_before_summary, candidate_features, fuse, passage_text,
                       sort_best_first)
from .params import RankingParams
from .query import MAX_QUESTION, Analysis, Unit, analyse
from .results import Answer, Result, distinct_results
from .signals import coverage

__all__ = ["Answer", "Filters", "Result", "Searcher"]  # Answer and Result live in search.results


@dataclass(frozen=True)
class Filters:
    """Which articles may answer: dated from `since` to `until` (YYYY-MM-DD, both included),
    from a source whose name holds `source`. None: no limit."""

    since: str | None = None
    until: str | None = None
    source: str | None = None

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.source)

    @classmethod
    def of(cls, since: date | str | None = None, until: date | str | None = None,
           source: str | None = None) -> "Filters":
        """Filters from user input: a day, or a year or month (YYYY, YYYY-MM) standing for its
        first day (since) or its last (until). InputError for anything else."""
        first = _bound(since, "since", last=False)
        last = _bound(until, "until", last=True)
        if first and last and first > last:
            raise InputError(f"--since {first} is after --until {last}", "swap the two dates")
        return cls(first, last, (source or "").strip() or None)


_BOUND = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


def _bound(value: date | str | None, name: str, last: bool) -> str | None:
    """A filter's day as YYYY-MM-DD (a year or month: its first or last day)."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    m = _BOUND.match(str(value).strip())
    try:
        if not m:
            raise ValueError
        year, month, day = int(m[1]), int(m[2] or (12 if last else 1)), m[3]
        if day is None:
            end = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
            return date(year, month, end if last else 1).isoformat()
        return date(year, month, int(day)).isoformat()
    except ValueError:
        raise InputError(f"--{name} {str(value)[:40]!r} is not a date",
                         f"give --{name} as YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2024-06)") from None


def _top_among(snapshot: Snapshot, term_ids: list[int], n: int, only: Collection[int]) -> list[tuple[int, float]]:
    """The `n` best (rowid, BM25 score) among the passages `only` (ties: lower rowid first): the
    corpus-wide scores, kept for those passages (a date or source filter's, a few new articles' for alerts)."""
    if not only:
        return []
    rowids, scores = snapshot.score(term_ids)
    keep = np.isin(rowids, np.fromiter(only, dtype=np.int64, count=len(only)))
    rowids, scores = rowids[keep], scores[keep]
    order = np.lexsort((rowids, -scores))[:n]
    return list(zip(rowids[order].tolist(), scores[order].tolist()))


class Searcher:
    """Questions in, cited passages out."""

    def __init__(self, segmenter: Segmenter, params: RankingParams | None = None) -> None:
        """`params` defaults to `RankingParams()`; evaluations pass others (`min_coverage=0`
        turns the "no answer" rule off)."""
        self.segmenter = segmenter
        self.params = RankingParams() if params is None else params

    def ask(self, store: Store, snapshot: Snapshot, question: str, k: int = 3, offset: int = 0, *,
            today: date | None = None, filters: Filters = Filters(), only: Collection[int] | None = None) -> Answer:
        """The top k (after `offset`) relevant passages for a question, with relative time words
        read against `today` (default: the system date) and only passages `filters` lets through
        (and among the passages `only`, if given)."""
        params = self.params
        wanted = k + offset
        asked = question.strip()[:MAX_QUESTION]
        analysis, candidates = self.candidates(store, snapshot, question, max(params.candidates, wanted * 3),
                                               today=today, filters=filters, only=only)
        if not candidates or not self.answerable(candidates[0]):
            return Answer(asked)
        if params.answer_type_weight and params.sibling_cover_margin >= 0:
            answer_before_summary(candidates, params)  # after the rule, which judged the best passage
        floor = min(params.min_passage_coverage, params.min_coverage)
        results = distinct_results(candidates, analysis, floor, wanted, params)
        return Answer(asked, results[offset:wanted])

    def answerable(self, best: Candidate) -> bool:
        """The "no answer" rule, on the best passage (see the module docstring): its coverage,
        and the same share with words weighed by their everyday rarity."""
        params = self.params
        if best.cover >= params.min_coverage:
            return best.everyday >= params.min_everyday_share * params.min_coverage
        lower = min(params.min_coverage_with_phrase, params.min_coverage)
        return (best.cover >= lower and best.common >= params.min_phrase_chars
                and best.everyday >= params.min_everyday_share * lower)

    def analyse(self, store: Store, snapshot: Snapshot, question: str,
                today: date | None = None) -> tuple[Analysis, dict[str, int]]:
        """The question's terms, weighted words and verbatim core; the term ids it needs."""
        return analyse(self.segmenter, store, snapshot, question, self.params, today)

    def candidates(self, store: Store, snapshot: Snapshot, question: str, n: int | None = None, *,
                   today: date | None = None, filters: Filters = Filters(),
                   only: Collection[int] | None = None) -> tuple[Analysis, list[Candidate]]:
        """The best `n` (default `candidates`) passages by BM25Okapi (of those `filters` lets
        through, among `only` if given), re-ranked by the fused score."""
        params = self.params
        analysis, ids = self.analyse(store, snapshot, question, today)
        query = analysis.query
        if not query.terms or not query.words or snapshot.stats.n_docs == 0:
            return analysis, []
        ranked = self._bm25(store, snapshot, [ids.get(t, -1) for t in query.terms],
                            params.candidates if n is None else n, filters, only)
        rows = store.passages([rowid for rowid, _ in ranked])
        candidates = [candidate_features(rows[rowid], score, analysis, params)
                      for rowid, score in ranked if rowid in rows]
        if not candidates:
            return analysis, []
        fuse(candidates, params)
        if analysis.time.asks and params.time_words:
            add_time_signal(candidates, analysis, params)
            sort_best_first(candidates)
        if params.article_weight:
            # Only the leading candidates: reading around each passage is the costly part.
            self._add_article_signal(store, analysis.units, candidates[:params.article_window])
            sort_best_first(candidates)
        self._rule_signals(analysis, candidates)
        return analysis, candidates

    @staticmethod
    def _bm25(store: Store, snapshot: Snapshot, term_ids: list[int], n: int, filters: Filters,
              only: Collection[int] | None) -> list[tuple[int, float]]:
        """The n best passages by BM25Okapi; with filters or `only`, the n best of those let through."""
        if not filters and only is None:
            return snapshot.top(term_ids, n)
        allowed = None if only is None else set(only)
        if filters:
            passing = store.passage_ids_where(filters.since, filters.until, filters.source)
            allowed = set(passing) if allowed is None else allowed.intersection(passing)
        return _top_among(snapshot, term_ids, n, allowed or ())

    def _add_article_signal(self, store: Store, units: list[Unit], candidates: list[Candidate]) -> None:
        """Set each candidate's `article`: the coverage of what its reader sees around it in its
        article (`search.articles`) minus its own."""
        params = self.params
        texts = contexts(store, [c.row for c in candidates if c.cover < 1.0],
                         params.article_head_passages, params.article_near_passages)
        for c in candidates:
            text = texts.get(c.row.id)
            c.article = max(0.0, coverage(units, text, params.partial_match_credit) - c.cover) if text else 0.0
            c.fused += params.article_weight * c.article

    def _rule_signals(self, analysis: Analysis, candidates: list[Candidate]) -> None:
        """What the no-answer rule reads beyond coverage: the best passage's everyday coverage,
        and the asked period as one more question word every candidate covers by its fit."""
        params = self.params
        if not analysis.units:
            return
        if params.min_everyday_share:
            everyday = [Unit(u.word, self.segmenter.general_idf(u.word), u.parts, u.alias, u.written)
                        for u in analysis.units]
            candidates[0].everyday = coverage(everyday, passage_text(candidates[0].row), params.partial_match_credit)
        if analysis.time.periods and params.time_words and params.time_coverage_share:
            total = sum(u.weight for u in analysis.units)
            share = params.time_coverage_share * total / len(analysis.units)
            for c in candidates:
                c.cover = (c.cover * total + c.time_fit * share) / (total + share)

"""Answer a question: exact BM25Okapi candidates, a fused re-ranking, a "no answer" rule.

The names in `code` are fields of `RankingParams` (`search.params`), which also records
where each value came from.

1. **Question** (`search.query`). Interrogative phrases (哪些, 多少个, 什么样的, 如何,
   谁 …) are cut out before segmenting (`Segmenter.query`; `strip_question_words`);
   the rest is segmented like passages: jieba words minus stopwords, plus character
   bigrams of Chinese runs. A question in traditional characters is also converted to
   simplified (OpenCC t2s), and the form with more words in the corpus is used
   (`query_in_corpus_script`).
2. **Candidates.** The question's terms are scored with BM25Okapi over all live
   passages, exactly as rank-bm25 computes it (`index.Snapshot.top`; the parity
   test holds the index to it), and the best `candidates` passages are kept.
3. **Fused ranking** (`search.features`, `search.signals`). Each candidate passage gets

       fused = bm25_weight        · max(bm25, 0) / max(bm25 of the candidates)   (0 if none is positive)
             + coverage_weight    · coverage
             + phrase_weight      · longest piece of the question found verbatim / question length
             + bigram_weight      · share of the question's character bigrams found
             + title_match_weight · share of the passage's title (or a short heading) the
                                    question repeats verbatim (`named_share`)
             + article_weight     · coverage of the passage's whole article − coverage of the
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
   characters with it. Calibrated on the dev sets (answerable) and
   tests/data/offtopic_questions.txt (seed + distractors);
   tests/data/offtopic_questions_heldout.txt was written afterwards and is only
   measured. Further passages are shown when they cover `min_passage_coverage`.
   `min_coverage=0` turns the rule off (the lower thresholds never exceed it).
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

from typing import Collection

import numpy as np

from ..index import Snapshot
from ..segment.segmenter import Segmenter
from ..store import PassageRow, Store
from .articles import ArticleTexts
from .features import Candidate, candidate_features, fuse, sort_best_first
from .params import RankingParams
from .query import MAX_QUESTION, Analysis, Unit, analyse
from .results import Answer, Result, distinct_results
from .signals import coverage

__all__ = ["Answer", "Result", "Searcher"]  # Answer and Result live in search.results


def _top_among(snapshot: Snapshot, term_ids: list[int], n: int, only: Collection[int]) -> list[tuple[int, float]]:
    """The `n` best (rowid, BM25 score) among the passages `only` (ties: lower rowid first): the
    corpus-wide scores, kept for those passages — a few new articles' worth, for alerts."""
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
        self.articles = ArticleTexts()  # kept across questions for the article signal

    def ask(self, store: Store, snapshot: Snapshot, question: str, k: int = 3, offset: int = 0,
            only: Collection[int] | None = None) -> Answer:
        """The top k (after `offset`) relevant passages for a question (among the passages `only`, if given)."""
        params = self.params
        wanted = k + offset
        asked = question.strip()[:MAX_QUESTION]
        analysis, candidates = self.candidates(store, snapshot, question, max(params.candidates, wanted * 3), only)
        if not candidates or not self.answerable(candidates[0]):
            return Answer(asked)
        floor = min(params.min_passage_coverage, params.min_coverage)
        results = distinct_results(candidates, analysis, floor, wanted, params)
        return Answer(asked, results[offset:wanted])

    def answerable(self, best: Candidate) -> bool:
        """The "no answer" rule, on the best passage (see the module docstring)."""
        params = self.params
        if best.cover >= params.min_coverage:
            return True
        lower = min(params.min_coverage_with_phrase, params.min_coverage)
        return best.cover >= lower and best.common >= params.min_phrase_chars

    def analyse(self, store: Store, snapshot: Snapshot, question: str) -> tuple[Analysis, dict[str, int]]:
        """The question's terms, weighted words and verbatim core; the term ids it needs."""
        return analyse(self.segmenter, store, snapshot, question, self.params)

    def candidates(self, store: Store, snapshot: Snapshot, question: str, n: int | None = None,
                   only: Collection[int] | None = None) -> tuple[Analysis, list[Candidate]]:
        """The best `n` (default `candidates`) passages by BM25Okapi (among `only`, if given),
        re-ranked by the fused score."""
        params = self.params
        analysis, ids = self.analyse(store, snapshot, question)
        query = analysis.query
        if not query.terms or not query.words or snapshot.stats.n_docs == 0:
            return analysis, []
        term_ids = [ids.get(t, -1) for t in query.terms]
        n = params.candidates if n is None else n
        ranked = snapshot.top(term_ids, n) if only is None else _top_among(snapshot, term_ids, n, only)
        rows = store.passages([rowid for rowid, _ in ranked])
        candidates = [candidate_features(rows[rowid], score, analysis, params)
                      for rowid, score in ranked if rowid in rows]
        if not candidates:
            return analysis, []
        fuse(candidates, params)
        if params.article_weight:
            # Only the leading candidates: reading whole articles is the costly part.
            self._add_article_signal(store, analysis.units, candidates[:params.article_window])
            sort_best_first(candidates)
        return analysis, candidates

    def _add_article_signal(self, store: Store, units: list[Unit], candidates: list[Candidate]) -> None:
        """Set each candidate's `article`: its article's coverage of the question minus its own."""
        partial = self.params.partial_match_credit
        rows: dict[str, PassageRow] = {c.row.article_id: c.row for c in candidates if c.cover < 1.0}
        texts = self.articles.of(store, rows)
        covered = {article_id: coverage(units, text, partial) for article_id, text in texts.items()}
        for c in candidates:
            c.article = max(0.0, covered.get(c.row.article_id, c.cover) - c.cover)
            c.fused += self.params.article_weight * c.article

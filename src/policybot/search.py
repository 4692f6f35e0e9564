"""Answer a question: segment it, score passages with BM25Okapi, pick answer sentences.

The BM25 part is exact (see `index.Snapshot.score`). On top of it, a coverage
rule decides whether the best passages answer at all: a passage must contain
enough of the question's weight (idf) to be shown, so off-topic questions get
no passages instead of weak matches. Identical passages republished by several
articles are folded into one result that says how many others carry it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .index import Snapshot, term_ids_for
from .segment import Segmenter, normalize_for_terms, retrievable_text
from .store import PassageRow, Store
from .textutil import split_sentences

#: Fraction of the question's idf weight a passage must contain to count as an answer.
MIN_COVERAGE = 0.4
#: Candidates scored by BM25 before the coverage rule and de-duplication.
CANDIDATES = 30


@dataclass(frozen=True)
class Result:
    """One cited passage in an answer."""

    rank: int
    score: float
    passage: PassageRow
    snippet: str
    matched: tuple[str, ...]
    duplicates: int = 0

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


@dataclass(frozen=True)
class Query:
    """A segmented question: its index terms and the words worth highlighting."""

    text: str
    terms: list[str]
    words: list[str]


def parse_query(segmenter: Segmenter, question: str) -> Query:
    """Segment a question the way passages are segmented."""
    question = question.strip()[:2000]
    return Query(question, segmenter.terms(question), segmenter.words(question))


def _coverage(query_terms: dict[str, float], passage_terms: set[str]) -> float:
    total = sum(query_terms.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in query_terms.items() if t in passage_terms) / total


def best_sentences(text: str, words: list[str], weights: dict[str, float]) -> str:
    """The sentence holding most question weight (and the next one when it is very short)."""
    sentences = [s for s in split_sentences(text) if s.strip()]
    if len(sentences) <= 1:
        return text.strip()
    normalized = [normalize_for_terms(s) for s in sentences]
    scores = [sum(weights.get(w, 0.0) for w in set(words) if w in s) for s in normalized]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    if scores[best] <= 0:
        best = 0
    picked = sentences[best].strip()
    if len(picked) < 40 and best + 1 < len(sentences):
        picked += sentences[best + 1].strip()
    return picked


class Searcher:
    """Questions in, cited passages out."""

    def __init__(self, segmenter: Segmenter, min_coverage: float = MIN_COVERAGE) -> None:
        self.segmenter = segmenter
        self.min_coverage = min_coverage

    def ask(self, store: Store, snapshot: Snapshot, question: str, k: int = 3, offset: int = 0) -> Answer:
        """The top k (after `offset`) relevant passages for a question."""
        query = parse_query(self.segmenter, question)
        if not query.terms or snapshot.stats.n_docs == 0:
            return Answer(query.text)
        ids = term_ids_for(store.conn, query.terms)
        term_ids = [ids.get(t, -1) for t in query.terms]
        weights = self._weights(snapshot, ids, query.terms)
        wanted = k + offset
        ranked = snapshot.top(term_ids, max(CANDIDATES, wanted * 3))
        rows = store.passages([rowid for rowid, _ in ranked])
        results: list[Result] = []
        seen: dict[str, int] = {}
        for rowid, score in ranked:
            row = rows.get(rowid)
            if row is None:
                continue
            key = re.sub(r"\s+", "", row.text)
            if key in seen:
                index = seen[key]
                if index < len(results):
                    old = results[index]
                    results[index] = Result(old.rank, old.score, old.passage, old.snippet, old.matched, old.duplicates + 1)
                continue
            passage_terms = set(self.segmenter.terms(retrievable_text(row.title, row.section, row.text)))
            if _coverage(weights, passage_terms) < self.min_coverage:
                continue
            seen[key] = len(results)
            matched = tuple(w for w in dict.fromkeys(query.words) if w in passage_terms and len(w) > 1)
            snippet = best_sentences(row.text, query.words, weights)
            results.append(Result(len(results) + 1, score, row, snippet, matched))
        return Answer(query.text, results[offset:wanted])

    def _weights(self, snapshot: Snapshot, ids: dict[str, int], terms: list[str]) -> dict[str, float]:
        """Weight of each question term; a term the corpus has never seen weighs most."""
        return {t: snapshot.weight(ids.get(t, -1)) for t in dict.fromkeys(terms)}

"""Answer a question: exact BM25Okapi candidates, a fused re-ranking, a "no answer" rule.

1. **Question.** Interrogative phrases (哪些, 多少个, 什么样的, 如何, 谁 …) are cut
   out before segmenting (`Segmenter.query`); the rest is segmented like passages:
   jieba words minus stopwords, plus character bigrams of Chinese runs. A question
   in traditional characters is also converted to simplified (OpenCC t2s), and the
   form with more words in the corpus is used (`query_in_corpus_script`).
2. **Candidates.** The question's terms are scored with BM25Okapi over all live
   passages, exactly as rank-bm25 computes it (`index.Snapshot.top`; the parity
   test holds the index to it), and the best `CANDIDATES` passages are kept.
3. **Fused ranking.** Each candidate passage gets

       fused = W_BM25    · max(bm25, 0) / max(bm25 of the candidates)   (0 if none is positive)
             + W_COVER   · coverage
             + W_PHRASE  · longest piece of the question found verbatim / question length
             + W_BIGRAMS · share of the question's character bigrams found
             + W_NAMED   · share of the passage's title (or a short heading) the
                           question repeats verbatim (`named_share`)
             + W_ARTICLE · coverage of the passage's whole article − coverage of the
                           passage, if positive (the best `ARTICLE_WINDOW` only)

   and candidates are sorted by it (ties: BM25, then passage id). The article
   term lifts a passage whose article names what the question asks about
   elsewhere (a city named in the opening paragraph, the measure in the fourth);
   of two copies of a republished rule it cites the one from that city's
   article. `coverage` is the share of the question's word weight found in the passage's retrievable
   text (title, headings, text). A word's weight is a positive idf,
   log(1 + (N − df + ½)/(df + ½)), with df taken from the index (a longer word
   jieba may cut differently in passages is bounded by its rarest bigram; a
   word the corpus cannot contain weighs most), times `W_NAME` for place and
   organisation names (宜兴, 工业和信息化部: they say which passage is meant more
   than 发展 or 推进), `W_SINGLE` for lone characters and `W_FRAME` for words
   that name the kind of answer wanted (特点, 原因: `data/question_frames.txt`).
   A place counts with or without its suffix (重庆市, 重庆). A word jieba cut
   differently ("陕西省政府" against "陕西省人民政府") counts by the idf-weighted
   share of its bigrams found, times `PARTIAL`.
   The second signal reads only the candidates' texts: a question costs the
   BM25 postings plus O(CANDIDATES) string work. It also repairs BM25Okapi's
   inverted ranking in tiny corpora (a new user's first article), where terms
   in most passages get a negative idf floor: there the BM25 part is zero or
   negative and the other signals decide.
4. **No answer.** The question is answered only when the best passage covers at
   least `MIN_COVERAGE` of its weight, or `MIN_COVERAGE_WITH_PHRASE` and shares a
   verbatim piece of `MIN_PHRASE` characters with it. Calibrated on the dev sets
   (answerable) and tests/data/offtopic_questions.txt (seed + distractors);
   tests/data/offtopic_questions_heldout.txt was written afterwards and is only
   measured. Further passages are shown when they cover `MIN_PASSAGE_COVERAGE`.
5. **Duplicates.** Among the best `DUPLICATE_WINDOW` candidates, a passage is
   folded into a better one when most of its text is in it (`NEAR_DUPLICATE` of
   its character 3-grams: the same press release republished, or cut into
   passages differently), or when its answer sentence is the same
   (`SAME_SNIPPET`): the reader would see the same thing twice. The shown
   passage says how many others carry it (`Result.duplicates`, `Result.folded`).
6. **Answer sentence.** The snippet is the sentence holding most question weight
   (with the next one when it is short), a sentence with a number or a date
   counting more when the question asks for one (`answer_kind`).
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from ..index import Snapshot, term_ids_for
from ..segment.segmenter import (Segmenter, data_path, load_stopwords, normalize_for_terms, strip_question_words,
                      to_simplified)
from ..store import PassageRow, Store
from ..textutil import split_sentences

#: Characters of a question that are read at all.
MAX_QUESTION = 2000
#: Characters of a (pasted, very long) question the verbatim signals look at.
CORE_MAX = 120
#: Cut interrogative phrases out of questions (off only to measure what that buys).
STRIP_QUESTION_WORDS = True
#: Candidates taken from BM25 (exact BM25Okapi) for the fused re-ranking.
CANDIDATES = 100
#: Fusion weights (see the module docstring).
W_BM25 = 1.0
W_COVER = 0.5
W_PHRASE = 0.5
W_BIGRAMS = 0.25
#: A question that names an article's subject ("黄蝉的别称", title 黄蝉) wants that article.
W_NAMED = 0.3
#: The question weight a passage lacks but its article holds (a place named only in the
#: article's opening paragraph, the answer in its fourth): the reader of the article knows it.
W_ARTICLE = 0.3
#: Candidates (best first) whose articles W_ARTICLE reads.
ARTICLE_WINDOW = 40
#: Characters of normalized article text kept across questions for W_ARTICLE (oldest dropped first).
ARTICLE_CACHE_CHARS = 8_000_000
#: Shortest piece of a title or heading the question must repeat for W_NAMED to count.
NAMED_MIN = 2
#: Headings looked at by W_NAMED (the title is always looked at): short ones name a place or a topic.
NAMED_HEADING_MAX = 12
#: Also look at headings (off only to measure what they add).
NAMED_HEADINGS = True
#: Weight multiplier for place and organisation names in the question ...
W_NAME = 2.0
#: ... for single Chinese characters (they occur inside unrelated words) ...
W_SINGLE = 0.5
#: ... and for question-frame words (特点, 原因: `data/question_frames.txt`).
W_FRAME = 0.3
#: Credit for a word found only as bigrams, per (idf-weighted) share of its bigrams found.
PARTIAL = 0.8
#: The best passage must cover this share of the question's weight ...
MIN_COVERAGE = 0.45
#: ... or this share plus a verbatim piece of the question at least MIN_PHRASE characters long.
MIN_COVERAGE_WITH_PHRASE = 0.3
MIN_PHRASE = 3
#: Share every other shown passage must cover.
MIN_PASSAGE_COVERAGE = 0.2
#: Share of a passage's character 3-grams found in a better one at which it is folded into it ...
NEAR_DUPLICATE = 0.8
#: ... or of its answer sentence's 3-grams found in the better one's (sentences of 20+ characters).
SAME_SNIPPET = 0.8
SNIPPET_MIN_CHARS = 20
#: A snippet sentence shorter than this is shown with the next one ...
SNIPPET_SHORT = 60
#: ... and compared with the next one when looking for duplicates (SAME_SNIPPET).
FOLD_SHORT = 40
#: Added to the coverage of a sentence that holds the kind of answer asked for (`answer_kind`).
ANSWER_KIND_BONUS = 0.2
# Questions that ask for a date or time, or for a number; sentences that hold one.
_ASKS_TIME = re.compile(r"何时|什么时候|哪天|哪一天|哪年|哪一年|几月|几号|多久|时间|日期")
_ASKS_NUMBER = re.compile(r"多少|几|比例|数量|人数|规模|多大|多长|多高|多远|多重|金额|标准")
_HAS_TIME = re.compile(r"[0-9一二三四五六七八九十]+\s*[年月日号时]|[0-9]{1,2}:[0-9]{2}|上午|下午|凌晨|当天|今天|目前")
_HAS_NUMBER = re.compile(r"[0-9]")
#: Duplicates are looked for among this many of the best candidates (at least 3 per result).
DUPLICATE_WINDOW = 30

_NAME_SUFFIX = re.compile(
    r"(省|市|县|区|州|盟|旗|镇|乡|村|部|委|局|厅|署|办|院|所|司|行|处|中心|集团|公司|大学|医院|协会|委员会|政府)$")
_GENERIC_NAMES = frozenset("""
地区 社区 城市 城区 园区 景区 街区 小区 企业 学校 单位 部门 机构 地方 政府 国家 全国 全省 全市 全区 全县
本市 本省 该市 各地 各省 各市 有关部门 相关部门 主管部门 银行 医院 公司 集团 中心 执行 进行 实行 运行 发行 通行
出行 银行业 举行 施行 试行 推行 可行 现行 流行 履行 自行 先行 同行 旅行 所 处 局 部 院 办 行 司 厅 委 市 县 区 省
""".split())
_PLACE_SUFFIX = re.compile(r"(?:省|市|县|区|地区|自治区|特别行政区)$")
_NOT_WORDLIKE = re.compile(r"[\W_]+")
_CJK_CHAR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Result:
    """One cited passage in an answer."""

    rank: int
    score: float
    passage: PassageRow
    snippet: str
    matched: tuple[str, ...]
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


@dataclass(frozen=True)
class Query:
    """A segmented question: its BM25 terms and its content words."""

    text: str
    terms: list[str]
    words: list[str]


@dataclass(frozen=True)
class Unit:
    """A question word with its weight, and its bigrams' shares for partial matches."""

    word: str
    weight: float
    parts: tuple[tuple[str, float], ...] = ()
    alias: str = ""  # a place name without its 省/市/县/区 suffix counts whole too


def parse_query(segmenter: Segmenter, question: str) -> Query:
    """Segment a question the way passages are segmented, without its question words."""
    question = question.strip()[:MAX_QUESTION]
    if STRIP_QUESTION_WORDS:
        words, terms = segmenter.query(question)
    else:
        words, terms = segmenter.words(question), segmenter.terms(question)
    return Query(question, terms, list(dict.fromkeys(words)))


@lru_cache(maxsize=1)
def question_frames() -> frozenset[str]:
    """Words that name the kind of answer wanted (`data/question_frames.txt`)."""
    return load_stopwords(data_path("question_frames.txt"))


def is_name(word: str, names: frozenset[str] = frozenset()) -> bool:
    """A place or organisation name: tagged so in the domain dictionary, or by its suffix."""
    if word in names:
        return True
    return len(word) >= 3 and word not in _GENERIC_NAMES and bool(_NAME_SUFFIX.search(word))


#: Normalized passage texts, kept across questions (popular passages come back often).
_normalized = lru_cache(maxsize=8192)(normalize_for_terms)


def _bigrams(word: str) -> list[str]:
    return [word[i:i + 2] for i in range(len(word) - 1)]


def coverage(units: list[Unit], text: str) -> float:
    """Share of the question's word weight present in a (normalized) text.

    A word counts whole when it occurs; a longer word that does not occur as
    such counts by the idf-weighted share of its bigrams that do, times PARTIAL.
    """
    total = sum(u.weight for u in units)
    if total <= 0:
        return 0.0
    got = 0.0
    for u in units:
        if u.word in text or (u.alias and u.alias in text):
            got += u.weight
        elif u.parts:
            got += u.weight * PARTIAL * sum(share for bigram, share in u.parts if bigram in text)
    return got / total


def answer_kind(question: str) -> re.Pattern[str] | None:
    """What an answer to the question must hold: a date or time, a number, or anything (None)."""
    if _ASKS_TIME.search(question):
        return _HAS_TIME
    if _ASKS_NUMBER.search(question):
        return _HAS_NUMBER
    return None


def snippet_pair(text: str, units: list[Unit], wants: re.Pattern[str] | None = None) -> tuple[str, str]:
    """The answer sentence: (the snippet shown, the shorter form duplicates are compared by).

    The sentence holding most question weight, with the next one when it is short.
    A sentence that holds the kind of answer asked for (`answer_kind`: a number for
    "多少", a date for "什么时候") gets ANSWER_KIND_BONUS: the reader sees the figure,
    not only the sentence that repeats the question's words. Duplicates are compared
    on the sentence extended only below FOLD_SHORT characters, so showing more does
    not change folding.
    """
    sentences = [s.strip() for s in split_sentences(text) if s.strip()]
    if len(sentences) <= 1:
        return text.strip(), text.strip()
    scores = [coverage(units, _normalized(s)) for s in sentences]
    if wants is not None:
        scores = [score + (ANSWER_KIND_BONUS if wants.search(s) else 0.0) for score, s in zip(scores, sentences)]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    if scores[best] <= 0:
        best = 0

    def extended(short: int) -> str:
        picked = sentences[best]
        return picked + sentences[best + 1] if len(picked) < short and best + 1 < len(sentences) else picked

    return extended(SNIPPET_SHORT), extended(FOLD_SHORT)


def longest_common(needle: str, text: str) -> int:
    """Length of the longest piece of `needle` that occurs in `text`."""
    best = 0
    for i in range(len(needle) - best):
        j = i + best + 1
        while j <= len(needle) and needle[i:j] in text:
            best = j - i
            j += 1
    return best


@lru_cache(maxsize=16384)
def _compact(text: str) -> str:
    return _NOT_WORDLIKE.sub("", normalize_for_terms(text))


def named_share(core: str, title: str, headings: tuple[str, ...] | list[str]) -> float:
    """How much of the passage's title (or a short heading) the question repeats verbatim.

    The longest piece of the title found in the question, over the title's length
    (counted from NAMED_MIN characters): "黄蝉的别称" names the article 黄蝉 whole and
    软枝黄蝉 by half.
    """
    names = [_compact(title)]
    if NAMED_HEADINGS:
        names += [_compact(h) for h in headings if len(h) <= NAMED_HEADING_MAX]
    return max((_named_one(core, name) for name in names), default=0.0)


@lru_cache(maxsize=4096)  # a question's candidates often share an article's title
def _named_one(core: str, name: str) -> float:
    if len(name) < NAMED_MIN:
        return 0.0
    common = longest_common(name, core)
    return common / len(name) if common >= NAMED_MIN else 0.0


def _shingles(text: str) -> frozenset[str]:
    compact = _SPACES.sub("", text)
    return frozenset(compact[i:i + 3] for i in range(max(1, len(compact) - 2)))


def _contained(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the smaller shingle set found in the other (1.0: one text holds the other)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass
class Candidate:
    """A passage BM25 found, with the signals the fused ranking combines."""

    row: PassageRow
    bm25: float
    cover: float
    common: int  # characters of the longest verbatim piece of the question in the passage
    phrase: float
    bigrams: float
    named: float = 0.0
    article: float = 0.0  # question weight the article holds beyond this passage (W_ARTICLE)
    fused: float = 0.0


@dataclass(frozen=True)
class Analysis:
    """A question as the re-ranking sees it."""

    query: Query
    units: list[Unit]
    core: str  # the question without question phrases, spaces and punctuation
    core_bigrams: frozenset[str]


class Searcher:
    """Questions in, cited passages out."""

    def __init__(self, segmenter: Segmenter, min_coverage: float | None = None) -> None:
        """`min_coverage=0` turns the "no answer" rule off (evaluations measure its cost so)."""
        self.segmenter = segmenter
        self.min_coverage = MIN_COVERAGE if min_coverage is None else min_coverage
        self._articles: dict[tuple[str, str], str] = {}  # (article id, content hash) -> normalized text
        self._articles_chars = 0
        self._articles_lock = threading.Lock()

    def ask(self, store: Store, snapshot: Snapshot, question: str, k: int = 3, offset: int = 0) -> Answer:
        """The top k (after `offset`) relevant passages for a question."""
        wanted = k + offset
        asked = question.strip()[:MAX_QUESTION]
        analysis, candidates = self.candidates(store, snapshot, question, max(CANDIDATES, wanted * 3))
        if not candidates or not self.answerable(candidates[0]):
            return Answer(asked)
        floor = min(MIN_PASSAGE_COVERAGE, self.min_coverage)
        results = self._results(candidates, analysis, floor, wanted)
        return Answer(asked, results[offset:wanted])

    def answerable(self, best: Candidate) -> bool:
        """The "no answer" rule, on the best passage (see the module docstring)."""
        if best.cover >= self.min_coverage:
            return True
        lower = min(MIN_COVERAGE_WITH_PHRASE, self.min_coverage)
        return best.cover >= lower and best.common >= MIN_PHRASE

    def query_in_corpus_script(self, store: Store, question: str) -> Query:
        """The question as written or, when it is in traditional characters, converted to
        simplified: whichever form has more words the corpus holds (an article in
        traditional characters is still found by a question in traditional characters)."""
        query = parse_query(self.segmenter, question)
        simplified = to_simplified(query.text)
        if simplified == query.text:
            return query
        converted = parse_query(self.segmenter, simplified)
        known = len(term_ids_for(store.conn, query.words))
        return converted if len(term_ids_for(store.conn, converted.words)) > known else query

    def analyse(self, store: Store, snapshot: Snapshot, question: str) -> tuple[Analysis, dict[str, int]]:
        """The question's terms, weighted words and verbatim core; the term ids it needs."""
        query = self.query_in_corpus_script(store, question)
        bigrams = [b for w in query.words if len(w) > 2 for b in _bigrams(w)]
        ids = term_ids_for(store.conn, [*query.terms, *query.words, *bigrams]) if query.terms else {}
        units = self.units(snapshot, ids, query.words)
        core = _NOT_WORDLIKE.sub("", strip_question_words(normalize_for_terms(query.text)))[:CORE_MAX]
        core_bigrams = frozenset(core[i:i + 2] for i in range(len(core) - 1))
        return Analysis(query, units, core, core_bigrams), ids

    def candidates(self, store: Store, snapshot: Snapshot, question: str,
                   n: int = CANDIDATES) -> tuple[Analysis, list[Candidate]]:
        """The best `n` passages by BM25Okapi, re-ranked by the fused score (best first)."""
        analysis, ids = self.analyse(store, snapshot, question)
        query = analysis.query
        if not query.terms or not query.words or snapshot.stats.n_docs == 0:
            return analysis, []
        ranked = snapshot.top([ids.get(t, -1) for t in query.terms], n)
        rows = store.passages([rowid for rowid, _ in ranked])
        candidates = [self._features(rows[rowid], score, analysis) for rowid, score in ranked if rowid in rows]
        if not candidates:
            return analysis, []
        top_bm25 = max(c.bm25 for c in candidates)
        for c in candidates:
            bm25 = max(c.bm25, 0.0) / top_bm25 if top_bm25 > 0 else 0.0
            c.fused = (W_BM25 * bm25 + W_COVER * c.cover + W_PHRASE * c.phrase + W_BIGRAMS * c.bigrams
                       + W_NAMED * c.named)
        candidates.sort(key=lambda c: (-c.fused, -c.bm25, c.row.id))
        if W_ARTICLE:
            # Only the leading candidates: reading whole articles is the costly part.
            self._add_article_signal(store, analysis.units, candidates[:ARTICLE_WINDOW])
            candidates.sort(key=lambda c: (-c.fused, -c.bm25, c.row.id))
        return analysis, candidates

    def _add_article_signal(self, store: Store, units: list[Unit], candidates: list[Candidate]) -> None:
        """Set each candidate's `article`: its article's coverage of the question minus its own."""
        rows = {c.row.article_id: c.row for c in candidates if c.cover < 1.0}
        covered = {article_id: coverage(units, text)
                   for article_id, text in self._article_texts(store, rows).items()}
        for c in candidates:
            c.article = max(0.0, covered.get(c.row.article_id, c.cover) - c.cover)
            c.fused += W_ARTICLE * c.article

    def _article_texts(self, store: Store, rows: dict[str, PassageRow]) -> dict[str, str]:
        """Normalized title and text of each article, cached by content hash."""
        texts: dict[str, str] = {}
        for article_id, content_hash in store.article_hashes(list(rows)).items():
            key = (article_id, content_hash)
            text = self._articles.get(key)
            if text is None:
                text = normalize_for_terms(rows[article_id].title + "\n" + (store.article_text(article_id) or ""))
                self._remember_article(key, text)
            texts[article_id] = text
        return texts

    def _remember_article(self, key: tuple[str, str], text: str) -> None:
        with self._articles_lock:
            if key in self._articles or len(text) > ARTICLE_CACHE_CHARS:
                return
            while self._articles and self._articles_chars + len(text) > ARTICLE_CACHE_CHARS:
                self._articles_chars -= len(self._articles.pop(next(iter(self._articles))))
            self._articles[key] = text
            self._articles_chars += len(text)

    @staticmethod
    def _features(row: PassageRow, bm25: float, analysis: Analysis) -> Candidate:
        head = _normalized("\n".join([row.title, *row.section]))
        body = _normalized(row.text)
        text = head + "\n" + body
        core = analysis.core
        common = longest_common(core, body)
        pairs = analysis.core_bigrams
        return Candidate(
            row, bm25,
            cover=coverage(analysis.units, text),
            common=common,
            phrase=common / len(core) if core else 0.0,
            bigrams=sum(1 for b in pairs if b in text) / len(pairs) if pairs else 0.0,
            named=named_share(core, row.title, row.section) if W_NAMED else 0.0,
        )

    def _results(self, candidates: list[Candidate], analysis: Analysis, floor: float, limit: int) -> list[Result]:
        """The first `limit` distinct passages, each with the duplicates folded into it."""
        units = analysis.units
        wants = answer_kind(analysis.query.text)
        kept: list[tuple[Candidate, str, frozenset[str], frozenset[str], list[PassageRow]]] = []
        for c in candidates[:max(DUPLICATE_WINDOW, 3 * limit)]:
            if c.cover < floor:
                continue
            snippet, fold_key = snippet_pair(c.row.text, units, wants)
            shingles = _shingles(c.row.text)
            snippet_shingles = _shingles(fold_key) if len(fold_key) >= SNIPPET_MIN_CHARS else frozenset()
            twin = next((entry for entry in kept
                         if _contained(shingles, entry[2]) >= NEAR_DUPLICATE
                         or _contained(snippet_shingles, entry[3]) >= SAME_SNIPPET), None)
            if twin is not None:
                twin[4].append(c.row)
            elif len(kept) < limit:
                kept.append((c, snippet, shingles, snippet_shingles, []))
        results = []
        for rank, (c, snippet, _, _, folded) in enumerate(kept, 1):
            text = _normalized("\n".join([c.row.title, *c.row.section])) + "\n" + _normalized(c.row.text)
            matched = tuple(w for w in analysis.query.words if w in text and len(w) > 1)
            results.append(Result(rank, c.fused, c.row, snippet, matched, len(folded), tuple(folded)))
        return results

    def units(self, snapshot: Snapshot, ids: dict[str, int], words: list[str]) -> list[Unit]:
        """The question's words with their weights (see the module docstring)."""
        n = snapshot.stats.n_docs
        df_all = snapshot.stats.df

        def df(term: str) -> int:
            tid = ids.get(term, -1)
            return int(df_all[tid]) if 0 <= tid < len(df_all) else 0

        def idf(freq: int) -> float:
            return math.log(1 + (n - freq + 0.5) / (freq + 0.5))

        names = self.segmenter.names
        frames = question_frames()
        out: list[Unit] = []
        for word in words:
            freq = df(word)
            parts: tuple[tuple[str, float], ...] = ()
            if len(word) > 2:
                # Passages may hold the word cut differently: its rarest bigram bounds its df.
                bigram_idf = [(b, idf(df(b))) for b in _bigrams(word)]
                freq = max(freq, min(df(b) for b in _bigrams(word)))
                total = sum(v for _, v in bigram_idf)
                parts = tuple((b, v / total) for b, v in bigram_idf) if total > 0 else ()
            weight = idf(freq)
            alias = ""
            if is_name(word, names):
                weight *= W_NAME
                short = _PLACE_SUFFIX.sub("", word)
                alias = short if len(short) >= 2 and short != word else ""
            elif len(word) == 1 and _CJK_CHAR.match(word):
                weight *= W_SINGLE  # a lone character matches inside unrelated words
            elif word in frames:
                weight *= W_FRAME
            out.append(Unit(word, weight, parts, alias))
        return out

"""The question as the ranking sees it: its terms, its weighted words, its verbatim core.

Where a question's words are chosen: `parse_query` (question phrases cut out, the rest
segmented like passages), `query_in_corpus_script` (as written, or converted to simplified
characters when that form has more words the corpus holds) and `weigh_words` (idf from
the index, times the multipliers of `RankingParams` for names, lone characters and
question-frame words).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Callable

from ..index import Snapshot, term_ids_for
from ..segment.segmenter import (Segmenter, data_path, load_stopwords, normalize_for_terms, strip_question_words,
                                 to_simplified)
from ..store import Store
from ..textutil import CJK
from . import aliases, timeq
from .params import RankingParams

#: Characters of a question that are read at all.
MAX_QUESTION = 2000

_NAME_SUFFIX = re.compile(
    r"(省|市|县|区|州|盟|旗|镇|乡|村|部|委|局|厅|署|办|院|所|司|行|处|中心|集团|公司|大学|医院|协会|委员会|政府)$")
_GENERIC_NAMES = frozenset("""
地区 社区 城市 城区 园区 景区 街区 小区 企业 学校 单位 部门 机构 地方 政府 国家 全国 全省 全市 全区 全县
本市 本省 该市 各地 各省 各市 有关部门 相关部门 主管部门 银行 医院 公司 集团 中心 执行 进行 实行 运行 发行 通行
出行 银行业 举行 施行 试行 推行 可行 现行 流行 履行 自行 先行 同行 旅行 所 处 局 部 院 办 行 司 厅 委 市 县 区 省
""".split())
_PLACE_SUFFIX = re.compile(r"(?:省|市|县|区|地区|自治区|特别行政区)$")
_CJK_CHAR = re.compile(f"[{CJK}]")
#: What the verbatim signals drop: spaces, punctuation, symbols.
NOT_WORDLIKE = re.compile(r"[\W_]+")


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
    written: tuple[str, ...] = ()  # an everyday word counts when the text holds one of its written forms


@dataclass(frozen=True)
class Analysis:
    """A question as the re-ranking sees it."""

    query: Query
    units: list[Unit]
    core: str  # the question without question phrases, time words, spaces and punctuation
    core_bigrams: frozenset[str]
    time: timeq.TimeAsk = timeq.TimeAsk()  # the periods asked about
    today: date | None = None  # what relative time words were read against


def bigrams_of(word: str) -> list[str]:
    """A word's overlapping character bigrams."""
    return [word[i:i + 2] for i in range(len(word) - 1)]


def parse_query(segmenter: Segmenter, question: str, strip: bool = True) -> Query:
    """Segment a question the way passages are segmented, without its question words
    (with them when `strip` is off: `RankingParams.strip_question_words`)."""
    question = question.strip()[:MAX_QUESTION]
    if strip:
        words, terms = segmenter.query(question)
    else:
        words, terms = segmenter.words(question), segmenter.terms(question)
    return Query(question, terms, list(dict.fromkeys(words)))


def query_in_corpus_script(segmenter: Segmenter, store: Store, question: str, strip: bool = True) -> Query:
    """The question as written or, when it is in traditional characters, converted to
    simplified: whichever form has more words the corpus holds (an article in
    traditional characters is still found by a question in traditional characters)."""
    query = parse_query(segmenter, question, strip)
    simplified = to_simplified(query.text)
    if simplified == query.text:
        return query
    converted = parse_query(segmenter, simplified, strip)
    known = len(term_ids_for(store.conn, query.words))
    return converted if len(term_ids_for(store.conn, converted.words)) > known else query


def analyse(segmenter: Segmenter, store: Store, snapshot: Snapshot, question: str,
            params: RankingParams, today: date | None = None) -> tuple[Analysis, dict[str, int]]:
    """The question's terms, weighted words and verbatim core; the term ids it needs.

    Its time words become periods (read against `today`, default the system date) and its
    everyday words stand for the written ones (`search.aliases`); neither counts as a plain word.
    """
    today = today or date.today()
    asked = question.strip()[:MAX_QUESTION]
    time = timeq.read_question(asked, today) if params.time_words else timeq.TimeAsk()
    plain = time.strip(asked)
    reading = aliases.read(segmenter, strip_question_words(normalize_for_terms(plain))) if params.aliases else None
    if reading is not None and reading.filler:
        plain = reading.text
    query = query_in_corpus_script(segmenter, store, plain, params.strip_question_words)
    found = reading.aliases if reading is not None else []
    written_terms = [t for a in found for w in a.written for t in segmenter.terms(w)]
    if written_terms and query.terms:
        query = Query(query.text, query.terms + written_terms, query.words)
    bigrams = [b for w in query.words if len(w) > 2 for b in bigrams_of(w)]
    forms = [w for a in found for w in (a.form, *a.written)]
    forms += [b for w in forms if len(w) > 2 for b in bigrams_of(w)]
    ids = term_ids_for(store.conn, [*query.terms, *query.words, *bigrams, *forms]) if query.terms else {}
    replaced = reading.replaced if reading is not None else frozenset()
    units = weigh_words(snapshot, ids, [w for w in query.words if w not in replaced], segmenter.names, params)
    units += alias_units(snapshot, ids, found)
    core = NOT_WORDLIKE.sub("", strip_question_words(normalize_for_terms(query.text)))[:params.core_max_chars]
    core_bigrams = frozenset(core[i:i + 2] for i in range(len(core) - 1))
    return Analysis(query, units, core, core_bigrams, time, today), ids


def _idf(n: int, freq: int) -> float:
    return math.log(1 + (n - freq + 0.5) / (freq + 0.5))


def _df_of(snapshot: Snapshot, ids: dict[str, int]) -> Callable[[str], int]:
    """A term's document frequency in the snapshot (0 for a term the corpus lacks)."""
    df_all = snapshot.stats.df

    def df(term: str) -> int:
        tid = ids.get(term, -1)
        return int(df_all[tid]) if 0 <= tid < len(df_all) else 0
    return df


def alias_units(snapshot: Snapshot, ids: dict[str, int], found: list[aliases.Alias]) -> list[Unit]:
    """One unit per everyday form, weighed as the most common of its forms in the corpus (咱们国家
    weighs what 我国 weighs; a longer form jieba may cut counts by its rarest bigram)."""
    n = snapshot.stats.n_docs
    df = _df_of(snapshot, ids)

    def form_df(form: str) -> int:
        return max(df(form), min(df(b) for b in bigrams_of(form))) if len(form) > 2 else df(form)

    return [Unit(a.form, _idf(n, max(form_df(w) for w in (a.form, *a.written))), written=a.written) for a in found]


@lru_cache(maxsize=1)
def question_frames() -> frozenset[str]:
    """Words that name the kind of answer wanted (`data/question_frames.txt`)."""
    return load_stopwords(data_path("question_frames.txt"))


def is_name(word: str, names: frozenset[str] = frozenset()) -> bool:
    """A place or organisation name: tagged so in the domain dictionary, or by its suffix."""
    if word in names:
        return True
    return len(word) >= 3 and word not in _GENERIC_NAMES and bool(_NAME_SUFFIX.search(word))


def weigh_words(snapshot: Snapshot, ids: dict[str, int], words: list[str], names: frozenset[str],
                params: RankingParams) -> list[Unit]:
    """The question's words with their weights: a positive idf, times a multiplier for names,
    lone characters and question-frame words (see `search.ranking`)."""
    n = snapshot.stats.n_docs
    df = _df_of(snapshot, ids)

    def idf(freq: int) -> float:
        return _idf(n, freq)

    frames = question_frames()
    out: list[Unit] = []
    for word in words:
        freq = df(word)
        parts: tuple[tuple[str, float], ...] = ()
        if len(word) > 2:
            # Passages may hold the word cut differently: its rarest bigram bounds its df.
            bigram_idf = [(b, idf(df(b))) for b in bigrams_of(word)]
            freq = max(freq, min(df(b) for b in bigrams_of(word)))
            total = sum(v for _, v in bigram_idf)
            parts = tuple((b, v / total) for b, v in bigram_idf) if total > 0 else ()
        weight = idf(freq)
        alias = ""
        if is_name(word, names):
            weight *= params.proper_name_multiplier
            short = _PLACE_SUFFIX.sub("", word)
            alias = short if len(short) >= 2 and short != word else ""
        elif len(word) == 1 and _CJK_CHAR.match(word):
            weight *= params.single_char_multiplier  # a lone character matches inside unrelated words
        elif word in frames:
            weight *= params.frame_word_multiplier
        out.append(Unit(word, weight, parts, alias))
    return out

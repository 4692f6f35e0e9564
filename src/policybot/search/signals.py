"""Pure signals: how much of a question a text holds. No store, no index, no state but caches.

Texts compared with a question's words are normalized first (`normalized`, NFKC and
lower case as passages are indexed). A new signal that needs only the question and one
passage belongs here; `features.candidate_features` calls it and `features.fuse` weighs it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..segment.segmenter import normalize_for_terms
from .query import NOT_WORDLIKE, Unit

_SPACES = re.compile(r"\s+")

#: Normalized passage texts, kept across questions (popular passages come back often).
normalized = lru_cache(maxsize=8192)(normalize_for_terms)


def coverage(units: list[Unit], text: str, partial_credit: float) -> float:
    """Share of the question's word weight present in a (normalized) text.

    A word counts whole when it occurs (a place also without its suffix, an everyday word
    when one of its written forms does); a longer word that does not occur as such counts by
    the idf-weighted share of its bigrams that do, times `partial_credit`.
    """
    total = sum(u.weight for u in units)
    if total <= 0:
        return 0.0
    got = 0.0
    for u in units:
        if u.word in text or (u.alias and u.alias in text) or any(w in text for w in u.written):
            got += u.weight
        elif u.parts:
            got += u.weight * partial_credit * sum(share for bigram, share in u.parts if bigram in text)
    return got / total


#: Units a number is counted in after 多少/几 (多少辆 wants "150万辆").
_UNITS = ("个|名|位|辆|户|件|座|家|条|项|次|批|架|艘|枚|头|只|台|套|所|类|种|款|场|亩|吨|公里|千米|米|元|天|年|岁|倍|"
          "例|人|列|趟|节|处|分|度|票|万|亿|小时|分钟|周|组|部|集|篇|份|平方米|公顷|千瓦|瓦|立方米|斤|公斤|克")
_NUMBER = r"[0-9][0-9.,，]*\s*(?:多|余)?\s*(?:万|亿|千|百)*\s*"
#: (what the question asks, what a passage that answers holds); None: the unit after 多少/几.
_WANTS: list[tuple[re.Pattern[str], re.Pattern[str] | None]] = [
    (re.compile(rf"(?:多少|几)({_UNITS})"), None),
    (re.compile(r"多少钱|多少资金|多少金额|多少投资"), re.compile(_NUMBER + r"(?:元|美元|欧元|英镑|日元|卢布)")),
    (re.compile(r"多长时间|多久"), re.compile(_NUMBER + r"(?:小时|天|分钟|年|个月|周|秒)")),
    (re.compile(r"多长|多远"), re.compile(_NUMBER + r"(?:公里|千米|米|厘米|海里)")),
    (re.compile(r"哪一?年"), re.compile(r"[0-9]{4}\s*年")),
    (re.compile(r"哪一?天|几号|几月几日|什么时候|何时"), re.compile(r"[0-9]{1,2}\s*[月日号]")),
    (re.compile(r"(?:涨|增长|增|降|下降|跌|上涨|提高|下调|上调|增速)[了到至]?多少|比例|占比|百分之|几成|率"),
     re.compile(r"[0-9.]+\s*(?:%|％|个百分点)|[0-9.]+成")),
    (re.compile(r"多少"), re.compile(r"[0-9]")),
]


@lru_cache(maxsize=1024)
def wanted_answer(question: str) -> re.Pattern[str] | None:
    """What a passage that answers the question holds: a number with the unit asked for
    (多少辆), an amount (多少钱), a length (多长), a year (哪年), a date, a rate (涨了多少),
    any number (多少); None when the question asks for none of these."""
    for asks, answer in _WANTS:
        m = asks.search(question)
        if m:
            return re.compile(_NUMBER + re.escape(m.group(1))) if answer is None else answer
    return None


def longest_common(needle: str, text: str) -> int:
    """Length of the longest piece of `needle` that occurs in `text`."""
    best = 0
    for i in range(len(needle) - best):
        j = i + best + 1
        while j <= len(needle) and needle[i:j] in text:
            best = j - i
            j += 1
    return best


def bigram_share(pairs: frozenset[str], text: str) -> float:
    """Share of the question's character bigrams found in a text."""
    return sum(1 for b in pairs if b in text) / len(pairs) if pairs else 0.0


@lru_cache(maxsize=16384)
def _compact(text: str) -> str:
    return NOT_WORDLIKE.sub("", normalize_for_terms(text))


def named_share(core: str, title: str, headings: tuple[str, ...] | list[str], *, min_chars: int,
                heading_max_chars: int | None) -> float:
    """How much of the passage's title (or a short heading) the question repeats verbatim.

    The longest piece of the title found in the question, over the title's length
    (counted from `min_chars` characters): "黄蝉的别称" names the article 黄蝉 whole and
    软枝黄蝉 by half. Headings of at most `heading_max_chars` count too (None: titles only).
    """
    names = [_compact(title)]
    if heading_max_chars is not None:
        names += [_compact(h) for h in headings if len(h) <= heading_max_chars]
    return max((_named_one(core, name, min_chars) for name in names), default=0.0)


@lru_cache(maxsize=4096)  # a question's candidates often share an article's title
def _named_one(core: str, name: str, min_chars: int) -> float:
    if len(name) < min_chars:
        return 0.0
    common = longest_common(name, core)
    return common / len(name) if common >= min_chars else 0.0


def shingles(text: str) -> frozenset[str]:
    """Character 3-grams of a text, spaces removed (what duplicate folding compares)."""
    compact = _SPACES.sub("", text)
    return frozenset(compact[i:i + 3] for i in range(max(1, len(compact) - 2)))


def contained(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the smaller shingle set found in the other (1.0: one text holds the other)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))

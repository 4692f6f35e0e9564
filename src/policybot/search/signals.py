"""Pure signals: how much of a question a text holds. No store, no index, no state but caches.

Texts compared with a question's words are normalized first (`normalized`, NFKC and
lower case as passages are indexed). A new signal that needs only the question and one
passage belongs here; `features.candidate_features` calls it and `features.fuse` weighs it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..segment.segmenter import data_path, normalize_for_terms
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


_NUMBER = r"[0-9][0-9.,，]*\s*(?:多|余)?\s*(?:万|亿|千|百)*\s*"
_HOLDS = {"@year": r"[0-9]{4}\s*年", "@date": r"[0-9]{1,2}\s*[月日号]",
          "@rate": r"[0-9.]+\s*(?:%|％|个百分点)|[0-9.]+成", "@number": r"[0-9]"}


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _answer_types() -> tuple[re.Pattern[str], list[tuple[re.Pattern[str], re.Pattern[str]]]]:
    """(多少/几 + a unit, [(question words, what the answer holds)]) from data/answer_types.txt."""
    units: list[str] = []
    asks: list[tuple[re.Pattern[str], re.Pattern[str]]] = []
    section = ""
    for line in data_path("answer_types.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "units":
            units += line.split()
        else:
            words, _, holds = line.partition("=")
            held = holds.split()
            answer = _HOLDS[held[0]] if held[0] in _HOLDS else _NUMBER + f"(?:{_alternatives(held)})"
            asks.append((re.compile(_alternatives(words.split())), re.compile(answer)))
    return re.compile(f"(?:多少|几)({_alternatives(units)})"), asks


@lru_cache(maxsize=1024)
def wanted_answer(question: str) -> re.Pattern[str] | None:
    """What a passage that answers the question holds (`data/answer_types.txt`): a number with
    the unit asked for (多少辆), an amount (多少钱), a length (多长), a year (哪年), a date, a rate
    (涨了多少), any number (多少); None when the question asks for none of these."""
    unit_asked, asks = _answer_types()
    m = unit_asked.search(question)
    if m:
        return re.compile(_NUMBER + re.escape(m.group(1)))
    return next((answer for words, answer in asks if words.search(question)), None)


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

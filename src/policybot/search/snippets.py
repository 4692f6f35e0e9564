"""The answer sentence shown under a cited passage, and the shorter form duplicates are compared by."""

from __future__ import annotations

import re

from ..textutil import split_sentences
from .params import RankingParams
from .query import Unit
from .signals import coverage, normalized

# Questions that ask for a date or time, or for a number; sentences that hold one.
_ASKS_TIME = re.compile(r"何时|什么时候|哪天|哪一天|哪年|哪一年|几月|几号|多久|时间|日期")
_ASKS_NUMBER = re.compile(r"多少|几|比例|数量|人数|规模|多大|多长|多高|多远|多重|金额|标准")
_HAS_TIME = re.compile(r"[0-9一二三四五六七八九十]+\s*[年月日号时]|[0-9]{1,2}:[0-9]{2}|上午|下午|凌晨|当天|今天|目前")
_HAS_NUMBER = re.compile(r"[0-9]")


def answer_kind(question: str) -> re.Pattern[str] | None:
    """What an answer to the question must hold: a date or time, a number, or anything (None)."""
    if _ASKS_TIME.search(question):
        return _HAS_TIME
    if _ASKS_NUMBER.search(question):
        return _HAS_NUMBER
    return None


def snippet_pair(text: str, units: list[Unit], params: RankingParams,
                 wants: re.Pattern[str] | None = None) -> tuple[str, str]:
    """The answer sentence: (the snippet shown, the shorter form duplicates are compared by).

    The sentence holding most question weight, with the next one when it is shorter than
    `snippet_short_chars`. A sentence that holds the kind of answer asked for (`answer_kind`:
    a number for "多少", a date for "什么时候") gets `answer_kind_bonus`: the reader sees the
    figure, not only the sentence that repeats the question's words. Duplicates are compared
    on the sentence extended only below `fold_short_chars`, so showing more does not change
    folding.
    """
    sentences = [s.strip() for s in split_sentences(text) if s.strip()]
    if len(sentences) <= 1:
        return text.strip(), text.strip()
    scores = [coverage(units, normalized(s), params.partial_match_credit) for s in sentences]
    if wants is not None:
        bonus = params.answer_kind_bonus
        scores = [score + (bonus if wants.search(s) else 0.0) for score, s in zip(scores, sentences)]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    if scores[best] <= 0:
        best = 0

    def extended(short: int) -> str:
        picked = sentences[best]
        return picked + sentences[best + 1] if len(picked) < short and best + 1 < len(sentences) else picked

    return extended(params.snippet_short_chars), extended(params.fold_short_chars)

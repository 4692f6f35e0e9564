"""Everyday words in questions and the words news texts use for them (`data/aliases.txt`).

A question says 个体户, the text 个体工商户; a question says 咱们国家, the text 我国. Forms are
matched on whole jieba words of the question (one word or several in a row), so a short form
(车, 钱) never matches inside another word (汽车, 钱塘江); only a word jieba guessed (not in
its dictionary: 俄乌换 in 俄乌换俘) is split where it starts or ends with a form. Filler
(这些年, 一共, 啥) is cut out of the question like question words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Protocol

from ..segment.segmenter import data_path, normalize_for_terms

#: Longest run of question words one form may span.
MAX_SPAN = 4


class _Cutter(Protocol):
    def cut(self, text: str) -> list[str]: ...
    def known(self, word: str) -> bool: ...


@dataclass(frozen=True)
class Alias:
    """An everyday form found in a question, with the written forms it stands for."""

    form: str
    written: tuple[str, ...]
    start: int  # its first piece in the question's cut
    end: int  # one past its last piece


@dataclass(frozen=True)
class Reading:
    """A question's everyday forms, and what they change in it."""

    aliases: list[Alias]  # forms with written forms (filler excluded)
    replaced: frozenset[str]  # question words the forms stand in for (they stop counting alone)
    filler: bool  # whether filler was found
    text: str  # the question with its filler replaced by breaks ("，")


@lru_cache(maxsize=1)
def table() -> dict[str, tuple[str, ...]]:
    """form -> written forms (empty for filler), from data/aliases.txt."""
    forms: dict[str, tuple[str, ...]] = {}
    for line in data_path("aliases.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        left, _, right = line.partition("=")
        written = tuple(normalize_for_terms(w) for w in right.split())
        for form in left.split():
            forms[normalize_for_terms(form)] = written
    return forms


def read(segmenter: _Cutter, question: str) -> Reading:
    """The everyday forms of a (normalized, question-word-free) question."""
    whole = segmenter.cut(question)
    cut, origin = split_guessed(whole, segmenter.known)
    found = find(cut)
    replaced = {cut[i] for a in found for i in range(a.start, a.end)}
    replaced |= {whole[origin[i]] for a in found for i in range(a.start, a.end) if cut[i] != whole[origin[i]]}
    filler = any(not a.written for a in found)
    text = _without_filler(cut, found) if filler else question
    return Reading([a for a in found if a.written], frozenset(replaced), filler, text)


def split_guessed(words: list[str], known: Callable[[str], bool]) -> tuple[list[str], list[int]]:
    """The cut with each word jieba guessed split where it starts or ends with a form
    (俄乌换 -> 俄乌, 换), and the index in `words` each piece comes from."""
    forms = table()
    out: list[str] = []
    origin: list[int] = []
    for i, word in enumerate(words):
        pieces = [word]
        if len(word) >= 3 and not known(word):
            for size in range(len(word) - 1, 1, -1):
                if word[:size] in forms:
                    pieces = [word[:size], word[size:]]
                    break
                if word[-size:] in forms:
                    pieces = [word[:-size], word[-size:]]
                    break
        out += pieces
        origin += [i] * len(pieces)
    return out, origin


def find(words: list[str]) -> list[Alias]:
    """The forms in a cut, longest first, not overlapping, in question order."""
    forms = table()
    found: list[Alias] = []
    taken = [False] * len(words)
    for span in range(MAX_SPAN, 0, -1):
        for start in range(len(words) - span + 1):
            end = start + span
            form = "".join(words[start:end])
            if form in forms and not any(taken[start:end]):
                found.append(Alias(form, forms[form], start, end))
                taken[start:end] = [True] * span
    return sorted(found, key=lambda a: a.start)


def _without_filler(words: list[str], found: list[Alias]) -> str:
    out = list(words)
    for alias in found:
        if not alias.written:
            out[alias.start:alias.end] = ["，"] + [""] * (alias.end - alias.start - 1)
    return "".join(out)

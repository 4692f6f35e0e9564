"""What a chat remembers between messages, and answering a question read in that context.

A `Turn` holds a chat's last question as a `Query`: the question shown, the
words its thread's first answer used for what was asked (`hints`), and the
names the answer must be about (`focus`). Why hints: "宜兴发展哪些新赛道?" is
answered by "…抢占合成生物、氢能和储能、低空经济等新赛道…"; 梁溪's own passage
lists "空天产业、低空经济、人工智能…" without saying 赛道, so "梁溪发展哪些新赛道?"
alone finds 梁溪's opening paragraph. Searching with the words the first answer
put next to the asked-for ones (合成生物 氢能 储能 低空经济) and keeping only
passages that name 梁溪 finds 梁溪 ¶13. Turns expire after `TURN_SECONDS`.
"""

from __future__ import annotations

import dataclasses
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from ..search.results import Answer, Result
from .followup import Read, Reading
from .lexicon import Kind, Lexicon, normalize_message

#: A chat's previous question is forgotten this long after it was answered (30 minutes).
TURN_SECONDS = 30 * 60
#: Chats remembered at most (the least recently active forgotten first) ...
MAX_CHATS = 10_000
#: ... and the characters their questions may hold in all (a question can be 4,096 characters long).
MAX_CHARS = 2_000_000
#: Passages searched when an answer must name the follow-up's place (its filter runs on these).
FOCUS_POOL = 50
#: Hint words taken from the first answer at most.
MAX_HINTS = 8
_CLAUSE_BREAK = re.compile(r"[,;。!?:,;!?:\n]+")

Ask = Callable[[str, int, int], Answer]


@dataclass(frozen=True)
class Query:
    """A question as asked in a chat: what is shown, and how it is searched."""

    question: str
    hints: tuple[str, ...] = ()
    focus: tuple[str, ...] = ()

    @property
    def search_text(self) -> str:
        return " ".join([self.question, *self.hints])


@dataclass(frozen=True)
class Turn:
    """A chat's last question and what its answer showed."""

    query: Query
    at: float
    #: Passage ids of the answer's ranks 1, 2, … shown so far (for "第二条详细说说").
    shown: tuple[int, ...] = ()
    #: The thread's hints, passed on to the follow-ups that swap a name or period.
    hints: tuple[str, ...] = ()

    @property
    def next_offset(self) -> int:
        """Where "还有呢?" continues."""
        return len(self.shown)

    def showing(self, page: Answer, at: float) -> Turn:
        """This turn once `page` (results ranked offset+1 …) was shown too."""
        ids = [r.passage.id for r in page.results]
        offset = page.results[0].rank - 1 if page.results else len(self.shown)
        shown = self.shown[:offset] + tuple(ids) if offset <= len(self.shown) else self.shown
        return dataclasses.replace(self, shown=shown, at=at)


class Conversations:
    """The last `Turn` of each chat (or of each user in a group), for `ttl` seconds; at most `max_chats`
    turns holding `max_chars` characters of questions (the least recently active forgotten first)."""

    def __init__(self, ttl: float = TURN_SECONDS, max_chats: int = MAX_CHATS, max_chars: int = MAX_CHARS) -> None:
        self.ttl = ttl
        self.max_chats = max_chats
        self.max_chars = max_chars
        self.chars = 0
        self._turns: OrderedDict[Hashable, Turn] = OrderedDict()

    def __len__(self) -> int:
        return len(self._turns)

    @staticmethod
    def _size(turn: Turn) -> int:
        return len(turn.query.question) + sum(len(w) for w in turn.hints)

    def get(self, key: Hashable, now: float) -> Turn | None:
        turn = self._turns.get(key)
        if turn is None:
            return None
        if now - turn.at > self.ttl:
            self.forget(key)
            return None
        self._turns.move_to_end(key)
        return turn

    def put(self, key: Hashable, turn: Turn) -> None:
        self.forget(key)
        self._turns[key] = turn
        self.chars += self._size(turn)
        while len(self._turns) > self.max_chats or (self.chars > self.max_chars and len(self._turns) > 1):
            self.chars -= self._size(self._turns.popitem(last=False)[1])

    def forget(self, key: Hashable) -> None:
        turn = self._turns.pop(key, None)
        if turn is not None:
            self.chars -= self._size(turn)


def query_for(read: Read, previous: Turn | None) -> Query:
    """How to search what a message asks: a swap keeps the thread's hints (a new topic has none)."""
    if read.reading in (Reading.MORE, Reading.OPEN) and previous is not None:
        return previous.query
    if read.reading is Reading.SWAP and previous is not None:
        return Query(read.question, previous.hints, read.focus)
    return Query(read.question, (), read.focus)


def turn_after(query: Query, page: Answer, lexicon: Lexicon, at: float) -> Turn:
    """The chat's turn once `query` was answered with `page` (its first page)."""
    hints = query.hints or hints_from(page, lexicon)
    return Turn(query, at, hints=hints).showing(page, at)


def hints_from(answer: Answer, lexicon: Lexicon, limit: int = MAX_HINTS) -> tuple[str, ...]:
    """Words the first passage puts next to what was asked: the clause holding the most matched
    words, less the question's own words, names and periods ("抢占合成生物、氢能和储能、低空经济
    等新赛道新领域" -> 抢占 合成生物 氢能 储能 低空经济 领域)."""
    if not answer.results:
        return ()
    first = answer.results[0]
    question = normalize_message(answer.question)
    names = {m.text for m in lexicon.mentions(question)}
    asked = [w for w in first.matched if w not in names and not any(w in n for n in names)]
    clauses = [c for c in _CLAUSE_BREAK.split(first.snippet) if c.strip()]
    scored = [(sum(1 for w in asked if w in c), max((len(w) for w in asked if w in c), default=0), c) for c in clauses]
    scored = [s for s in scored if s[0]]
    if not scored:
        return ()
    clause = max(scored, key=lambda s: (s[0], s[1]))[2]
    mentioned = {m.text for m in lexicon.mentions(clause)}
    words: dict[str, None] = {}
    for word in lexicon.segmenter.words(clause):
        if len(word) >= 2 and word not in question and word not in mentioned and not _is_name(lexicon, word):
            words[word] = None
    return tuple(words)[:limit]


def _is_name(lexicon: Lexicon, word: str) -> bool:
    kind = lexicon.kind_of(word)
    return kind is not None and kind is not Kind.PERIOD


def mentions_any(result: Result, focus: Sequence[str]) -> bool:
    """Whether a passage, its headings or its article's title name one of `focus`."""
    p = result.passage
    text = "\n".join([p.title, *p.section, p.text])
    return any(name in text for name in focus)


def answer(ask: Ask, query: Query, k: int, offset: int = 0) -> tuple[Answer, bool]:
    """Results offset+1 … offset+k of a query, and whether more follow.

    A plain question is asked as it is. A follow-up is searched with its hints, and only
    passages naming its focus are kept, ranked as the search ranked them.
    """
    if not query.hints and not query.focus:
        found = ask(query.question, k + 1, offset)
        return Answer(found.question, found.results[:k]), len(found.results) > k
    found = ask(query.search_text, FOCUS_POOL, 0)
    kept = [r for r in found.results if not query.focus or mentions_any(r, query.focus)]
    page = [dataclasses.replace(r, rank=offset + i + 1) for i, r in enumerate(kept[offset:offset + k])]
    return Answer(query.question, page), len(kept) > offset + k

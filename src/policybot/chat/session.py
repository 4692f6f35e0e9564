"""`Chats`: every chat's conversation over one corpus — what the bot and the interactive prompt use.

`Chats.reply(key, message, k)` reads a message in its chat's context
(`followup.Reader`), answers it (`context.answer`) and remembers the turn; the
shells only render the `Reply`. Keys are whatever tells chats apart: the bot
uses the chat id in private chats and (chat id, user id) in groups, the prompt
one constant. Thread-safe: the bot calls it from worker threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..search.results import Answer
from .context import TURN_SECONDS, Conversations, Query, answer, query_for, turn_after
from .followup import Read, Reader, Reading
from .lexicon import Lexicon

if TYPE_CHECKING:
    from ..corpus import Corpus


@dataclass(frozen=True)
class Reply:
    """What to show for one message."""

    read: Read
    #: The query answered (MORE: the previous one; None when there was nothing to follow).
    query: Query | None = None
    #: The page of results (None for OPEN and NO_CONTEXT).
    answer: Answer | None = None
    #: Whether results follow this page.
    more: bool = False
    #: Rank - 1 of the page's first result.
    offset: int = 0
    #: OPEN: the passage to show, or None when the previous answer showed no such item.
    passage_id: int | None = None
    #: OPEN: how many results the previous answer showed.
    shown: int = 0

    @property
    def answered_as(self) -> str | None:
        """The question built from the previous one, to say which question was answered."""
        return self.read.question if self.read.follows else None

    @property
    def no_context(self) -> bool:
        return self.read.reading is Reading.NO_CONTEXT

    @property
    def opens(self) -> bool:
        return self.read.reading is Reading.OPEN

    @property
    def continues(self) -> bool:
        """"还有呢?": the page continues the previous answer."""
        return self.read.reading is Reading.MORE


class Chats:
    """Conversations over one corpus, each remembered for `ttl` seconds (30 minutes by default)."""

    def __init__(self, corpus: Corpus, ttl: float = TURN_SECONDS) -> None:
        self.corpus = corpus
        self.lexicon = Lexicon(corpus.segmenter)
        self.reader = Reader(self.lexicon)
        self.turns = Conversations(ttl)
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load what reading a follow-up needs (jieba's place names), before the first user waits."""
        self.lexicon.jieba_tags()
        self.reader.read("那梁溪呢", "宜兴发展哪些新赛道?")

    def page(self, query: Query, k: int, offset: int = 0) -> tuple[Answer, bool]:
        """Results offset+1 … offset+k of a query, and whether more follow (for paging buttons)."""
        return answer(self.corpus.ask, query, k, offset)

    def reply(self, key: Hashable, message: str, k: int, now: float | None = None) -> Reply:
        """Read `message` in chat `key`'s context, answer it, and remember the turn."""
        now = time.monotonic() if now is None else now
        with self._lock:
            previous = self.turns.get(key, now)
        read = self.reader.read(message, previous.query.question if previous else None)
        if read.reading is Reading.NO_CONTEXT or previous is None and read.reading in (Reading.MORE, Reading.OPEN):
            return Reply(read)
        if read.reading is Reading.OPEN:
            assert previous is not None
            shown = previous.shown
            passage_id = shown[read.item - 1] if read.item <= len(shown) else None
            return Reply(read, previous.query, passage_id=passage_id, shown=len(shown))
        query = query_for(read, previous)
        offset = previous.next_offset if read.reading is Reading.MORE and previous else 0
        page, more = answer(self.corpus.ask, query, k, offset)
        with self._lock:
            if read.reading is Reading.MORE and previous is not None:
                turn = previous.showing(page, now)
            else:
                turn = turn_after(query, page, self.lexicon, now)
            self.turns.put(key, turn)
        return Reply(read, query, page, more, offset)

    def showed(self, key: Hashable, query: Query, page: Answer, now: float | None = None) -> None:
        """A paging button showed `page` of `query` in chat `key`: "第五条" may now name its results."""
        now = time.monotonic() if now is None else now
        with self._lock:
            turn = self.turns.get(key, now)
            if turn is not None and turn.query == query:
                self.turns.put(key, turn.showing(page, now))

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self.turns.forget(key)


__all__ = ["Chats", "Query", "Reply", "TURN_SECONDS"]

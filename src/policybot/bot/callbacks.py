"""What a button carries: callback data builders, and the patterns that route a press to its handler.

Callback data stays far below Telegram's 64 bytes: questions are kept
server-side under a short hash of their text (`question_key`, recovered from
the answer's first line after a restart), passages are referred to by their
numeric id, undo records by a random token. A new kind of button gets a new
prefix here, a builder and a pattern.
"""

from __future__ import annotations

import base64
import hashlib
import re

from ..chat.session import Query

MORE = re.compile(r"^m:([\w-]{1,16}):(\d{1,6})$")  # question key, offset of the first result shown
ORIGINAL = re.compile(r"^o:(\d{1,18})$")  # passage id: send it in full
PASSAGE = re.compile(r"^p:(\d{1,18})$")  # passage id: move the passage view there
SOURCES = re.compile(r"^s:(\d{1,6})$")  # page of /sources
UNDO = re.compile(r"^u:([\w-]{1,16})$")  # undo token of an /add
FEEDBACK = re.compile(r"^f:([+-]):(\d{1,18}):([\w-]{1,16})$")  # 👍/👎, the passage rated, the question's key


def more(key: str, offset: int) -> str:
    return f"m:{key}:{offset}"


def original(passage_id: int) -> str:
    return f"o:{passage_id}"


def passage(passage_id: int) -> str:
    return f"p:{passage_id}"


def sources(page: int) -> str:
    return f"s:{page}"


def undo(token: str) -> str:
    return f"u:{token}"


def feedback(up: bool, passage_id: int, key: str) -> str:
    return f"f:{'+' if up else '-'}:{passage_id}:{key}"


def normalize_question(text: str) -> str:
    """One line, single spaces: how a question is shown, keyed and searched."""
    return " ".join(text.split())


def question_key(question: str) -> str:
    """A short, stable key for a question (8 characters of a hash) for callback data."""
    digest = hashlib.blake2s(question.encode("utf-8"), digest_size=6).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def query_parts(query: Query) -> list[str]:
    """A follow-up's query as the strings `Recent` keeps: question, hint words, focus names."""
    return [query.question, " ".join(query.hints), " ".join(query.focus)]


def query_from(parts: str | list[str]) -> Query:
    """The query a 更多 button stands for (a plain question was kept as its text)."""
    if isinstance(parts, str):
        return Query(parts)
    question, hints, focus = (parts + ["", "", ""])[:3]
    return Query(question, tuple(hints.split()), tuple(focus.split()))


def query_key(query: Query) -> str:
    """A plain question's key is its text's (so it is found again from the answer's first line
    after a restart); a follow-up's covers its hints and focus too."""
    if not query.hints and not query.focus:
        return question_key(query.question)
    return question_key("\x1f".join(query_parts(query)))

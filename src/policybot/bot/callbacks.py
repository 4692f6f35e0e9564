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

MORE = re.compile(r"^m:([\w-]{1,16}):(\d{1,6})$")  # question key, offset of the first result shown
ORIGINAL = re.compile(r"^o:(\d{1,18})$")  # passage id: send it in full
PASSAGE = re.compile(r"^p:(\d{1,18})$")  # passage id: move the passage view there
SOURCES = re.compile(r"^s:(\d{1,6})$")  # page of /sources
UNDO = re.compile(r"^u:([\w-]{1,16})$")  # undo token of an /add


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


def normalize_question(text: str) -> str:
    """One line, single spaces: how a question is shown, keyed and searched."""
    return " ".join(text.split())


def question_key(question: str) -> str:
    """A short, stable key for a question (8 characters of a hash) for callback data."""
    digest = hashlib.blake2s(question.encode("utf-8"), digest_size=6).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")

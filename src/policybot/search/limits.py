"""Limits written into a question, for chats where there are no flags.

"外贸进出口增长多少 来源:新闻联播 从:2024-01 到:2024-06" asks the question before the limits,
only of articles from a source whose name holds 新闻联播, dated January to June 2024: the same
as `ask --source 新闻联播 --since 2024-01 --until 2024-06`. The names (来源/source, 从/起/since,
到/至/止/until) and the colon (ASCII or full-width) are what /help shows. A limit starts the message or follows a
space, so a colon glued to a word of the question ("记者从:") is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError
from .ranking import Filters

_NAMES = {"来源": "source", "source": "source", "从": "since", "起": "since", "since": "since",
          "到": "until", "至": "until", "止": "until", "until": "until"}
_LIMIT = re.compile(r"(?:^|(?<=\s))(来源|source|从|起|since|到|至|止|until)\s*[:：]\s*(\S+)", re.IGNORECASE)
#: How a bad written date is reported (the flag names of `Filters.of`'s errors mean nothing in a chat).
DATE_HINT = "write a date as 2024, 2024-06 or 2024-06-30, e.g. 从:2024-01 到:2024-06"


@dataclass(frozen=True)
class WrittenLimits:
    """A question with its written limits taken out, and the limits."""

    question: str
    since: str | None = None
    until: str | None = None
    source: str | None = None


def read_limits(text: str) -> WrittenLimits:
    """The question without its `名:值` limits, and their values (the last of each name counts)."""
    values: dict[str, str] = {}
    for match in _LIMIT.finditer(text):
        values[_NAMES[match[1].lower()]] = match[2]
    if not values:
        return WrittenLimits(text)
    question = " ".join(_LIMIT.sub(" ", text).split())
    return WrittenLimits(question, values.get("since"), values.get("until"), values.get("source"))


def filters_of(written: WrittenLimits) -> Filters:
    """`Filters` for written limits; InputError naming the written date when one is no date."""
    for name, value in (("从", written.since), ("到", written.until)):
        if value is not None:
            try:
                Filters.of(**{"since" if name == "从" else "until": value})
            except InputError:
                raise InputError(f"{name}:{value[:40]} is not a date", DATE_HINT) from None
    try:
        return Filters.of(written.since, written.until, written.source)
    except InputError:
        raise InputError(f"从:{written.since} is after 到:{written.until}", "swap the two dates") from None

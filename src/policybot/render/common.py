"""What every medium shares: the no-answer line, citations, highlighting, clipping."""

from __future__ import annotations

import re
from typing import Callable, Iterable

from ..store import PassageRow

NO_ANSWER = "没有找到相关内容。可以换个说法,或用更具体的地名、政策名称再问一次。"
ELLIPSIS = "…"


def highlight(text: str, words: Iterable[str], mark: Callable[[str], str], escape: Callable[[str], str]) -> str:
    """Escape text and wrap every occurrence of the words (longest first) with `mark`."""
    terms = sorted({w for w in words if w.strip()}, key=len, reverse=True)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(mark(escape(match.group(0))))
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def citation_parts(p: PassageRow) -> list[str]:
    """《title》, publisher (and original source), date, section, ¶n — whichever are known."""
    parts = [f"《{p.title}》"]
    if p.source and p.origin and p.origin != p.source:
        parts.append(f"{p.source}(来源:{p.origin})")
    elif p.source or p.origin:
        parts.append(str(p.source or p.origin))
    if p.date:
        parts.append(p.date)
    if p.section:
        parts.append(" › ".join(p.section))
    parts.append(f"¶{p.ordinal}")
    return parts


def citation(p: PassageRow) -> str:
    return " · ".join(citation_parts(p))


def clip(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters, ending in "…" when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + ELLIPSIS

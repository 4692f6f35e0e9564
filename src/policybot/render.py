"""Answers as text for people and machines: terminal, JSON lines, Telegram HTML.

Corpus text is untrusted: every renderer escapes it for its medium (control
characters for terminals, entities for HTML) before adding its own markup.
"""

from __future__ import annotations

import html
import json
import re
from typing import Callable, Iterable, Sequence

from .search import Answer, Result
from .store import PassageRow

NO_ANSWER = "没有找到相关内容。可以换个说法,或用更具体的地名、政策名称再问一次。"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
BOLD, RESET, DIM = "\x1b[1m", "\x1b[0m", "\x1b[2m"


def safe_terminal(text: str) -> str:
    """Text with control characters (and so ANSI escapes) removed."""
    return _CONTROL.sub("", text)


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


def terminal(answer: Answer, color: bool = False) -> str:
    """Human-readable answer: snippet with matched words in bold, passage, citation."""
    if not answer.results:
        return NO_ANSWER
    mark = (lambda s: f"{BOLD}{s}{RESET}") if color else (lambda s: s)
    blocks = []
    for r in answer.results:
        lines = [f"[{r.rank}] " + highlight(r.snippet, r.matched, mark, safe_terminal)]
        if r.snippet.strip() != r.passage.text.strip():
            rest = safe_terminal(r.passage.text)
            lines.append(f"{DIM}{rest}{RESET}" if color else rest)
        cite = "    —— " + safe_terminal(citation(r.passage))
        if r.passage.url:
            cite += f"\n       {safe_terminal(r.passage.url)}"
        if r.duplicates:
            cite += f"\n       (另有 {r.duplicates} 篇文章刊登了相同内容)"
        lines.append(cite)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def json_line(answer: Answer) -> str:
    """One JSON object per question, on one line."""
    return json.dumps(answer.as_dict(), ensure_ascii=False)


def to_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def tg_escape(text: str) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return html.escape(text, quote=True)


def tg_bold(text: str) -> str:
    return f"<b>{text}</b>"


def article_lines(rows: Sequence[object]) -> str:
    """`policybot list`: id, date, passages, title, one article per line."""
    lines = []
    for row in rows:
        date = getattr(row, "date") or "----------"
        lines.append(f"{row.id}  {date}  {row.n_passages:>4} ¶  {safe_terminal(row.title)}")  # type: ignore[attr-defined]
    return "\n".join(lines) if lines else "(no articles yet — add some with `policybot add PATH`)"

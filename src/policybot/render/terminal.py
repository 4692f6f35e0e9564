"""Answers and article lists for a terminal: control characters (and so ANSI escapes) removed."""

from __future__ import annotations

import re
from typing import Sequence

from ..search.ranking import Answer
from .common import NO_ANSWER, citation, highlight

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
BOLD, RESET, DIM = "\x1b[1m", "\x1b[0m", "\x1b[2m"


def safe_terminal(text: str) -> str:
    """Text with control characters (and so ANSI escapes) removed."""
    return _CONTROL.sub("", text)


def terminal(answer: Answer, color: bool = False) -> str:
    """Human-readable answer: the answering sentence(s) with matched words in bold, and the citation."""
    if not answer.results:
        return NO_ANSWER
    mark = (lambda s: f"{BOLD}{s}{RESET}") if color else (lambda s: s)
    blocks = []
    for r in answer.results:
        # The answering sentence(s) only; "…" says the passage holds more (`show ID` or --json has it all).
        shown = highlight(r.snippet, r.matched, mark, safe_terminal)
        whole, part = r.passage.text.strip(), r.snippet.strip()
        shown = ("" if whole.startswith(part) else "…") + shown + ("" if whole.endswith(part) else "…")
        lines = [f"[{r.rank}] {shown}"]
        cite = "    —— " + safe_terminal(citation(r.passage))
        if r.passage.url:
            cite += f"\n       {safe_terminal(r.passage.url)}"
        if r.duplicates:
            cite += f"\n       (另有 {r.duplicates} 篇文章刊登了相同内容)"
        lines.append(cite)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def article_lines(rows: Sequence[object]) -> str:
    """`policybot list`: id, date, passages, title, one article per line."""
    lines = []
    for row in rows:
        date = getattr(row, "date") or "----------"
        lines.append(f"{row.id}  {date}  {row.n_passages:>4} ¶  {safe_terminal(row.title)}")  # type: ignore[attr-defined]
    return "\n".join(lines) if lines else "(no articles yet — add some with `policybot add PATH`)"


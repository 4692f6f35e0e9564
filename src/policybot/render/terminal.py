"""Answers and article lists for a terminal: control characters (and so ANSI escapes) removed."""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

from ..search.ranking import Answer
from ..store import PassageRow
from .messages import catalog, text
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



def terminal_passage(passages: Sequence[PassageRow], focus_id: int, color: bool = False) -> str:
    """A passage in full between its neighbours (`show`'s form), under its citation."""
    focus = next(p for p in passages if p.id == focus_id)
    mark = (lambda s: f"{BOLD}{s}{RESET}") if color else (lambda s: s)
    lines = [safe_terminal(citation(focus)), ""]
    for p in passages:
        text = f"¶{p.ordinal} {safe_terminal(p.text)}"
        lines.append(mark(text) if p.id == focus_id else text)
        lines.append("")
    return "\n".join(lines).rstrip()


#: `stats` fields shown as sizes, and the units they are counted in.
_SIZE_UNITS = ("B", "KB", "MB", "GB", "TB")


def human_size(n_bytes: int) -> str:
    """1536 -> "1.5 KB" (powers of 1024; whole bytes under 1 KB)."""
    size = float(n_bytes)
    for unit in _SIZE_UNITS:
        if size < 1024 or unit == _SIZE_UNITS[-1]:
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def stats_lines(stats: dict[str, object], lang: str) -> str:
    """`policybot stats`: one labelled figure per line, sizes in KB/MB, "—" for what is unknown."""
    lines = []
    for key, value in stats.items():
        if value is None:
            shown = text("cli.stats.none", lang)
        elif key.endswith("_bytes") and isinstance(value, int):
            shown = human_size(value)
        elif isinstance(value, int):
            shown = f"{value:,}"
        else:
            shown = safe_terminal(str(value))
        label = text(f"cli.stats.{key}", lang) if f"cli.stats.{key}" in catalog().texts else key
        lines.append(f"{' ' * (15 - display_width(label))}{label}: {shown}")
    return "\n".join(lines)


def display_width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

"""From clean lines to passages: headings, their nesting, and long paragraphs cut.

Headings leave the text and become each passage's section path (numbered
ones, 一、/（一）/第一章/第一条, nest by their kind); runs of short lines
(clauses broken over lines) make one passage; paragraphs over LONG_PARAGRAPH
characters are cut at sentence ends, and nothing stays over MAX_PASSAGE
characters whatever its punctuation.
"""

from __future__ import annotations

import re

from ..textutil import CJK, split_sentences
from .clean import is_byline, is_source_line

#: A line this short is a candidate heading or one clause of a run of short lines.
SHORT_LINE = 30
#: Paragraphs longer than this are split at sentence ends ...
LONG_PARAGRAPH = 450
#: ... into chunks of about this many characters.
CHUNK_TARGET = 300
#: No passage is longer, whatever the punctuation: longer text is cut at a comma or space, else anywhere.
MAX_PASSAGE = 600
#: Where a cut without a sentence end is made, best to worst.
_WEAK_BREAKS = ("；;", "，,、：:", " \u3000")
_TERMINAL = tuple("。！？!?；;：:，,、…") + ("”。", "。”")
_LETTER = re.compile(f"[{CJK}A-Za-z]")
#: Numbered headings and their level (lower is outer); unnumbered ones nest by position.
_NUMBERED_HEADING = [
    (re.compile(r"^第[一二三四五六七八九十百零〇\d]+[章节部分篇]"), 10),
    (re.compile(r"^[一二三四五六七八九十]+[、.．]"), 11),
    (re.compile(r"^[(（][一二三四五六七八九十]+[)）]"), 12),
    (re.compile(r"^\d{1,2}[、.．](?!\d)"), 13),
    (re.compile(r"^[(（]\d{1,2}[)）]"), 14),
    (re.compile(r"^第[一二三四五六七八九十百零〇\d]+条$"), 15),
]
#: "第一条为了……" (normalising took the space out) — a regulation's article number opens its own
#: section; "第三条规定的…" or "第三条之一" does not.
_ARTICLE_NUMBER = re.compile(r"^(第[一二三四五六七八九十百零〇\d]+条)\s*(?![之的款项规，,、。])(\S.*)$")

Piece = tuple[tuple[str, ...], str]


def is_terminal(line: str) -> bool:
    """The line ends a sentence or clause."""
    return line.endswith(_TERMINAL) or line.endswith(("”", "\"")) and line[-2:-1] in "。！？!?"


def _heading_level(line: str) -> int | None:
    for pattern, level in _NUMBERED_HEADING:
        if pattern.match(line):
            return level
    return None


def _is_heading_candidate(line: str) -> bool:
    """Short, unterminated, and not a source or byline line."""
    return (len(line) <= SHORT_LINE and not is_terminal(line) and _LETTER.search(line) is not None
            and not is_source_line(line) and not is_byline(line))


def split_long(text: str) -> list[str]:
    """Chunks of about CHUNK_TARGET characters, cut at sentence ends; none over MAX_PASSAGE."""
    if len(text) <= LONG_PARAGRAPH:
        return [text]
    chunks: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        if current and len(current) + len(sentence) > CHUNK_TARGET:
            chunks.extend(_bounded(current))
            current = ""
        current += sentence
    if current:
        chunks.extend(_bounded(current))
    return chunks


def _bounded(text: str) -> list[str]:
    """`text` in pieces of at most MAX_PASSAGE characters, cut at the weakest break found near CHUNK_TARGET."""
    pieces: list[str] = []
    while len(text) > MAX_PASSAGE:
        cut = _cut_point(text)
        pieces.append(text[:cut])
        text = text[cut:]
    return pieces + [text] if text else pieces


def _cut_point(text: str) -> int:
    window = text[CHUNK_TARGET // 2:CHUNK_TARGET]
    for marks in _WEAK_BREAKS:
        best = max(window.rfind(mark) for mark in marks)
        if best >= 0:
            return CHUNK_TARGET // 2 + best + 1
    return CHUNK_TARGET


def _runs_of_short_lines(lines: list[str]) -> list[str]:
    """Short lines joined into passages of at most CHUNK_TARGET characters (a long list stays many passages)."""
    joined: list[str] = []
    for line in lines:
        if joined and len(joined[-1]) + 1 + len(line) <= CHUNK_TARGET:
            joined[-1] += "\n" + line
        else:
            joined.append(line)
    return joined


def split_article_numbers(lines: list[str]) -> list[str]:
    """A line "第一条 为了……" becomes the heading line "第一条" and its body."""
    out: list[str] = []
    for line in lines:
        numbered = _ARTICLE_NUMBER.match(line)
        out.extend(numbered.groups() if numbered else (line,))
    return out


def _heading_flags(lines: list[str]) -> list[bool]:
    """Which lines head what follows them.

    One or two short unterminated lines right before body text head it;
    longer runs are clauses of one passage (a news app's opening lines).
    """
    candidate = [_is_heading_candidate(line) for line in lines]
    is_heading = [False] * len(lines)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and candidate[j]:
            j += 1
        if 1 <= j - i <= 2 and j < len(lines):
            is_heading[i:j] = [True] * (j - i)
        elif j - i > 2 and j < len(lines):
            # A longer run (a table's rows, a list) may still end in a numbered heading of the body.
            for k in range(j - 1, max(i, j - 2) - 1, -1):
                if _heading_level(lines[k]) is None:
                    break
                is_heading[k] = True
        i = max(j, i + 1)
    return is_heading


class _Sections:
    """The heading path as lines go by, and the passages made under it."""

    def __init__(self) -> None:
        self.path: list[tuple[int, str]] = []
        self.pieces: list[Piece] = []
        self.short_run: list[str] = []

    @property
    def section(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.path)

    def heading(self, line: str, after_heading: bool) -> None:
        self.flush_short()
        level = _heading_level(line)
        if level is None:
            # Unnumbered group: the first line opens a new top-level path.
            if not after_heading:
                self.path = []
            self.path.append((len(self.path) + 1, line))
        else:
            self.path = [p for p in self.path if p[0] < level] + [(level, line)]

    def body(self, line: str) -> None:
        if len(line) <= SHORT_LINE:
            self.short_run.append(line)
            return
        self.flush_short()
        self.pieces.extend((self.section, chunk) for chunk in split_long(line))

    def flush_short(self) -> None:
        # Clauses broken over lines make one passage; short whole sentences stay apart.
        if all(is_terminal(line) for line in self.short_run):
            self.pieces.extend((self.section, line) for line in self.short_run)
        elif self.short_run:
            self.pieces.extend((self.section, text) for text in _runs_of_short_lines(self.short_run))
        self.short_run.clear()


def structure(lines: list[str]) -> list[Piece]:
    """(heading path, passage text) pairs; headings leave the body and enter the path."""
    sections = _Sections()
    prev_heading = False
    lines = split_article_numbers(lines)
    for line, is_heading in zip(lines, _heading_flags(lines)):
        if is_heading:
            sections.heading(line, prev_heading)
        else:
            sections.body(line)
        prev_heading = is_heading
    sections.flush_short()
    return sections.pieces

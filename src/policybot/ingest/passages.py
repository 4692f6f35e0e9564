"""From clean lines to passages: headings, their nesting, and long paragraphs cut.

Headings leave the text and become each passage's section path; runs of
short lines (clauses broken over lines) make one passage; paragraphs over
LONG_PARAGRAPH characters are cut at sentence ends.
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
_TERMINAL = tuple("。！？!?；;：:，,、…") + ("”。", "。”")
_LETTER = re.compile(f"[{CJK}A-Za-z]")
#: Numbered headings and their level (lower is outer); unnumbered ones nest by position.
_NUMBERED_HEADING = [
    (re.compile(r"^第[一二三四五六七八九十百零〇\d]+[章节部分篇]"), 10),
    (re.compile(r"^[一二三四五六七八九十]+[、.．]"), 11),
    (re.compile(r"^[(（][一二三四五六七八九十]+[)）]"), 12),
    (re.compile(r"^\d{1,2}[、.．](?!\d)"), 13),
    (re.compile(r"^[(（]\d{1,2}[)）]"), 14),
]

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
    """Chunks of about CHUNK_TARGET characters, cut only at sentence ends."""
    if len(text) <= LONG_PARAGRAPH:
        return [text]
    chunks: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        if current and len(current) + len(sentence) > CHUNK_TARGET:
            chunks.append(current)
            current = ""
        current += sentence
    if current:
        chunks.append(current)
    return chunks


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
            self.pieces.append((self.section, "\n".join(self.short_run)))
        self.short_run.clear()


def structure(lines: list[str]) -> list[Piece]:
    """(heading path, passage text) pairs; headings leave the body and enter the path."""
    sections = _Sections()
    prev_heading = False
    for line, is_heading in zip(lines, _heading_flags(lines)):
        if is_heading:
            sections.heading(line, prev_heading)
        else:
            sections.body(line)
        prev_heading = is_heading
    sections.flush_short()
    return sections.pieces

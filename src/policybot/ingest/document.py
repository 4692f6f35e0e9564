"""What the PDF and Word readers hand on: a title and blocks in reading order.

A block is a heading, a paragraph or a table row, with the page it starts on
(PDF) and a heading level where the file says one (Word heading styles). The
lines of `Document.lines` are what the article builder cleans and structures,
so PDF and Word text meets the same rules as pasted text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "table"]
#: Numbered headings of Chinese official documents; a line starting so opens a new block.
NUMBERED_HEADING = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条部分篇]|[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]"
    r"|\d{1,2}[、．.](?!\d)|[(（]\d{1,2}[)）])"
)
#: Cells of one table row are joined with this, so a row reads as one line (full-width: cleaning
#: takes spaces next to Chinese text out, and this still tells the cells apart).
CELL_SEPARATOR = "｜"


@dataclass(frozen=True)
class Block:
    """One heading, paragraph or table row."""

    text: str
    kind: BlockKind = "paragraph"
    page: int | None = None
    level: int | None = None


@dataclass
class Document:
    """Text read from a PDF or Word file."""

    title: str | None = None
    blocks: list[Block] = field(default_factory=list)
    pages: int = 0

    def lines(self) -> list[str]:
        """One line per block, for the article builder."""
        return [block.text for block in self.blocks if block.text.strip()]

    def text(self) -> str:
        return "\n".join(self.lines())


def clean_title(title: object) -> str | None:
    """A metadata title worth showing (not an editor's file name or a placeholder)."""
    if not isinstance(title, str):
        return None
    text = " ".join(title.split())
    text = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", text)
    if not text or re.fullmatch(r"(?i)(?:untitled|无标题|document\d*|文档\d*|[\w-]+\.(?:docx?|pdf|wps))", text):
        return None
    return text[:200]

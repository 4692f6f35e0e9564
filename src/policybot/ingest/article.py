"""From raw article text to clean, heading-aware passages.

`build_article` is the one path every input takes (pasted text, files, HTML,
JSONL, URLs): clean boilerplate and read metadata lines (`clean`), pick the
title, and split into passages that together hold all of the cleaned text
(`passages`). `parse_date` is re-exported: callers give dates here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..errors import EmptyArticleError
from ..textutil import normalize_line
from .clean import clean_lines, is_source_line
from .dates import parse_date
from .passages import structure

__all__ = ["Article", "ArticleMeta", "Passage", "build_article", "parse_date"]


@dataclass(frozen=True)
class Passage:
    """One retrievable unit: a paragraph (or a run of short lines, or part of a long paragraph)."""

    ordinal: int
    section: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Article:
    """A cleaned article, ready to store and index."""

    title: str
    text: str
    passages: tuple[Passage, ...]
    source: str | None = None
    date: str | None = None
    url: str | None = None
    origin: str | None = None
    article_id: str | None = None

    @property
    def content_hash(self) -> str:
        """Identity of the cleaned text: the same article pasted twice has the same hash."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class ArticleMeta:
    """Metadata known before cleaning (from flags, JSONL fields or HTML tags)."""

    title: str | None = None
    source: str | None = None
    date: str | None = None
    url: str | None = None
    article_id: str | None = None
    markdown: bool = False
    extra_lines: list[str] = field(default_factory=list)


def build_article(raw: str, meta: ArticleMeta | None = None) -> Article:
    """Clean raw article text and split it into passages."""
    meta = meta or ArticleMeta()
    lines, found = clean_lines(raw, markdown=meta.markdown, has_title=bool(meta.title))
    title = (meta.title or found.get("title") or "").strip()
    if not title and lines and len(lines[0]) <= 80 and len(lines) > 1:
        title = lines.pop(0)
    elif title and lines and lines[0] == normalize_line(title):
        lines.pop(0)
    # A "来源:无锡日报" line stays in the article's text but is no passage: it answers nothing.
    body = [line for line in lines if not is_source_line(line)]
    if not body:
        raise EmptyArticleError(
            "the article has no text left after removing page boilerplate",
            "paste or add the article's body text, not just its title or page furniture",
        )
    pieces = structure(body)
    passages = tuple(Passage(ordinal=i, section=section, text=text) for i, (section, text) in enumerate(pieces, 1))
    return Article(
        title=normalize_line(title) or normalize_line(lines[0])[:40],
        text="\n".join(lines),
        passages=passages,
        source=meta.source or found.get("source") or None,
        date=parse_date(meta.date) if meta.date else (found.get("date") or None),
        url=meta.url,
        origin=found.get("origin"),
        article_id=meta.article_id,
    )

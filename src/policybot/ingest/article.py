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
from ..textutil import normalize_line, split_sentences
from .clean import clean_lines, is_source_line
from .dates import parse_date
from .passages import is_terminal, structure

__all__ = ["Article", "ArticleMeta", "Passage", "build_article", "parse_date", "short_title"]

#: A first line up to this long is taken for the title; a given title longer than this is body text.
TITLE_MAX = 80


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
    #: Where it was read from, if that names it for good: "file:/abs/path", "url:https://…" (see sources).
    key: str | None = None
    #: Where the text that makes two articles the same starts (after a title line kept in the text).
    identity_start: int = 0

    @property
    def content_hash(self) -> str:
        """Identity of the cleaned text: the same article pasted twice has the same hash, whatever
        its title or publisher — a first line that would have been its title counts for nothing."""
        return hashlib.sha256(self.text[self.identity_start:].encode("utf-8")).hexdigest()


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
    own_title_line = bool(lines) and len(lines[0]) <= TITLE_MAX and len(lines) > 1
    identity_start = 0
    if not title and own_title_line:
        title = lines.pop(0)
    elif title and len(lines) > 1 and lines[0] == normalize_line(title):
        lines.pop(0)  # (a "title" that is the whole one-line body stays the body)
    elif meta.title and own_title_line and not is_terminal(lines[0]):
        identity_start = len(lines[0]) + 1  # a headline kept as text when another title was given
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
        title=short_title(normalize_line(title)) or normalize_line(lines[0])[:40],
        text="\n".join(lines),
        passages=passages,
        source=meta.source or found.get("source") or None,
        date=parse_date(meta.date) if meta.date else (found.get("date") or None),
        url=meta.url,
        origin=found.get("origin"),
        article_id=meta.article_id,
        identity_start=identity_start,
    )


def short_title(title: str) -> str:
    """A title fit to cite: one that is really body text (over TITLE_MAX) becomes its first sentence, cut."""
    if len(title) <= TITLE_MAX:
        return title
    first = split_sentences(title)[0].strip()
    return first if len(first) <= TITLE_MAX else first[:TITLE_MAX - 1] + "…"

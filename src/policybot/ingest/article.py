"""From raw article text to clean, heading-aware passages.

`build_article` is the one path every input takes (pasted text, files, HTML,
JSONL, URLs): clean boilerplate, normalise, find metadata and headings, and
split into passages that together hold all of the cleaned text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date as Date
from functools import lru_cache

from ..errors import EmptyArticleError, InputError
from ..segment.segmenter import data_path
from ..textutil import CJK, normalize_line, split_sentences, strip_invisible

#: A line this short is a candidate heading or one clause of a run of short lines.
SHORT_LINE = 30
#: Paragraphs longer than this are split at sentence ends ...
LONG_PARAGRAPH = 450
#: ... into chunks of about this many characters.
CHUNK_TARGET = 300
_TERMINAL = tuple("。！？!?；;：:，,、…") + ("”。", "。”")
_NUMBERED_HEADING = [
    (re.compile(r"^第[一二三四五六七八九十百零〇\d]+[章节部分篇]"), 10),
    (re.compile(r"^[一二三四五六七八九十]+[、.．]"), 11),
    (re.compile(r"^[(（][一二三四五六七八九十]+[)）]"), 12),
    (re.compile(r"^\d{1,2}[、.．](?!\d)"), 13),
    (re.compile(r"^[(（]\d{1,2}[)）]"), 14),
]
_DATE_PATTERNS = [
    re.compile(r"(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"),
    re.compile(r"^(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})$"),
]
_PUBLISHER_LINE = re.compile(
    r"^(?P<source>[^\d\s].{0,29}?)\s*(?P<date>(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_DATE_ONLY_LINE = re.compile(
    r"^(?:发布时间|发布日期|时间|日期)?[:：]?\s*(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_SOURCE_LINE = re.compile(r"^(?:来源|来自|稿源|信息来源|文章来源)\s*[:：]\s*(?P<source>.{1,40})$")
#: "发布时间:2024-06-20 10:00 来源:江阴日报" — a gov-site metadata line.
_DATE_SOURCE_LINE = re.compile(
    r"^(?:发布时间|发布日期|时间|日期)?[:：]?\s*(?P<date>(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*(?:来源|来自|稿源)\s*[:：]\s*(?P<source>\S.{0,29})$"
)
_BYLINE = re.compile(r"^(?:记者|作者|通讯员|编辑|责编|摄影|文|图)\s*[:：/|]")
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


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


@dataclass(frozen=True)
class Boilerplate:
    """Patterns of page furniture, read from `data/boilerplate.txt`."""

    lines: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    tails: frozenset[str]

    def is_noise(self, line: str) -> bool:
        return line in self.lines or any(p.match(line) for p in self.patterns)


@lru_cache(maxsize=1)
def boilerplate() -> Boilerplate:
    """Load the boilerplate rules once."""
    lines: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    tails: set[str] = set()
    for raw in data_path("boilerplate.txt").read_text(encoding="utf-8").splitlines():
        kind, sep, value = raw.partition(":")
        if raw.startswith("#") or not sep:
            continue
        value = value.strip()
        if kind == "line":
            lines.add(value)
        elif kind == "regex":
            patterns.append(re.compile(value))
        elif kind == "tail":
            tails.add(value)
    return Boilerplate(frozenset(lines), tuple(patterns), frozenset(tails))


def parse_date(raw: str | None) -> str | None:
    """A date in any common Chinese or ISO form, as YYYY-MM-DD; InputError when malformed."""
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if match:
            try:
                return Date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
            except ValueError:
                break
    raise InputError(f"bad date {text!r}", "write dates as YYYY-MM-DD, e.g. 2024-06-08")


def _is_terminal(line: str) -> bool:
    return line.endswith(_TERMINAL) or line.endswith(("”", "\"")) and line[-2:-1] in "。！？!?"


def _heading_level(line: str) -> int | None:
    for pattern, level in _NUMBERED_HEADING:
        if pattern.match(line):
            return level
    return None


def _is_heading_candidate(line: str) -> bool:
    """Short, unterminated, and not a source or byline line."""
    return (len(line) <= SHORT_LINE and not _is_terminal(line) and re.search(f"[{CJK}A-Za-z]", line) is not None
            and not _SOURCE_LINE.match(line) and not _BYLINE.match(line))


def _clean_lines(raw: str, meta: ArticleMeta) -> tuple[list[str], dict[str, str]]:
    """Normalised, boilerplate-free lines plus metadata found in them (title, source, date, origin)."""
    rules = boilerplate()
    found: dict[str, str] = {}
    raw_lines = strip_invisible(raw).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = []
    for raw_line in raw_lines:
        heading = _MARKDOWN_HEADING.match(raw_line.strip()) if meta.markdown else None
        if heading:
            text = normalize_line(heading.group(2).strip().strip("#"))
            if heading.group(1) == "#" and "title" not in found and not meta.title:
                found["title"] = text
                continue
            lines.append(text)
        elif normalize_line(raw_line):
            lines.append(normalize_line(raw_line))
    # The footer (tags, related links, comments) starts at a tail marker in the last part.
    cutoff = max(3, len(lines) // 3)
    for i in range(cutoff, len(lines)):
        if lines[i] in rules.tails:
            lines = lines[:i]
            break
    kept: list[str] = []
    for index, line in enumerate(lines):
        if rules.is_noise(line):
            continue
        if not kept and "date" not in found:
            publisher = _PUBLISHER_LINE.match(line)
            if publisher and index < 3:
                found["source"] = publisher["source"].strip()
                found["date"] = parse_date(publisher["date"]) or ""
                continue
        date_source = _DATE_SOURCE_LINE.match(line)
        if date_source and "date" not in found and len(kept) < 5:
            found["date"] = parse_date(date_source["date"]) or ""
            found["origin"] = date_source["source"].strip()
            continue
        if _DATE_ONLY_LINE.match(line) and "date" not in found and len(kept) < 3:
            found["date"] = parse_date(line) or ""
            continue
        source = _SOURCE_LINE.match(line)
        if source and "origin" not in found:
            found["origin"] = source["source"].strip()
        kept.append(line)
    return kept, found


def _split_long(text: str) -> list[str]:
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


def _structure(lines: list[str]) -> list[tuple[tuple[str, ...], str]]:
    """(heading path, passage text) pairs; headings leave the body and enter the path."""
    kinds = ["H" if _is_heading_candidate(line) else "B" for line in lines]
    is_heading = [False] * len(lines)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and kinds[j] == "H":
            j += 1
        # One or two short unterminated lines right before body text head it;
        # longer runs are clauses of one passage (a news app's opening lines).
        if 1 <= j - i <= 2 and j < len(lines):
            is_heading[i:j] = [True] * (j - i)
        i = max(j, i + 1)
    path: list[tuple[int, str]] = []
    pieces: list[tuple[tuple[str, ...], str]] = []
    short_run: list[str] = []

    def flush_short() -> None:
        # Clauses broken over lines make one passage; short whole sentences stay apart.
        section = tuple(t for _, t in path)
        if all(_is_terminal(line) for line in short_run):
            pieces.extend((section, line) for line in short_run)
        elif short_run:
            pieces.append((section, "\n".join(short_run)))
        short_run.clear()

    prev_heading = False
    for index, line in enumerate(lines):
        if is_heading[index]:
            flush_short()
            level = _heading_level(line)
            if level is None:
                # Unnumbered group: the first line opens a new top-level path.
                if not prev_heading:
                    path = []
                path.append((len(path) + 1, line))
            else:
                path = [p for p in path if p[0] < level] + [(level, line)]
            prev_heading = True
            continue
        prev_heading = False
        if len(line) <= SHORT_LINE:
            short_run.append(line)
            continue
        flush_short()
        for chunk in _split_long(line):
            pieces.append((tuple(t for _, t in path), chunk))
    flush_short()
    return pieces


def build_article(raw: str, meta: ArticleMeta | None = None) -> Article:
    """Clean raw article text and split it into passages."""
    meta = meta or ArticleMeta()
    lines, found = _clean_lines(raw, meta)
    title = (meta.title or found.get("title") or "").strip()
    if not title and lines and len(lines[0]) <= 80 and len(lines) > 1:
        title = lines.pop(0)
    elif title and lines and lines[0] == normalize_line(title):
        lines.pop(0)
    # A "来源:无锡日报" line stays in the article's text but is no passage: it answers nothing.
    body = [line for line in lines if not _SOURCE_LINE.match(line)]
    if not body:
        raise EmptyArticleError(
            "the article has no text left after removing page boilerplate",
            "paste or add the article's body text, not just its title or page furniture",
        )
    pieces = _structure(body)
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

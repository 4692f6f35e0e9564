"""Cleaning rules: page furniture to drop and metadata lines to read.

The word lists live in ``data/boilerplate.txt``; the patterns of metadata
lines (publisher and date, 来源 credits, bylines) live here, side by side for
plain text and for web pages. The two sides answer different questions and
so differ on purpose: in text a whole line is a 来源 line or not, and the
line stays in the article; in a page a credit is found inside a byline that
also holds dates and page tools, and the line is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..segment.segmenter import data_path
from ..textutil import normalize_line, strip_invisible
from .dates import CLOCK, DATE_TEXT, SPACED_DATE_TEXT, parse_date


@dataclass(frozen=True)
class CleaningRules:
    """The rules of ``data/boilerplate.txt`` (its header says what each kind does)."""

    lines: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    tails: frozenset[str]
    page_lines: frozenset[str]
    class_words: frozenset[str]
    class_prefixes: tuple[str, ...]

    def is_noise(self, line: str) -> bool:
        return line in self.lines or any(p.match(line) for p in self.patterns)


@lru_cache(maxsize=1)
def rules() -> CleaningRules:
    """Load the cleaning rules once."""
    values: dict[str, list[str]] = {}
    for raw in data_path("boilerplate.txt").read_text(encoding="utf-8").splitlines():
        kind, sep, value = raw.partition(":")
        if raw.startswith("#") or not sep:
            continue
        values.setdefault(kind, []).append(value.strip())
    return CleaningRules(
        lines=frozenset(values.get("line", [])),
        patterns=tuple(re.compile(value) for value in values.get("regex", [])),
        tails=frozenset(values.get("tail", [])),
        page_lines=frozenset(values.get("page-line", [])),
        class_words=frozenset(values.get("class-word", [])),
        class_prefixes=tuple(values.get("class-prefix", [])),
    )


# ---------------------------------------------------------------- text lines

_DATE_LABEL = "发布时间|发布日期|时间|日期"
#: "现代快报+ 2024-06-08 10:00" — an app's publisher and date above the article.
_PUBLISHER_LINE = re.compile(rf"^(?P<source>[^\d\s].{{0,29}}?)\s*(?P<date>{DATE_TEXT})(?:\s+{CLOCK})?$")
_DATE_ONLY_LINE = re.compile(rf"^(?:{_DATE_LABEL})?[:：]?\s*{DATE_TEXT}(?:\s+{CLOCK})?$")
#: "发布时间:2024-06-20 10:00 来源:江阴日报" — a gov-site metadata line.
_DATE_SOURCE_LINE = re.compile(
    rf"^(?:{_DATE_LABEL})?[:：]?\s*(?P<date>{DATE_TEXT})(?:\s*{CLOCK})?"
    r"\s*(?:来源|来自|稿源)\s*[:：]\s*(?P<source>\S.{0,29})$"
)
#: "来源:无锡日报" — the outlet an article was first published by.
_SOURCE_LINE = re.compile(r"^(?:来源|来自|稿源|信息来源|文章来源)\s*[:：]\s*(?P<source>.{1,40})$")
_BYLINE = re.compile(r"^(?:记者|作者|通讯员|编辑|责编|摄影|文|图)\s*[:：/|]")
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def is_source_line(line: str) -> bool:
    """A whole line crediting the source ("来源:无锡日报")."""
    return _SOURCE_LINE.match(line) is not None


def is_byline(line: str) -> bool:
    """A reporter / editor / photo credit line."""
    return _BYLINE.match(line) is not None


def clean_lines(raw: str, *, markdown: bool, has_title: bool) -> tuple[list[str], dict[str, str]]:
    """Normalised, boilerplate-free lines plus metadata found in them (title, source, date, origin)."""
    found: dict[str, str] = {}
    lines = _cut_footer(_text_lines(raw, markdown, has_title, found))
    noise = rules().is_noise
    kept: list[str] = []
    for index, line in enumerate(lines):
        if noise(line) or _read_metadata_line(line, index, len(kept), found):
            continue
        source = _SOURCE_LINE.match(line)
        if source and "origin" not in found:
            found["origin"] = source["source"].strip()
        kept.append(line)
    return kept, found


def _text_lines(raw: str, markdown: bool, has_title: bool, found: dict[str, str]) -> list[str]:
    """Non-empty normalised lines; a Markdown "# title" goes to ``found`` unless a title is given."""
    lines = []
    for raw_line in strip_invisible(raw).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        heading = _MARKDOWN_HEADING.match(raw_line.strip()) if markdown else None
        if heading:
            text = normalize_line(heading.group(2).strip().strip("#"))
            if heading.group(1) == "#" and "title" not in found and not has_title:
                found["title"] = text
                continue
            lines.append(text)
        elif normalize_line(raw_line):
            lines.append(normalize_line(raw_line))
    return lines


def _cut_footer(lines: list[str]) -> list[str]:
    """The footer (tags, related links, comments) starts at a tail marker in the last part."""
    tails = rules().tails
    for i in range(max(3, len(lines) // 3), len(lines)):
        if lines[i] in tails:
            return lines[:i]
    return lines


def _read_metadata_line(line: str, index: int, kept: int, found: dict[str, str]) -> bool:
    """Record a publisher / date line near the top in ``found``; True when the line is used up."""
    if not kept and "date" not in found:
        publisher = _PUBLISHER_LINE.match(line)
        if publisher and index < 3:
            found["source"] = publisher["source"].strip()
            found["date"] = parse_date(publisher["date"]) or ""
            return True
    date_source = _DATE_SOURCE_LINE.match(line)
    if date_source and "date" not in found and kept < 5:
        found["date"] = parse_date(date_source["date"]) or ""
        found["origin"] = date_source["source"].strip()
        return True
    if _DATE_ONLY_LINE.match(line) and "date" not in found and kept < 3:
        found["date"] = parse_date(line) or ""
        return True
    return False


# ---------------------------------------------------------------- web page lines

#: A "来源：新华社" credit anywhere in a byline ("数据来源" / "资料来源" cite data, not the page).
_PAGE_SOURCE = re.compile(r"(?<!数据)(?<!资料)(?:来源|稿源|出处)\s*[:：]\s*([^\s|｜,，;；、。【】\[\]()（）<>]{1,40})")
_SOURCE_LABEL = re.compile(r"^(?:来源|稿源)\s*[:：]\s*")
_SOURCE_TAIL = re.compile(r"(?:\d{4}|作者|记者|编辑|责任编辑|发布|时间|日期|浏览).*$")
_PAGE_META_LINE = re.compile(
    r"^[【\[(（]?\s*(?:来源|稿源|作者|责任编辑|责编|编辑|发布时间|发布日期|字号|字体|浏览次数|点击数|阅读次数)\s*[:：]"
)
_DATE_TIME_PREFIX = re.compile(rf"^\s*(?:{SPACED_DATE_TEXT})(?:\s*{CLOCK})?\s*")


def is_page_meta_line(text: str) -> bool:
    """Bylines, dates and page tools that sit inside a web page's content block."""
    if len(text) > 80:
        return False
    if text in rules().page_lines:
        return True
    rest = _DATE_TIME_PREFIX.sub("", text)
    if not rest.strip(" |｜:：-"):
        # A bare date may be a signing date; a timestamp is a byline.
        return ":" in text
    return bool(_PAGE_META_LINE.match(rest))


def find_source(text: str) -> str | None:
    """The outlet credited in a page's byline ("来源：新华社 2024-06-08 …"), or None."""
    for match in _PAGE_SOURCE.finditer(text):
        found = clean_source(match.group(1))
        if found:
            return found
    return None


def clean_source(raw: str) -> str | None:
    """A credited outlet without its label, quotes and what follows it in a byline."""
    text = _SOURCE_LABEL.sub("", raw.strip())
    text = _SOURCE_TAIL.sub("", text).strip("《》\"'“”:： ")
    if not text or text.isdigit():
        return None
    return text

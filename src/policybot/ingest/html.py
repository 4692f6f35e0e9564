"""Pull the title, date, source and main text out of a news web page.

Standard library only. ``html_tree`` parses the page into lines, this module
picks the element that holds the article text, ``html_meta`` reads the
title, date, source and address, and ``clean`` says which lines are bylines
and page tools.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from .clean import is_page_meta_line
from .decoding import browser_codec
from .html_meta import meta_window, pick_date, pick_source, pick_title, pick_url, read_head
from .html_tree import PARA_TAGS, Node, Para, Walker, parse, without_spaces

__all__ = ["HtmlArticle", "extract_html", "sniff_html_charset"]


@dataclass(frozen=True)
class HtmlArticle:
    """What :func:`extract_html` found in one page."""

    title: str | None
    date: str | None  # YYYY-MM-DD
    source: str | None
    url: str | None
    paragraphs: list[str]


_CLIMB_RATIO = 0.3
_MAX_LINK_RATIO = 0.9
_MIN_BODY_WEIGHT = 20.0  # below this the strict filter probably ate the article


def _select_content(paras: list[Para]) -> list[Para]:
    """Paragraphs of the element that most looks like the article body."""
    strict = [p for p in paras if p.boiler_tag is None and not p.class_boiler]
    strict_weight = _body_weight(strict)
    if strict_weight < _MIN_BODY_WEIGHT:
        # The class/id heuristics can misfire on a wrapper; retry without them.
        loose = [p for p in paras if p.boiler_tag is None]
        loose_weight = _body_weight(loose)
        if loose_weight >= _MIN_BODY_WEIGHT and loose_weight >= 3 * strict_weight:
            return _main_block(loose)
    return _main_block(strict)


def _body_weight(paras: list[Para]) -> float:
    return sum(p.weight for p in paras if not p.heading and not is_page_meta_line(p.text))


def _main_block(paras: list[Para]) -> list[Para]:
    direct: dict[Node, float] = {}
    for para in paras:
        if not para.heading:
            parent = para.owner.parent
            target = parent if parent is not None and para.owner.tag in PARA_TAGS else para.owner
            direct[target] = direct.get(target, 0.0) + para.weight
    if not direct or max(direct.values()) <= 0:
        return paras
    best = max(direct, key=lambda node: direct[node])
    container = _widen(best, paras)
    return [p for p in paras if _is_inside(p.owner, container)]


def _widen(node: Node, paras: list[Para]) -> Node:
    """Grow ``node`` to an ancestor that holds a lot more body-like text.

    Articles split over sibling blocks (WeChat <section>s, paged CMS output)
    would otherwise lose everything but their biggest part. Wrappers adding
    nothing are passed over; one adding only a little text ends the climb.
    """
    totals: dict[Node, float] = {}
    for para in paras:
        if para.heading:
            continue
        current: Node | None = para.owner
        while current is not None:
            totals[current] = totals.get(current, 0.0) + para.weight
            current = current.parent
    container = current = node
    while current.parent is not None and current.parent.tag not in ("body", "html", "#root"):
        current = current.parent
        inside = totals.get(container, 0.0)
        outside = totals.get(current, 0.0) - inside
        if outside <= 0:
            continue  # a bare wrapper, or one adding only links and headings
        if outside < _CLIMB_RATIO * inside:
            break
        container = current
    return container


def _is_inside(node: Node | None, container: Node) -> bool:
    while node is not None:
        if node is container:
            return True
        node = node.parent
    return False


def _content_lines(paras: list[Para], title: str | None) -> list[str]:
    title_key = without_spaces(title) if title else None
    lines: list[str] = []
    for para in paras:
        text = para.text
        if para.heading and without_spaces(text) == title_key:
            continue
        # Lines that are all link are menus and "related" lists left unmarked.
        if is_page_meta_line(text) or para.link_ratio >= _MAX_LINK_RATIO:
            continue
        lines.append(text)
    return lines



def extract_html(html: str, url: str | None = None) -> HtmlArticle:
    """Extract title, date, source, canonical URL and body paragraphs from a page.

    ``paragraphs`` is empty when the page has no visible article text; the
    caller decides whether that is an error.
    """
    root = parse(html)
    head = read_head(root)
    walker = Walker()
    walker.run(root)
    paras = walker.paras
    title = pick_title(head, paras)
    content = _select_content(paras)
    window = meta_window(paras, title, content)
    return HtmlArticle(
        title=title,
        date=pick_date(head, walker, window),
        source=pick_source(head, window),
        url=pick_url(head, url),
        paragraphs=_content_lines(content, title),
    )


# ---------------------------------------------------------------- charset

_META_CHARSET = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9._:\-]+)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=\s*[\"']([A-Za-z0-9._:\-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def sniff_html_charset(data: bytes) -> str | None:
    """The encoding a page declares in a BOM or ``<meta>`` within its first 2 KB.

    Returns a Python codec name (GB2312/GBK map to ``gb18030``, their
    superset), or None when nothing usable is declared.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    head = data[:2048]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    name = browser_codec(match.group(1).decode("ascii").strip().lower())
    if name and name.startswith(("utf-16", "utf-32")):
        # A page readable as ASCII to find this tag cannot really be UTF-16.
        return "utf-8"
    return name

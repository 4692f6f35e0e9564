"""Metadata of a web page: title, date, source and canonical address.

``<meta>`` tags come first, then ``<time>`` elements, then the lines just
below the headline, where bylines put the date and the 来源 credit.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from .clean import clean_source, find_source
from .dates import date_of_value, find_date
from .html_tree import Node, Para, Walker, clean_text, text_of, without_spaces

_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜]|--|\s[-–—]\s)\s*")
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "og:release_date",
    "datepublished",
    "publishdate",
    "pubdate",
    "publish_date",
    "publish-date",
    "publishtime",
    "firstpublishedtime",
    "date",
    "dc.date",
    "dc.date.issued",
)
_TITLE_META = ("og:title", "twitter:title", "articletitle", "title")
_SOURCE_META = ("source", "contentsource")
_SITE_META = ("og:site_name", "author")  # weaker than a "来源：" byline
_WINDOW = 15  # lines after the title searched for a date / source


class Head(NamedTuple):
    """What a page's ``<head>`` says: its ``<meta>`` values, ``<title>`` and canonical link."""

    meta: dict[str, str]
    title: str | None
    canonical: str | None


def read_head(root: Node) -> Head:
    """The ``<meta>`` values (first of each key), ``<title>`` and canonical link of a page."""
    meta: dict[str, str] = {}
    title: str | None = None
    canonical: str | None = None
    pending = [root]
    while pending:
        node = pending.pop()
        if node.tag == "meta":
            key = (node.attrs.get("property") or node.attrs.get("name") or node.attrs.get("itemprop") or "")
            value = clean_text(node.attrs.get("content", ""))
            if key and value:
                meta.setdefault(key.strip().lower(), value)
        elif node.tag == "title" and title is None:
            title = text_of(node) or None
        elif node.tag == "link" and canonical is None:
            if "canonical" in node.attrs.get("rel", "").lower().split():
                canonical = node.attrs.get("href", "").strip() or None
        if node.tag not in ("svg", "math", "template", "noscript", "script", "style"):
            pending.extend(c for c in reversed(node.children) if isinstance(c, Node))
    return Head(meta, title, canonical)


def pick_title(head: Head, paras: list[Para]) -> str | None:
    """The headline: a title ``<meta>``, else ``<h1>`` or ``<title>`` without the site name."""
    site = head.meta.get("og:site_name")
    for key in _TITLE_META:
        if key in head.meta:
            return _strip_site(head.meta[key], site, split=False)
    h1 = next((p.text for p in paras if p.heading == 1), None)
    if not head.title:
        return h1
    doc = _strip_site(head.title, site, split=True)
    # The <h1> is usually the clean headline; a short one is often the site logo.
    if h1 and (doc in h1 or (h1 in head.title and len(h1) * 2 >= len(doc))):
        return h1
    return doc


def _strip_site(title: str, site: str | None, *, split: bool) -> str:
    """Drop a "_Site name" / " - Site" suffix from a page title."""
    if site and title.endswith(site) and len(title) > len(site):
        stripped = title[: -len(site)].rstrip(" _|｜-–—:：")
        if stripped:
            return stripped
    parts = [part for part in _TITLE_SPLIT.split(title) if part] if split else []
    return max(parts, key=len) if len(parts) > 1 else title.strip()


def pick_date(head: Head, walker: Walker, window: list[str]) -> str | None:
    """Publication date from ``<meta>``, then ``<time>`` outside furniture, then the byline window."""
    for key in _DATE_META:
        if key in head.meta:
            found = date_of_value(head.meta[key])
            if found:
                return found
    for value, ctx in walker.times:
        if not ctx.class_boiler and ctx.boiler_tag in (None, "header"):
            found = date_of_value(value)
            if found:
                return found
    return next(filter(None, map(find_date, window)), None)


def pick_source(head: Head, window: list[str]) -> str | None:
    """The outlet: a source ``<meta>``, then a 来源 credit below the headline, then the site name."""
    for key in _SOURCE_META:
        if key in head.meta:
            return clean_source(head.meta[key]) or head.meta[key]
    for line in window:
        found = find_source(line)
        if found:
            return found
    for key in _SITE_META:
        if key in head.meta:
            return head.meta[key]
    return None




def meta_window(paras: list[Para], title: str | None, content: list[Para]) -> list[str]:
    """Lines just below the headline, where bylines put the date and source."""
    title_key = without_spaces(title) if title else None
    start = None
    if title_key:
        start = next((i for i, p in enumerate(paras) if without_spaces(p.text) == title_key), None)
    if start is None:
        start = next((i for i, p in enumerate(paras) if p.heading == 1), None)
    if start is None and content:
        first = next((i for i, p in enumerate(paras) if p is content[0]), 0)
        start = max(0, first - 5)
    if start is None:
        start = 0
    return [p.text for p in paras[start : start + _WINDOW]]


def pick_url(head: Head, url: str | None) -> str | None:
    """The canonical http(s) address of the page, else the one it was fetched from."""
    for candidate in (head.canonical, head.meta.get("og:url")):
        if candidate:
            absolute = urljoin(url or "", candidate)
            if urlsplit(absolute).scheme.lower() in ("http", "https"):
                return absolute
    return url


"""The article links of an HTML list page: a site's news index, a government's policy page.

A link is taken as an article when it stays on the page's site, is not in page
furniture (<nav>, <header>, <footer>, <aside>, or an element whose class or id
says nav/menu/footer/…), and its text (or title attribute) is long enough to be a
headline — "首页", "下一页", "更多" are not. A date written in the link's own list
row (its <li>, <tr>, <dd> …, when that row holds no other link) becomes the item's
date. Standard library only (``html.parser``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from .dates import find_date
from .feeds import MAX_LINKS, FeedItem, normalize_link, same_site

#: Link text shorter than this is navigation, not a headline.
MIN_TITLE_CHARS = 6
_FURNITURE_TAGS = frozenset("nav header footer aside".split())
_INVISIBLE_TAGS = frozenset("script style noscript template select option textarea".split())
_FURNITURE_WORDS = frozenset("nav navbar navigation menu menubar footer foot header topbar breadcrumb crumb crumbs "
                             "sidebar copyright toolbar share pagination pager page paging".split())
_ROWS = frozenset("li tr dd dt p td".split())
_BLOCKS = _ROWS | frozenset("div ul ol dl table tbody section article h1 h2 h3 h4 h5 h6".split())
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
#: Links to these are files or feeds, not article pages.
_NOT_PAGES = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|ico|css|js|xml|rss|zip|rar|7z|gz|exe|apk|mp3|mp4|avi)$",
                        re.IGNORECASE)
_WORDS = re.compile(r"[a-z]+")


@dataclass
class _Row:
    text: list[str] = field(default_factory=list)
    links: int = 0


@dataclass
class _Anchor:
    href: str
    title_attr: str
    row: int | None
    text: list[str] = field(default_factory=list)


class _LinkCollector(HTMLParser):
    """Anchors outside page furniture, each with the list row it sits in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.title: list[str] = []
        self.anchors: list[_Anchor] = []
        self.rows: list[_Row] = []
        self._open: list[tuple[str, bool, int | None]] = []  # (tag, hidden, row index)
        self._anchor: _Anchor | None = None
        self._in_title = False

    @property
    def _hidden(self) -> bool:
        return bool(self._open) and self._open[-1][1]

    def _row(self) -> int | None:
        return next((row for _, _, row in reversed(self._open) if row is not None), None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"].strip()
        elif tag == "title":
            self._in_title = True
        elif tag == "a":
            self._start_anchor(values)
        if tag in _VOID:
            return
        if tag in _ROWS and self._open and self._open[-1][0] == tag:
            self._open.pop()  # an unclosed <li>, <tr> … closed by its sibling, as browsers do
        hidden = self._hidden or tag in _FURNITURE_TAGS or tag in _INVISIBLE_TAGS or _furniture(values)
        row = None
        if tag in _ROWS and not hidden:
            self.rows.append(_Row())
            row = len(self.rows) - 1
        self._open.append((tag, hidden, row))

    def _start_anchor(self, values: dict[str, str]) -> None:
        self._anchor = None
        if self._hidden or _furniture(values) or not values.get("href", "").strip():
            return
        row = self._row()
        self._anchor = _Anchor(values["href"].strip(), " ".join(values.get("title", "").split()), row)
        self.anchors.append(self._anchor)
        if row is not None:
            self.rows[row].links += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "a":
            self._anchor = None
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
            return
        if self._hidden:
            return
        if self._anchor is not None:
            self._anchor.text.append(data)
        row = self._row()
        if row is not None:
            self.rows[row].text.append(data)


def _furniture(attrs: dict[str, str]) -> bool:
    """An element whose class or id names page furniture (nav, menu, footer, pagination …)."""
    names = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", f"{attrs.get('class', '')} {attrs.get('id', '')}").lower()
    return any(word in _FURNITURE_WORDS for word in _WORDS.findall(names))


def list_page(html: str, url: str, limit: int = MAX_LINKS) -> tuple[str | None, list[FeedItem]]:
    """The page's title and up to `limit` article links on its own site, in page order."""
    collector = _LinkCollector()
    collector.feed(html)
    collector.close()
    base = urljoin(url, collector.base) if collector.base else url
    page = normalize_link(url)
    items: list[FeedItem] = []
    seen: set[str] = {page} if page else set()
    for anchor in collector.anchors:
        link = normalize_link(urljoin(base, anchor.href))
        title = " ".join("".join(anchor.text).split())
        headline = title if len(title) >= MIN_TITLE_CHARS else anchor.title_attr
        if (link is None or link in seen or len(headline) < MIN_TITLE_CHARS or not same_site(link, url)
                or urlsplit(link).path in ("", "/") or _NOT_PAGES.search(urlsplit(link).path)):
            continue
        seen.add(link)
        items.append(FeedItem(link, max(title, anchor.title_attr, key=len), _row_date(collector, anchor)))
        if len(items) >= limit:
            break
    title = " ".join("".join(collector.title).split()) or None
    return title, items


def _row_date(collector: _LinkCollector, anchor: _Anchor) -> str | None:
    """A date written in the anchor's list row, when the row belongs to this link alone."""
    if anchor.row is None or collector.rows[anchor.row].links != 1:
        return None
    return find_date("".join(collector.rows[anchor.row].text))

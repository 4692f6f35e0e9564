"""What a followed source lists: the items of an RSS or Atom feed, or an HTML list page's article links.

`read_feed` takes bytes our own fetcher downloaded (feedparser never fetches
anything: it is handed a byte stream, never a string it could take for a URL
or a file name). The text is decoded here first — a feed declared GB2312 or
GBK is read as GB18030, as browsers do — and handed to feedparser as UTF-8.
An HTML page is read as a list page (see `listpage`). Items come back in the
document's order (newest first in nearly every feed), at most `limit` of them,
with absolute http(s) links, normalized so the same page is one link.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..errors import EncodingError, InputError
from .dates import find_date
from .decoding import decode_bytes
from .html import sniff_html_charset

#: Links read from one feed or list page at most (a site's whole archive on one page is cut here).
MAX_LINKS = 200
_XML_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
              "text/xml")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_XML_DECLARATION = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2", re.IGNORECASE)
_FEED_START = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>\s*)?"
                         r"(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)[\s>]",
                         re.IGNORECASE | re.DOTALL)
_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]",
                         re.IGNORECASE | re.DOTALL)
_NOT_A_FEED_HINT = "give the address of an RSS or Atom feed, or of a page that lists articles"


@dataclass(frozen=True)
class FeedItem:
    """One article a source lists."""

    link: str  # absolute, normalized http(s) URL
    title: str
    date: str | None  # YYYY-MM-DD as the source dates it (its own time zone), when it does


@dataclass(frozen=True)
class FeedPage:
    """What one check of a source found."""

    kind: str  # "rss", "atom" or "html"
    title: str | None
    items: list[FeedItem]


def read_feed(data: bytes, url: str, charset: str | None = None, content_type: str | None = None,
              limit: int = MAX_LINKS) -> FeedPage:
    """The items of the feed or list page `data` fetched from `url` (its final URL, after redirects).

    `charset` and `content_type` are what the server said; InputError when the bytes
    are neither a feed nor an HTML page, or cannot be decoded.
    """
    shown = url[:100]
    declared = charset or sniff_html_charset(data)
    try:
        text = decode_bytes(data, shown, declared).lstrip("\ufeff")
    except EncodingError:
        raise InputError(f"{shown} is neither a feed nor a web page (not readable text)", _NOT_A_FEED_HINT) from None
    kind = (content_type or "").split(";")[0].strip().lower()
    if _FEED_START.match(text) or (kind in _XML_TYPES and not _HTML_START.match(text)):
        return _parse_xml_feed(text, url, shown, limit)
    if kind in _HTML_TYPES or _HTML_START.match(text):
        from .listpage import list_page

        title, items = list_page(text, url, limit)
        return FeedPage("html", title, items)
    raise InputError(f"{shown} is neither a feed nor a web page", _NOT_A_FEED_HINT)


# ---- RSS and Atom ------------------------------------------------------------------------------


def _parse_xml_feed(text: str, url: str, shown: str, limit: int) -> FeedPage:
    import feedparser

    utf8 = _XML_DECLARATION.sub(r'\1"utf-8"', text, count=1).encode("utf-8")
    headers = {"content-type": "application/xml; charset=utf-8", "content-location": url}
    parsed = feedparser.parse(io.BytesIO(utf8), response_headers=headers)
    version = str(parsed.get("version") or "")
    if not version and (parsed.get("bozo") or not parsed.entries):
        reason = parsed.get("bozo_exception")
        detail = f" ({str(reason)[:80]})" if reason else ""
        raise InputError(f"{shown} is not a readable RSS or Atom feed{detail}", _NOT_A_FEED_HINT)
    items: list[FeedItem] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        item = _item(entry, url)
        if item is None or item.link in seen:
            continue
        seen.add(item.link)
        items.append(item)
        if len(items) >= limit:
            break
    title = " ".join(str(parsed.feed.get("title", "")).split()) or None
    return FeedPage("atom" if version.startswith("atom") else "rss", title, items)


def _item(entry: Any, base: str) -> FeedItem | None:
    """An entry as an item, or None when it links to no http(s) page."""
    link = entry.get("link") or ""
    if not link:
        guid = entry.get("id") or ""
        link = guid if entry.get("guidislink") or guid.startswith(("http://", "https://")) else ""
    absolute = normalize_link(urljoin(base, link.strip())) if link else None
    if absolute is None:
        return None
    title = " ".join(str(entry.get("title", "")).split())
    return FeedItem(absolute, title, _entry_date(entry))


def _entry_date(entry: Any) -> str | None:
    """The entry's publication (else update) date, in the time zone the feed wrote it in."""
    for key in ("published", "updated", "created"):
        raw = str(entry.get(key) or "").strip()
        if raw:
            date = written_date(raw)
            if date:
                return date
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:  # feedparser's reading of an odd format, in UTC
            return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday).isoformat()
    return None


def written_date(raw: str) -> str | None:
    """YYYY-MM-DD of an RFC 822, ISO 8601 or Chinese date, as written (no time-zone shift)."""
    try:
        return parsedate_to_datetime(raw).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    return find_date(raw)


# ---- links ---------------------------------------------------------------------------------------


def normalize_link(url: str) -> str | None:
    """An http(s) URL in one spelling (scheme and host lower case, no default port, no fragment),
    or None for anything else (javascript:, mailto:, malformed)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("http", "https") or not host or "@" in parts.netloc:
        return None
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def same_site(url: str, other: str) -> bool:
    """Both on one host (a leading "www." aside) and port (http and https count as one site):
    the links a list page may follow."""
    keys = [_site_key(u) for u in (url, other)]
    return keys[0] is not None and keys[0] == keys[1]


def _site_key(url: str) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".").removeprefix("www.")
    if not host:
        return None
    return host, None if port in (80, 443) else port

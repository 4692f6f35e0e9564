"""Telegram's HTML parse mode: escaping, bold, links, and fitting a message in 4,096 UTF-16 units.

Every piece of corpus or user text goes through `tg_escape` before any markup
is added, so the only `<` and `&` in our messages are our own tags and
entities. `tg_fit` is the last step of every reply in `tg_replies`: the result
always fits Telegram's limit (counted in UTF-16 code units after entity parsing).
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from .common import ELLIPSIS

TG_MAX_MESSAGE = 4096
TG_ELLIPSIS = ELLIPSIS

_TG_TOKEN = re.compile(r"<(/?)([A-Za-z][\w-]*)[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);|[^<&]+")
_TG_TAG = re.compile(r"<[^>]*>")


def tg_escape(text: str) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return html.escape(text, quote=True)


def tg_bold(text: str) -> str:
    return f"<b>{text}</b>"


def utf16_units(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts message length in."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def tg_plain(html_text: str) -> str:
    """The text Telegram shows for our HTML (tags dropped, entities decoded)."""
    return html.unescape(_TG_TAG.sub("", html_text))


def tg_len(html_text: str) -> int:
    """Visible length of our HTML in UTF-16 code units."""
    return utf16_units(tg_plain(html_text))


def tg_fit(html_text: str, limit: int = TG_MAX_MESSAGE) -> str:
    """Trim HTML to `limit` visible UTF-16 units with "…", never inside a tag or entity; tags stay balanced."""
    if tg_len(html_text) <= limit:
        return html_text
    budget = limit - utf16_units(TG_ELLIPSIS)
    out: list[str] = []
    open_tags: list[str] = []
    used = 0
    for match in _TG_TOKEN.finditer(html_text):
        token = match.group(0)
        if match.group(2) is not None:  # a tag: costs nothing
            name = match.group(2).lower()
            if match.group(1):
                if open_tags and open_tags[-1] == name:
                    open_tags.pop()
            else:
                open_tags.append(name)
            out.append(token)
            continue
        if token.startswith("&"):
            width = utf16_units(html.unescape(token))
            if used + width > budget:
                break
            out.append(token)
            used += width
            continue
        kept = []
        for ch in token:
            width = 2 if ord(ch) > 0xFFFF else 1
            if used + width > budget:
                break
            kept.append(ch)
            used += width
        out.append("".join(kept))
        if len(kept) < len(token):
            break
    body = "".join(out).rstrip()
    return body + TG_ELLIPSIS + "".join(f"</{name}>" for name in reversed(open_tags))


def tg_safe_url(url: str | None) -> str | None:
    """The URL if Telegram will accept it as a link (absolute http/https, no spaces), else None."""
    if not url or len(url) > 2048 or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        urlsplit(url).port  # raises ValueError on a malformed host ("http://[x.y/") or port
    except ValueError:
        return None
    scheme, sep, rest = url.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if not sep or scheme.lower() not in ("http", "https") or not host or "." not in host and ":" not in host:
        return None
    return url


def tg_link(text_html: str, url: str | None) -> str:
    """Already-escaped text as a link when the URL is usable, else as is."""
    safe = tg_safe_url(url)
    return f'<a href="{tg_escape(safe)}">{text_html}</a>' if safe else text_html


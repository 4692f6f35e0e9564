"""Read what a user hands us — paths, directories, URLs, stdin — into Articles.

Bytes become text in `decoding` (strict: no mojibake in the corpus), web
pages go through `html`, everything through `article.build_article`.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import EmptyArticleError, InputError
from .article import Article, ArticleMeta, build_article
from .decoding import decode_bytes

__all__ = [
    "SUPPORTED_SUFFIXES", "article_from_html", "articles_from_bytes", "articles_from_jsonl", "decode_bytes",
    "iter_files", "read_file", "read_stdin", "read_url", "valid_article_id",
]

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES

_ARTICLE_ID = re.compile(r"^[\w.:-]{1,64}$")


def _check_size(size: int, name: str, limit: int) -> None:
    if size > limit:
        raise InputError(
            f"{name} is {_size_text(size)}, over the {_size_text(limit)} limit",
            "split it into smaller files, or raise POLICYBOT_MAX_INPUT_BYTES",
        )


def _size_text(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} bytes"


def articles_from_bytes(data: bytes, name: str, meta: ArticleMeta, suffix: str = "",
                        declared: str | None = None, content_type: str | None = None) -> list[Article]:
    """Articles from one input's bytes, by its suffix or content type."""
    if not data.strip():
        raise EmptyArticleError(f"{name} is empty" if not data else f"{name} holds only whitespace",
                                "add a file or text that holds an article")
    is_html = suffix in HTML_SUFFIXES or (content_type or "").startswith(("text/html", "application/xhtml"))
    if is_html and declared is None:
        from .html import sniff_html_charset

        declared = sniff_html_charset(data)
    text = decode_bytes(data, name, declared)
    if not text.strip():
        raise EmptyArticleError(f"{name} holds only whitespace", "add a file or text that holds an article")
    if suffix in JSONL_SUFFIXES:
        return list(articles_from_jsonl(text, name, meta))
    if is_html or (not suffix and text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))):
        return [article_from_html(text, name, meta)]
    meta.markdown = suffix in {".md", ".markdown"}
    return [build_article(text, meta)]


def article_from_html(html: str, name: str, meta: ArticleMeta) -> Article:
    """Main text and metadata of an HTML page."""
    from .html import extract_html

    page = extract_html(html, url=meta.url)
    if not page.paragraphs:
        raise EmptyArticleError(f"{name} has no article text (only scripts or page furniture)",
                                "copy the article's text from a browser and add it with `policybot add -`")
    page_meta = ArticleMeta(
        title=meta.title or page.title, source=meta.source or page.source,
        date=meta.date or page.date, url=meta.url or page.url, article_id=meta.article_id,
    )
    return build_article("\n".join(page.paragraphs), page_meta)


def articles_from_jsonl(text: str, name: str, defaults: ArticleMeta) -> Iterator[Article]:
    """One article per line: {"id"?, "title", "text", "date"?, "source"?, "url"?}.

    Every line is checked before any article is returned, so a bad line
    stops the whole file and nothing of it is stored.
    """
    articles: list[Article] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name} line {number}"
        try:
            record = json.loads(line, strict=False)  # raw control characters are stripped later
        except json.JSONDecodeError as exc:
            raise InputError(f"{where} is not JSON ({exc.msg})", "write one JSON object per line") from None
        if not isinstance(record, dict):
            raise InputError(f"{where} is not a JSON object", 'write objects like {"title": …, "text": …}')
        body = record.get("text")
        if not isinstance(body, str) or not body.strip():
            raise InputError(f'{where} has no "text"', 'give each line a non-empty "text" field')
        article_id = record.get("id")
        if article_id is not None:
            article_id = str(article_id)
            if not valid_article_id(article_id):
                raise InputError(f"{where} has an id {article_id[:40]!r} with spaces or symbols",
                                 "use letters, digits, '.', '_', ':' or '-' (at most 64)")
        meta = ArticleMeta(
            title=_str_field(record, "title") or defaults.title,
            source=_str_field(record, "source") or defaults.source,
            date=_str_field(record, "date") or defaults.date,
            url=_str_field(record, "url") or defaults.url,
            article_id=article_id,
        )
        try:
            articles.append(build_article(body, meta))
        except InputError as exc:
            raise type(exc)(f"{where}: {exc.message}", exc.hint) from None
    if not articles:
        raise EmptyArticleError(f"{name} has no articles", "write one JSON object per line")
    yield from articles


def valid_article_id(article_id: str) -> bool:
    """Ids are short and plain: letters, digits, '.', '_', ':' and '-' (no paths, no spaces)."""
    return _ARTICLE_ID.fullmatch(article_id) is not None


def _str_field(record: dict[str, object], key: str) -> str | None:
    value = record.get(key)
    return str(value).strip() if value not in (None, "") else None


def read_stdin(meta: ArticleMeta, stream: BinaryIO | None = None, limit: int = 100 * 1024 * 1024) -> list[Article]:
    """Articles from text piped or pasted on standard input."""
    data = (stream or sys.stdin.buffer).read(limit + 1)
    _check_size(len(data), "standard input", limit)
    return articles_from_bytes(data, "standard input", meta)


def read_url(url: str, meta: ArticleMeta, timeout: float, max_bytes: int) -> list[Article]:
    """The article at an http(s) URL."""
    from .fetch import fetch_url

    fetched = fetch_url(url, timeout=timeout, max_bytes=max_bytes)
    meta.url = meta.url or fetched.url
    suffix = Path(fetched.url.split("?")[0]).suffix.lower()
    return articles_from_bytes(fetched.data, url, meta, suffix=suffix if suffix in SUPPORTED_SUFFIXES else "",
                               declared=fetched.charset, content_type=fetched.content_type)


def iter_files(root: Path) -> Iterator[Path]:
    """Supported files under a directory, recursively, in a stable order, hidden ones skipped."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            yield path


def read_file(path: Path, meta: ArticleMeta, limit: int) -> list[Article]:
    """Articles in one file."""
    try:
        size = path.stat().st_size
        _check_size(size, str(path), limit)
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", "check the path") from None
    except PermissionError:
        raise InputError(f"{path} cannot be read (permission denied)", "check the file's permissions") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory", "pass the directory itself to add all its files") from None
    return articles_from_bytes(data, str(path), meta, suffix=path.suffix.lower())

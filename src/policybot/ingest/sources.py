"""Read what a user hands us — paths, directories, URLs, stdin — into Articles.

Bytes become text in `decoding` (strict: no mojibake in the corpus), web
pages go through `html`, PDF and Word files through `pdffile`/`docxfile`,
everything through `article.build_article`. `load` reads a whole `add`: each
article stands alone, and what cannot be used is a `Skipped` naming the file,
line or URL and why. Files are read only when regular (`files`).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Sequence

from ..errors import EmptyArticleError, InputError, PolicybotError
from .article import Article, ArticleMeta, build_article
from .decoding import decode_bytes
from .files import Skipped, read_regular, too_big, walk_folder
from .urlsafety import Policy, is_public

__all__ = [
    "SUPPORTED_SUFFIXES", "article_from_html", "articles_from_bytes", "articles_from_jsonl", "decode_bytes",
    "iter_files", "load", "Loaded", "read_file", "read_stdin", "read_url", "Skipped", "valid_article_id",
]

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
DOCUMENT_SUFFIXES = {".pdf", ".docx"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | DOCUMENT_SUFFIXES
PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_ARTICLE_ID = re.compile(r"^[\w.:-]{1,64}$")


def articles_from_bytes(data: bytes, name: str, meta: ArticleMeta, suffix: str = "",
                        declared: str | None = None, content_type: str | None = None) -> list[Article]:
    """Articles from one input's bytes, by its suffix or content type."""
    if not data.strip():
        raise EmptyArticleError(f"{name} is empty" if not data else f"{name} holds only whitespace",
                                "add a file or text that holds an article")
    document = document_kind(data, suffix, content_type)
    if document:
        return [article_from_document(data, name, meta, document)]
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


def document_kind(data: bytes, suffix: str = "", content_type: str | None = None) -> str | None:
    """"pdf" or "docx" when the name, the content type or the first bytes say so."""
    if suffix == ".pdf" or content_type == PDF_TYPE or data.startswith(b"%PDF-"):
        return "pdf"
    if suffix == ".docx" or content_type == DOCX_TYPE or (data.startswith(b"PK\x03\x04") and b"word/" in data[:4096]):
        return "docx"
    return None


def article_from_document(data: bytes, name: str, meta: ArticleMeta, kind: str) -> Article:
    """The article in a PDF or Word file: its blocks as lines, its own title unless one was given."""
    if kind == "pdf":
        from .pdffile import read_pdf as read
    else:
        from .docxfile import read_docx as read
    document = read(data, name)
    if not document.lines():
        raise EmptyArticleError(f"{name} holds no text", "add a document that holds an article")
    titled = ArticleMeta(title=meta.title or document.title, source=meta.source, date=meta.date, url=meta.url,
                         article_id=meta.article_id)
    return build_article(document.text(), titled)


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
    """One article per line: {"id"?, "title", "text", "date"?, "source"?, "url"?}; the first bad line raises."""
    articles: list[Article] = []
    for item in jsonl_items(text, name, defaults):
        if isinstance(item, Skipped):
            raise item.error
        articles.append(item)
    yield from articles


def jsonl_items(text: str, name: str, defaults: ArticleMeta) -> Iterator[Article | Skipped]:
    """Each line's article, or a Skipped naming the line and why it cannot be used."""
    seen = False
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        seen = True
        where = f"{name} line {number}"
        try:
            yield _jsonl_article(line, where, defaults)
        except InputError as exc:
            yield Skipped.of(where, exc)
    if not seen:
        yield Skipped(name, f"{name} has no articles", "write one JSON object per line")


def _jsonl_article(line: str, where: str, defaults: ArticleMeta) -> Article:
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
    return build_article(body, meta)


def valid_article_id(article_id: str) -> bool:
    """Ids are short and plain: letters, digits, '.', '_', ':' and '-' (no paths, no spaces)."""
    return _ARTICLE_ID.fullmatch(article_id) is not None


def _str_field(record: dict[str, object], key: str) -> str | None:
    value = record.get(key)
    return str(value).strip() if value not in (None, "") else None


def read_stdin(meta: ArticleMeta, stream: BinaryIO | None = None, limit: int = 100 * 1024 * 1024) -> list[Article]:
    """Articles from text piped or pasted on standard input."""
    data = (stream or sys.stdin.buffer).read(limit + 1)
    if len(data) > limit:
        raise too_big("standard input", f"over {limit:,} bytes", limit)
    return articles_from_bytes(data, "standard input", meta)


def read_url(url: str, meta: ArticleMeta, timeout: float, max_bytes: int,
             allowed: Policy = is_public) -> list[Article]:
    """The article at an http(s) URL: a web page, plain text, a PDF or a Word file (`allowed`: the address rule)."""
    from .fetch import ARTICLE_TYPES, fetch_url

    fetched = fetch_url(url, timeout=timeout, max_bytes=max_bytes, allowed=allowed, types=ARTICLE_TYPES)
    meta.url = meta.url or fetched.url
    suffix = Path(fetched.url.split("?")[0]).suffix.lower()
    return articles_from_bytes(fetched.data, url, meta, suffix=suffix if suffix in SUPPORTED_SUFFIXES else "",
                               declared=fetched.charset, content_type=fetched.content_type)


def iter_files(root: Path) -> Iterator[Path]:
    """Supported files under a directory, recursively, in a stable order (see files.walk_folder)."""
    return (item for item in walk_folder(root, SUPPORTED_SUFFIXES) if isinstance(item, Path))


def read_file(path: Path, meta: ArticleMeta, limit: int) -> list[Article]:
    """Articles in one regular file (a JSONL file's first bad line raises)."""
    return articles_from_bytes(read_regular(path, limit), str(path), meta, suffix=path.suffix.lower())


# ---------------------------------------------------------------- a whole `add`

UrlReader = Callable[[str, ArticleMeta], list[Article]]


@dataclass
class Loaded:
    """What one `add` read: usable articles with where each came from, and what was skipped."""

    articles: list[tuple[Article, str]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def load(inputs: Sequence[str], meta: ArticleMeta, max_input_bytes: int, read_url: UrlReader) -> Loaded:
    """Read every input; each article stands alone, and what cannot be used is skipped with its reason.

    Articles read from a file or URL carry its key ("file:/abs/path", "url:…"), which names them
    for good: adding the same file or URL again is the same article (see `Corpus.add`).
    """
    loaded = Loaded()
    for item in inputs:
        fresh = ArticleMeta(meta.title, meta.source, meta.date, meta.url, meta.article_id)
        try:
            _load_one(item, fresh, max_input_bytes, read_url, loaded)
        except PolicybotError as exc:
            loaded.skipped.append(Skipped.of(_shown(item), exc))
    return loaded


def _shown(item: str) -> str:
    return "standard input" if item == "-" else item


def _load_one(item: str, meta: ArticleMeta, limit: int, read_url: UrlReader, loaded: Loaded) -> None:
    lowered = item.lower()
    if item == "-":
        loaded.articles += [(article, "standard input") for article in read_stdin(meta, limit=limit)]
    elif lowered.startswith(("http://", "https://")):
        key = f"url:{item.strip()}"
        loaded.articles += [(replace(article, key=key), item) for article in read_url(item, meta)]
    elif "://" in item[:12] or lowered.startswith(("data:", "javascript:")):
        raise InputError(f"{item[:60]} is not an http(s) address",
                         "give an http(s):// address, or download the file and add its path")
    elif Path(item).expanduser().is_dir():
        _load_folder(Path(item).expanduser(), meta, limit, loaded)
    else:
        _load_file(Path(item).expanduser(), meta, limit, loaded)


def _load_folder(root: Path, meta: ArticleMeta, limit: int, loaded: Loaded) -> None:
    found = False
    for entry in walk_folder(root, SUPPORTED_SUFFIXES):
        if isinstance(entry, Skipped):
            loaded.skipped.append(entry)
            continue
        found = True
        try:
            _load_file(entry, ArticleMeta(meta.title, meta.source, meta.date, meta.url), limit, loaded)
        except PolicybotError as exc:
            loaded.skipped.append(Skipped.of(str(entry), exc))
    if not found:
        raise InputError(f"{root} has no .txt, .md, .html, .jsonl, .pdf or .docx files",
                         "add a folder that holds articles")


def _load_file(path: Path, meta: ArticleMeta, limit: int, loaded: Loaded) -> None:
    """One file's articles; a JSONL file's bad lines are skipped one by one."""
    suffix = path.suffix.lower()
    data = read_regular(path, limit)
    if suffix not in JSONL_SUFFIXES:
        key = f"file:{path.resolve()}"
        loaded.articles += [(replace(article, key=key), str(path))
                            for article in articles_from_bytes(data, str(path), meta, suffix=suffix)]
        return
    if not data.strip():
        raise EmptyArticleError(f"{path} is empty", "add a file or text that holds an article")
    for item in jsonl_items(decode_bytes(data, str(path)), str(path), meta):
        if isinstance(item, Skipped):
            loaded.skipped.append(item)
        else:
            loaded.articles.append((item, str(path)))

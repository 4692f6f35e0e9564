"""A news site with feeds on 127.0.0.1, for tests of following sources.

Standard library only. ``with FeedServer() as site:`` serves, from the articles in
``tests/fixtures/feeds/articles.json`` (short Chinese news items written for these tests):

  /feeds/rss.xml      RSS 2.0, UTF-8, ETag and Last-Modified: a1, a2, a3 (dated in the feed only),
                      an item whose page is missing (404), and a1 again under /mobile/a1.html
  /feeds/atom.xml     Atom with relative links (xml:base), Last-Modified only: a8, a9
  /feeds/gb2312.xml   RSS declared as GB2312, ETag only: a4 (its page is GB2312-declared too, and both
                      hold a character GB2312 lacks, as real GB2312 pages do)
  /feeds/growing.xml  RSS of `site.growing` (a list of article keys tests extend with `grow`)
  /feeds/slow.xml     answers after `slow_seconds`; /feeds/broken.xml answers 500;
  /feeds/garbage.xml  answers 200 with bytes that are neither a feed nor a page; `fail(path)` breaks any path
  /list.html          an HTML list page: a6 and a7 (one link relative), off-site links (one to
                      localhost, which is this same server under another name), links in <nav>
                      and <footer>, pagination and javascript: links
  /biglist.html       a list page of `big_list` generated articles /gen/N.html
  /news/KEY.html      the articles; /mobile/a1.html is a1's page again; /news/missing.html is 404

`hold(path)` keeps requests for a path waiting until `release(path)` (a check that is busy for as
long as a test wants). Every feed answers a conditional request (If-None-Match, else If-Modified-Since) whose
validator still holds with 304 Not Modified. Every request is recorded as a `Hit` with its
conditional headers, for tests to assert on.
"""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ARTICLES: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "fixtures" / "feeds" / "articles.json").read_text(encoding="utf-8"))
CST = timezone(timedelta(hours=8))
#: Every feed's Last-Modified is this moment plus its version in hours.
_EPOCH = datetime(2024, 7, 10, 8, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Hit:
    """One request the site answered."""

    path: str  # with its query string
    if_none_match: str | None
    if_modified_since: str | None
    user_agent: str | None
    status: int


@dataclass(frozen=True)
class _Reply:
    status: int
    content_type: str = "text/html; charset=utf-8"
    body: bytes = b""
    etag: str | None = None
    last_modified: datetime | None = None


def article_page(key: str, charset: str = "utf-8") -> str:
    """A government-site style page for one article (no date anywhere when it has none)."""
    art = ARTICLES[key]
    title, date, source = html.escape(art["title"]), art["date"], html.escape(art["source"])
    date_meta = f'<meta name="PubDate" content="{date} 09:30">' if date else ""
    date_line = f"发布时间：{date} 09:30　" if date else ""
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in art["paragraphs"])
    return (f'<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"<title>{title}_无锡市人民政府</title>{date_meta}</head>\n<body>\n"
            '<div class="header"><a href="/">首页</a> <a href="/list.html">政务动态</a></div>\n'
            f'<div class="article"><h1>{title}</h1>\n<div class="info">{date_line}来源：{source}</div>\n'
            f'{paragraphs}\n</div>\n<div class="footer">主办：无锡市人民政府办公室</div>\n</body></html>\n')


def generated_page(number: int) -> str:
    """Article number N of the big list page."""
    body = (f"<p>第{number}号公告：无锡市第{number}批重点项目名单已经确定，共涉及先进制造业项目{number + 3}个。</p>"
            f"<p>各板块要加快第{number}批项目手续办理，确保年内开工建设并形成实物工作量。</p>")
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>第{number}批重点项目公告</title>'
            f'<meta name="PubDate" content="2024-06-{1 + number % 28:02d}"></head><body>'
            f'<div class="article"><h1>第{number}批重点项目公告</h1>{body}</div></body></html>')


def _rfc822(date: str | None) -> str:
    if not date:
        return ""
    moment = datetime.fromisoformat(date).replace(hour=9, minute=30, tzinfo=CST)
    return f"<pubDate>{format_datetime(moment)}</pubDate>"


def _feed_date(key: str) -> str | None:
    """The date a feed gives an article (a3's page has none; its feed item has one)."""
    return ARTICLES[key].get("feed_date") or ARTICLES[key]["date"]


def rss(title: str, items: list[tuple[str, str]], encoding: str = "utf-8") -> str:
    """An RSS 2.0 document of (link, article key) items."""
    entries = "".join(
        f"<item><title>{html.escape(ARTICLES[key]['title'])}</title><link>{html.escape(link)}</link>"
        f"<guid isPermaLink=\"true\">{html.escape(link)}</guid>{_rfc822(_feed_date(key))}"
        f"<description>{html.escape(ARTICLES[key]['paragraphs'][0])}</description></item>\n"
        for link, key in items)
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
            f"<title>{html.escape(title)}</title><link>http://example.invalid/</link>"
            f"<description>{html.escape(title)}</description>\n{entries}</channel></rss>\n")


def atom(title: str, keys: list[str]) -> str:
    """An Atom document whose entry links are relative to xml:base /news/."""
    entries = "".join(
        f"<entry><title>{html.escape(ARTICLES[k]['title'])}</title><link rel=\"alternate\" href=\"{k}.html\"/>"
        f"<id>urn:test:{k}</id><updated>{ARTICLES[k]['date']}T09:30:00+08:00</updated>"
        f"<summary>{html.escape(ARTICLES[k]['paragraphs'][0])}</summary></entry>\n" for k in keys)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/news/">'
            f"<title>{html.escape(title)}</title><id>urn:test:atom</id><updated>2024-07-10T08:00:00Z</updated>\n"
            f"{entries}</feed>\n")


class FeedServer:
    """The site, served by a ThreadingHTTPServer on a free port of 127.0.0.1."""

    def __init__(self, slow_seconds: float = 3.0, big_list: int = 45) -> None:
        self.slow_seconds = slow_seconds
        self.big_list = big_list
        self.growing: list[str] = ["a9"]
        self.failing: set[str] = set()  # paths answered with 500 from now on (see `fail`)
        self._held: dict[str, threading.Event] = {}  # paths whose answers wait for `release`
        self._waiting: dict[str, int] = {}  # requests of held paths now waiting
        self._lock = threading.Lock()
        self._hits: list[Hit] = []
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> FeedServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.site = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="FeedServer", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()  # wakes the slow feed
        for path in list(self._held):
            self.release(path)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    @property
    def port(self) -> int:
        assert self._server is not None, "the feed server is not running"
        return int(self._server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    # ---- what tests look at and change ------------------------------------------------------

    @property
    def hits(self) -> list[Hit]:
        with self._lock:
            return list(self._hits)

    def hits_of(self, path: str) -> list[Hit]:
        """Requests for one path (query strings included in the comparison)."""
        return [h for h in self.hits if h.path == path]

    def fetched_articles(self) -> list[str]:
        """Paths of the article pages requested, in order."""
        return [h.path for h in self.hits if h.path.startswith(("/news/", "/mobile/", "/gb/", "/gen/"))]

    def hold(self, path: str) -> None:
        """Keep requests for `path` waiting (the server sends nothing) until `release(path)`."""
        with self._lock:
            self._held[path] = threading.Event()

    def release(self, path: str) -> None:
        with self._lock:
            event = self._held.pop(path, None)
        if event is not None:
            event.set()

    def waiting(self, path: str) -> int:
        """Requests for a held path that are waiting now."""
        with self._lock:
            return self._waiting.get(path, 0)

    def fail(self, path: str) -> None:
        """Answer `path` with 500 Internal Server Error from now on (a feed that broke)."""
        with self._lock:
            self.failing.add(path)

    def grow(self, *keys: str) -> None:
        """Put articles at the top of /feeds/growing.xml, in the order given (feeds list the newest first)."""
        with self._lock:
            self.growing[:0] = keys

    # ---- answering ----------------------------------------------------------------------------

    def answer(self, path: str, headers: Any) -> _Reply:
        """The reply to a GET of `path`, 304 when the request's validator still holds."""
        if path == "/feeds/slow.xml":
            self._stopping.wait(self.slow_seconds)
        self._wait_if_held(urlsplit(path).path)
        reply = self._route(path)
        if reply.status == 200 and _not_modified(reply, headers):
            return _Reply(304, reply.content_type, b"", reply.etag, reply.last_modified)
        return reply

    def _wait_if_held(self, bare: str) -> None:
        with self._lock:
            event = self._held.get(bare)
            if event is None:
                return
            self._waiting[bare] = self._waiting.get(bare, 0) + 1
        try:
            event.wait(60)
        finally:
            with self._lock:
                self._waiting[bare] -= 1

    def record(self, path: str, headers: Any, status: int) -> None:
        hit = Hit(path, headers.get("If-None-Match"), headers.get("If-Modified-Since"), headers.get("User-Agent"),
                  status)
        with self._lock:
            self._hits.append(hit)

    def _route(self, path: str) -> _Reply:
        bare = urlsplit(path).path
        with self._lock:
            if bare in self.failing:
                return _Reply(500, "text/plain", b"internal error")
        feed = self._feed(bare)
        if feed is not None:
            return feed
        if bare in ("/list.html", "/biglist.html"):
            page = self._list_page() if bare == "/list.html" else self._big_list_page()
            return _Reply(200, body=page.encode("utf-8"))
        if bare == "/gb/a4.html":
            return _Reply(200, "text/html", article_page("a4", "gb2312").encode("gb18030"))
        if bare == "/mobile/a1.html":
            return _Reply(200, body=article_page("a1").encode("utf-8"))
        if bare.startswith("/news/") and bare.endswith(".html") and bare[6:-5] in ARTICLES:
            return _Reply(200, body=article_page(bare[6:-5]).encode("utf-8"))
        if bare.startswith("/gen/") and bare.endswith(".html") and bare[5:-5].isdigit():
            return _Reply(200, body=generated_page(int(bare[5:-5])).encode("utf-8"))
        if bare == "/feeds/broken.xml":
            return _Reply(500, "text/plain", b"internal error")
        if bare == "/feeds/garbage.xml":
            return _Reply(200, "application/octet-stream", bytes(range(256)) * 4)
        return _Reply(404, "text/html; charset=utf-8", "<html><body><h1>404 页面不存在</h1></body></html>".encode())

    def _feed(self, bare: str) -> _Reply | None:
        xml = "application/rss+xml; charset=utf-8"
        if bare in ("/feeds/rss.xml", "/feeds/slow.xml"):
            items = [(self.url(f"/news/{k}.html"), k) for k in ("a1", "a2", "a3")]
            items += [(self.url("/news/missing.html"), "a2"), (self.url("/mobile/a1.html"), "a1")]
            return _Reply(200, xml, rss("无锡政务动态", items).encode("utf-8"), '"rss-1"', _EPOCH)
        if bare == "/feeds/atom.xml":
            return _Reply(200, "application/atom+xml", atom("区县动态", ["a8", "a9"]).encode("utf-8"),
                          None, _EPOCH)
        if bare == "/feeds/gb2312.xml":
            body = rss("梁溪发布（瑞喆）", [(self.url("/gb/a4.html"), "a4")], encoding="gb2312").encode("gb18030")
            return _Reply(200, "text/xml", body, '"gb-1"')
        if bare == "/feeds/growing.xml":
            with self._lock:
                keys = list(self.growing)
            items = [(self.url(f"/news/{k}.html"), k) for k in keys]
            version = len(keys)
            return _Reply(200, xml, rss("滚动新闻", items).encode("utf-8"), f'"grow-{version}"',
                          _EPOCH + timedelta(hours=version))
        return None

    def _list_page(self) -> str:
        items = [("/news/a6.html", "a6", "2024-07-06"), ("news/a7.html", "a7", "[2024-07-07]"),
                 (self.url("/news/a8.html", host="localhost"), "a8", "2024-07-09")]
        rows = "".join(f'<li><a href="{html.escape(href)}" target="_blank">{html.escape(ARTICLES[k]["title"])}</a>'
                       f"<span>{when}</span></li>\n" for href, k, when in items)
        return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>政务动态_无锡市人民政府</title></head><body>\n'
                f'<nav><a href="/">首页</a><a href="/about.html">关于我们</a>'
                f'<a href="/news/a1.html">{ARTICLES["a1"]["title"]}</a></nav>\n'
                f'<div class="list"><ul>\n{rows}'
                '<li><a href="https://www.gov.cn/zhengce/content/low-altitude.html">国务院办公厅关于促进低空经济发展的意见</a>'
                "<span>2024-07-01</span></li>\n"
                '<li><a href="javascript:void(0)">点击加载更多政务动态</a></li>\n</ul>\n'
                '<div class="page"><a href="/list.html?page=2">下一页</a> <a href="/list.html?page=9">尾页</a></div>'
                "</div>\n<footer><a href=\"/sitemap.html\">网站地图与联系我们</a></footer>\n</body></html>\n")

    def _big_list_page(self) -> str:
        rows = "".join(f'<li><a href="/gen/{n}.html">第{n}批重点项目公告</a><span>2024-06-{1 + n % 28:02d}</span></li>'
                       for n in range(1, self.big_list + 1))
        return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>公告</title></head><body><ul>{rows}</ul>'
                "</body></html>")


def _not_modified(reply: _Reply, headers: Any) -> bool:
    """RFC 9110: If-None-Match decides when present; otherwise If-Modified-Since."""
    tags = headers.get("If-None-Match")
    if tags is not None:
        return reply.etag is not None and reply.etag in [t.strip() for t in tags.split(",")]
    since = headers.get("If-Modified-Since")
    if since is None or reply.last_modified is None:
        return False
    try:
        return reply.last_modified <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


class _Handler(BaseHTTPRequestHandler):
    server_version = "FeedServer/1.0"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        site: FeedServer = self.server.site  # type: ignore[attr-defined]
        reply = site.answer(self.path, self.headers)
        site.record(self.path, self.headers, reply.status)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            if reply.etag:
                self.send_header("ETag", reply.etag)
            if reply.last_modified:
                self.send_header("Last-Modified", format_datetime(reply.last_modified, usegmt=True))
            if reply.status != 304:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if reply.status != 304:
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the slow feed's timeout)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

"""The test site itself: conditional requests, growth, recording (other tests rely on these)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from feedserver import FeedServer


def _get(site: FeedServer, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(site.url(path), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), b""


def test_validators_give_304_only_while_they_hold() -> None:
    with FeedServer() as site:
        status, headers, body = _get(site, "/feeds/rss.xml")
        assert status == 200 and b"<rss" in body and headers["ETag"] == '"rss-1"'
        assert _get(site, "/feeds/rss.xml", **{"If-None-Match": headers["ETag"]})[0] == 304
        assert _get(site, "/feeds/rss.xml", **{"If-None-Match": '"old"'})[0] == 200
        modified = _get(site, "/feeds/atom.xml")[1]["Last-Modified"]
        assert _get(site, "/feeds/atom.xml", **{"If-Modified-Since": modified})[0] == 304
        assert _get(site, "/feeds/atom.xml", **{"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200
        hits = site.hits_of("/feeds/atom.xml")
        assert [h.status for h in hits] == [200, 304, 200]
        assert hits[1].if_modified_since == modified and hits[1].if_none_match is None


def test_a_growing_feed_changes_its_validators() -> None:
    with FeedServer() as site:
        _, first, body = _get(site, "/feeds/growing.xml")
        assert body.count(b"<item>") == 1
        site.grow("a5", "a2")
        status, second, body = _get(site, "/feeds/growing.xml", **{"If-None-Match": first["ETag"]})
        assert status == 200 and body.count(b"<item>") == 3 and second["ETag"] != first["ETag"]
        assert body.index(b"/news/a5.html") < body.index(b"/news/a2.html") < body.index(b"/news/a9.html")


@pytest.mark.parametrize("path, status", [("/news/missing.html", 404), ("/feeds/broken.xml", 500),
                                          ("/gen/7.html", 200), ("/mobile/a1.html", 200)])
def test_pages_and_failures(path: str, status: int) -> None:
    with FeedServer() as site:
        assert _get(site, path)[0] == status
        assert site.fetched_articles() == ([path] if path.endswith(".html") else [])


def test_the_gb2312_page_declares_gb2312_and_holds_gb18030_bytes() -> None:
    with FeedServer() as site:
        _, headers, body = _get(site, "/gb/a4.html")
        assert headers["Content-Type"] == "text/html" and b"charset=gb2312" in body
        assert "瑞喆".encode("gb18030") in body

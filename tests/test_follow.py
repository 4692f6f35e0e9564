"""Following sources against the test news site on 127.0.0.1: each article taken once, failures contained."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_corpus
from feedserver import FeedServer
from policybot import render
from policybot.corpus import Corpus
from policybot.errors import InputError, NotFoundError
from policybot.feedstore import FeedStore
from policybot.follow import MAX_ATTEMPTS, MAX_NEW_ITEMS, Feeds


def _feeds(home: Path) -> Feeds:
    return Feeds(make_corpus(home, url_timeout=1.5, allow_private_urls=True))  # the test site is on 127.0.0.1


def _corpus(feeds: Feeds) -> Corpus:
    return feeds.corpus


def test_a_feed_is_taken_once_with_its_name_date_and_url(site: FeedServer, empty_home: Path) -> None:
    feeds = _feeds(empty_home)
    row, page = feeds.add(site.url("/feeds/rss.xml"))
    assert row.name == "无锡政务动态" and page.kind == "rss" and len(page.items) == 5
    assert site.fetched_articles() == []  # adding a feed only reads the feed

    report = feeds.update()
    assert report.ok and len(report.added) == 3
    check = report.checks[0]
    assert check.duplicates == 1  # a1 again under /mobile/a1.html: fetched, recognised, not stored twice
    assert [link for link, _ in check.failed_items] == [site.url("/news/missing.html")]
    assert "404" in check.failed_items[0][1]

    answer = _corpus(feeds).ask("宜兴新引进的博士研究生有多少安家补贴?")
    top = answer.results[0].passage
    assert "30万元安家补贴" in top.text
    assert (top.url, top.date, top.source, top.origin) == (site.url("/news/a3.html"), "2024-07-04", "无锡政务动态", "宜兴")
    dated = _corpus(feeds).ask("无锡低空经济产业规模目标是多少?").results[0].passage
    assert dated.date == "2024-07-02" and dated.origin == "无锡日报"  # the page's own date and publisher

    listed = feeds.followed()[0]
    assert listed.taken == 3 and listed.last_error is None and listed.last_new_at is not None

    before = site.fetched_articles()
    again = _feeds(empty_home).update()  # a new process: everything it knows is in the store
    assert again.ok and again.added == []
    assert site.fetched_articles()[len(before):] == ["/news/missing.html"]  # only the failed item, tried again


def test_a_list_page_gives_its_same_site_articles(site: FeedServer, empty_home: Path) -> None:
    feeds = _feeds(empty_home)
    row, _ = feeds.add(site.url("/list.html"), name="政务动态")
    assert row.name == "政务动态"
    report = feeds.update()
    assert report.ok and len(report.added) == 2
    assert sorted(site.fetched_articles()) == ["/news/a6.html", "/news/a7.html"]
    assert not [h for h in site.hits if "a8" in h.path or "a1" in h.path]  # off-site and <nav> links


def test_gb2312_and_atom_feeds(site: FeedServer, empty_home: Path) -> None:
    feeds = _feeds(empty_home)
    feeds.add(site.url("/feeds/gb2312.xml"), name="梁溪")
    feeds.add(site.url("/feeds/atom.xml"), name="区县")
    report = feeds.update()
    assert report.ok and len(report.added) == 3
    texts = {a.title: _corpus(feeds).article(a.id)[0] for a in _corpus(feeds).articles()}
    assert set(texts) == {"梁溪区数字经济核心产业营收增长两成", "新吴区低空经济产业园签约十二家无人机企业",
                          "经开区启动建设人工智能创新中心"}
    passages = _corpus(feeds).article(texts["梁溪区数字经济核心产业营收增长两成"].id)[1]
    assert any("瑞喆科技" in p.text for p in passages)  # a character GB2312 lacks, read as GB18030


def test_a_check_takes_a_bounded_number_and_the_rest_later(empty_home: Path) -> None:
    with FeedServer(big_list=MAX_NEW_ITEMS + 12) as site:
        feeds = _feeds(empty_home)
        feeds.add(site.url("/biglist.html"), name="公告")
        assert len(feeds.update().added) == MAX_NEW_ITEMS
        assert len(feeds.update().added) == 12
        assert feeds.update().added == []
    assert sorted(site.fetched_articles()) == sorted(f"/gen/{n}.html" for n in range(1, MAX_NEW_ITEMS + 13))


def test_broken_slow_and_garbage_feeds_fail_alone(site: FeedServer, empty_home: Path) -> None:
    feeds = _feeds(empty_home)
    feeds.add(site.url("/feeds/growing.xml"), name="滚动")
    for path, name in (("/feeds/broken.xml", "坏"), ("/feeds/garbage.xml", "乱码"), ("/feeds/slow.xml", "慢")):
        with pytest.raises(InputError):
            feeds.add(site.url(path), name=name)  # refused: what cannot be read now is not followed
    store = FeedStore(_corpus(feeds).store)
    for path, name in (("/feeds/broken.xml", "坏"), ("/feeds/garbage.xml", "乱码"), ("/feeds/slow.xml", "慢")):
        store.add_feed(name, site.url(path))  # as if they broke after being added
    report = feeds.update()
    assert not report.ok and len(report.added) == 1
    errors = {f.name: f.last_error for f in feeds.followed()}
    assert errors["滚动"] is None
    assert "500" in errors["坏"] and "not" in errors["乱码"] and "1.5 s" in errors["慢"]
    assert "3 feed(s) failed" in render.update_summary(report)


def test_an_item_that_keeps_failing_is_given_up(site: FeedServer, empty_home: Path) -> None:
    feeds = _feeds(empty_home)
    feeds.add(site.url("/feeds/rss.xml"))
    for _ in range(MAX_ATTEMPTS + 2):
        assert feeds.update().ok
    assert len(site.hits_of("/news/missing.html")) == MAX_ATTEMPTS


def test_a_growing_feed_gives_only_its_new_items(site: FeedServer, empty_home: Path) -> None:
    feeds = _feeds(empty_home)
    feeds.add(site.url("/feeds/growing.xml"))
    assert len(feeds.update().added) == 1
    site.grow("a5", "a2")
    report = feeds.update()
    assert len(report.added) == 2 and report.checks[0].status == "new"
    assert site.fetched_articles() == ["/news/a9.html", "/news/a5.html", "/news/a2.html"]


def test_links_stored_by_hand_or_by_another_feed_are_not_fetched_again(site: FeedServer, empty_home: Path) -> None:
    feeds = _feeds(empty_home)
    _corpus(feeds).add([site.url("/news/a9.html")])
    feeds.add(site.url("/feeds/growing.xml"))  # lists a9
    feeds.add(site.url("/feeds/atom.xml"))  # lists a8 and a9
    report = feeds.update()
    assert len(report.added) == 1  # a8
    assert len(site.hits_of("/news/a9.html")) == 1 and len(site.hits_of("/news/a8.html")) == 1


def test_adding_and_removing_feeds(site: FeedServer, empty_home: Path) -> None:
    feeds = _feeds(empty_home)
    row, _ = feeds.add(site.url("/feeds/rss.xml"))
    with pytest.raises(InputError, match="already followed"):
        feeds.add(site.url("/feeds/rss.xml").upper().replace("/FEEDS/RSS.XML", "/feeds/rss.xml"))
    with pytest.raises(InputError, match="exists"):
        feeds.add(site.url("/feeds/atom.xml"), name=row.name)
    with pytest.raises(InputError, match="not an http"):
        feeds.add("file:///etc/passwd")
    second, _ = feeds.add(site.url("/feeds/slow.xml").replace("slow", "rss") + "?copy=1")
    assert second.name == "无锡政务动态 2"  # the feed's title again, numbered
    assert feeds.remove(row.name) == row
    assert feeds.remove(site.url("/feeds/rss.xml?copy=1")).id == second.id
    with pytest.raises(NotFoundError):
        feeds.remove("无锡政务动态")
    assert feeds.followed() == []


def test_a_feed_another_checker_holds_is_skipped(site: FeedServer, empty_home: Path) -> None:
    feeds = _feeds(empty_home)
    row, _ = feeds.add(site.url("/feeds/growing.xml"))
    assert FeedStore(make_corpus(empty_home).store).claim(row.id, 60)
    report = feeds.update()
    assert report.ok and report.checks[0].status == "busy" and site.fetched_articles() == []


def test_checks_are_conditional_once_nothing_is_left_to_take(site: FeedServer, empty_home: Path) -> None:
    feeds = _feeds(empty_home)
    feeds.add(site.url("/feeds/atom.xml"))  # Last-Modified only
    feeds.add(site.url("/feeds/growing.xml"))  # ETag and Last-Modified
    feeds.add(site.url("/feeds/rss.xml"))  # lists a page that is missing
    for _ in range(MAX_ATTEMPTS + 1):
        feeds.update()
    atom = site.hits_of("/feeds/atom.xml")  # read once by `add`, then once per update
    assert [h.if_modified_since is not None for h in atom] == [False, False] + [True] * MAX_ATTEMPTS
    assert [h.status for h in atom[2:]] == [304] * MAX_ATTEMPTS and atom[2].if_none_match is None
    # While the missing page is still to be tried again, the whole feed is asked for.
    rss = site.hits_of("/feeds/rss.xml")
    assert [h.if_none_match for h in rss[1:]] == [None] * MAX_ATTEMPTS + ['"rss-1"']
    assert rss[-1].status == 304 and rss[-1].if_modified_since == "Wed, 10 Jul 2024 08:00:00 GMT"

    site.grow("a5", "a6")
    before = len(site.fetched_articles())
    report = feeds.update()
    grown = site.hits_of("/feeds/growing.xml")
    assert grown[-1].if_none_match == '"grow-1"' and grown[-1].status == 200
    assert len(report.added) == 2 and site.fetched_articles()[before:] == ["/news/a5.html", "/news/a6.html"]
    feeds.update()
    assert site.hits_of("/feeds/growing.xml")[-1].if_none_match == '"grow-3"'
    assert site.hits_of("/feeds/growing.xml")[-1].status == 304

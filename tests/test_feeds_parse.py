"""Reading what a followed source lists, from bytes: RSS, Atom, GB2312, HTML list pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedserver import article_page, atom, rss
from policybot.errors import InputError
from policybot.ingest.feeds import normalize_link, read_feed, same_site, written_date
from policybot.ingest.listpage import list_page

SITE = "http://news.example.cn"


def _rss_items(*items: str, encoding: str = "utf-8", declaration: bool = True) -> str:
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n' if declaration else ""
    return f'{head}<rss version="2.0"><channel><title>测试</title>{"".join(items)}</channel></rss>'


# ---- RSS and Atom ------------------------------------------------------------------------------


def test_rss_items_keep_order_links_titles_and_dates() -> None:
    feed = rss("无锡政务动态", [(f"{SITE}/news/a1.html", "a1"), (f"{SITE}/news/a3.html", "a3")])
    page = read_feed(feed.encode("utf-8"), f"{SITE}/rss.xml", "utf-8", "application/rss+xml")
    assert page.kind == "rss" and page.title == "无锡政务动态"
    assert [i.link for i in page.items] == [f"{SITE}/news/a1.html", f"{SITE}/news/a3.html"]
    assert page.items[0].title == "无锡出台低空经济高质量发展三年行动方案"
    assert [i.date for i in page.items] == ["2024-07-02", "2024-07-04"]


def test_a_date_is_the_day_the_source_wrote_not_the_day_in_utc() -> None:
    early = "<item><title>早间新闻</title><link>/n/1.html</link><pubDate>Wed, 03 Jul 2024 07:00:00 +0800</pubDate></item>"
    page = read_feed(_rss_items(early).encode(), f"{SITE}/rss.xml")
    assert page.items[0].date == "2024-07-03"  # 2024-07-02 23:00 in UTC
    assert page.items[0].link == f"{SITE}/n/1.html"  # relative to the feed's address


def test_atom_links_are_resolved_against_xml_base_and_the_feed_address() -> None:
    page = read_feed(atom("区县动态", ["a8", "a9"]).encode(), f"{SITE}/feeds/atom.xml", None, "application/atom+xml")
    assert page.kind == "atom"
    assert [i.link for i in page.items] == [f"{SITE}/news/a8.html", f"{SITE}/news/a9.html"]
    assert [i.date for i in page.items] == ["2024-07-09", "2024-07-10"]


@pytest.mark.parametrize("http_charset", [None, "gb2312", "gbk"])
def test_a_gb2312_declared_feed_is_read_as_gb18030(http_charset: str | None) -> None:
    # 喆 is not in GB2312; feeds that declare it use it anyway, as browsers allow.
    item = f"<item><title>瑞喆科技研发中心落户梁溪</title><link>{SITE}/gb/1.html</link></item>"
    data = _rss_items(item, encoding="gb2312").encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")
    page = read_feed(data, f"{SITE}/gb.xml", http_charset, "text/xml")
    assert page.items[0].title == "瑞喆科技研发中心落户梁溪"


def test_a_utf8_feed_with_a_bom_and_no_declaration() -> None:
    item = f"<item><title>氢能产业园开工</title><link>{SITE}/a.html</link></item>"
    page = read_feed(b"\xef\xbb\xbf" + _rss_items(item, declaration=False).encode(), f"{SITE}/f", None, None)
    assert page.items[0].title == "氢能产业园开工"


def test_items_are_bounded_deduplicated_and_only_http_links() -> None:
    items = [f"<item><title>第{n}条</title><link>{SITE}/n/{n}.html</link></item>" for n in range(50)]
    items[1] = f"<item><title>重复</title><link>{SITE.upper()}:80/n/0.html#top</link></item>"
    items[2] = "<item><title>脚本</title><link>javascript:alert(1)</link></item>"
    items[3] = f'<item><title>只有guid</title><guid isPermaLink="true">{SITE}/g/3.html</guid></item>'
    items[4] = "<item><title>什么都没有</title></item>"
    page = read_feed(_rss_items(*items).encode(), f"{SITE}/rss.xml", limit=10)
    links = [i.link for i in page.items]
    assert len(links) == 10 and len(set(links)) == 10
    assert links[:3] == [f"{SITE}/n/0.html", f"{SITE}/g/3.html", f"{SITE}/n/5.html"]


def test_an_empty_feed_has_no_items_and_a_sloppy_one_is_still_read() -> None:
    assert read_feed(_rss_items().encode(), f"{SITE}/rss.xml").items == []
    sloppy = _rss_items(f"<item><title>未闭合 & 的标题</title><link>{SITE}/s.html</link></item>").replace(
        "</channel></rss>", "")
    assert [i.link for i in read_feed(sloppy.encode(), f"{SITE}/rss.xml").items] == [f"{SITE}/s.html"]


def test_feed_bytes_are_never_taken_for_a_file_name_or_url(tmp_path: Path) -> None:
    real_feed = tmp_path / "feed.xml"
    real_feed.write_text(_rss_items(f"<item><title>本地文件</title><link>{SITE}/local.html</link></item>"))
    for data in (str(real_feed).encode(), b"file://" + str(real_feed).encode(), b"http://127.0.0.1:9/rss.xml"):
        for content_type in ("text/plain", "application/rss+xml"):  # the second reaches feedparser
            with pytest.raises(InputError, match="neither a feed nor a web page|not a readable RSS or Atom feed"):
                read_feed(data, f"{SITE}/rss.xml", None, content_type)


def test_external_entities_are_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER")
    doc = (f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>\n'
           f'<rss version="2.0"><channel><title>t</title><item><title>标题&x;</title><link>{SITE}/x.html</link>'
           "</item></channel></rss>")
    page = read_feed(doc.encode(), f"{SITE}/rss.xml")
    assert all("SECRET" not in i.title for i in page.items)


def test_what_is_neither_a_feed_nor_a_page_is_refused() -> None:
    with pytest.raises(InputError, match="neither a feed nor a web page"):
        read_feed(b'{"items": []}', f"{SITE}/api", None, "application/json")
    with pytest.raises(InputError, match="neither a feed nor a web page"):
        read_feed(bytes(range(256)) * 4, f"{SITE}/bin", None, "application/octet-stream")
    with pytest.raises(InputError, match="not a readable RSS or Atom feed"):
        read_feed(b"<?xml version='1.0'?><<<", f"{SITE}/x.xml", None, "application/xml")


# ---- HTML list pages -----------------------------------------------------------------------------

LIST = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>政务动态</title></head><body>
<nav><a href="/news/nav.html">导航里的一篇很长的文章标题</a></nav>
<div class="top-menu"><a href="/news/menu.html">菜单里的一篇很长的文章标题</a></div>
<ul class="list">
<li><a href="/news/1.html">惠山区推进和美乡村建设二十项重点工程</a><span>2024-07-06</span></li>
<li><a href="2.html" title="滨湖区发布文旅消费促进十二条措施">滨湖区发布文旅…</a><span>[2024年7月7日]</span>
<li><a href="https://www.news.example.cn/news/3.html">新吴区低空经济产业园签约十二家无人机企业</a>
    <a href="/news/3-pic.html">图片新闻：签约现场</a> 2024-07-09</li>
<li><a href="http://news.example.cn:8080/news/4.html">另一个端口上的一篇文章标题</a></li>
<li><a href="http://other.example.cn/news/5.html">另一个网站上的一篇文章标题</a></li>
<li><a href="/news/photo.jpg">一张图片的很长的说明文字</a></li>
<li><a href="/rss.xml">订阅本栏目的全部更新内容</a></li>
<li><a href="mailto:office@news.example.cn">给我们写信提出意见建议</a></li>
<li><a href="/">返回网站首页查看更多</a></li>
<li><a href="/news/1.html#comments">惠山区推进和美乡村建设二十项重点工程</a></li>
</ul>
<div class="pagination"><a href="/list.html?page=2">下一页</a></div>
<a href="/list.html">当前页面本身的一个链接</a>
<footer><a href="/news/foot.html">页脚里的一篇很长的文章标题</a></footer>
<script>document.write('<a href="/news/js.html">脚本里的一篇很长的文章标题</a>')</script>
</body></html>"""


def test_a_list_page_gives_its_own_sites_headlines_in_page_order() -> None:
    title, items = list_page(LIST, f"{SITE}/news/list.html")
    assert title == "政务动态"
    assert [i.link for i in items] == [f"{SITE}/news/1.html", f"{SITE}/news/2.html",
                                       "https://www.news.example.cn/news/3.html", f"{SITE}/news/3-pic.html",
                                       f"{SITE}/list.html"]
    assert items[1].title == "滨湖区发布文旅消费促进十二条措施"  # the title attribute over the cut text
    # A row's date belongs to its link only when the row holds one link.
    assert [i.date for i in items[:4]] == ["2024-07-06", "2024-07-07", None, None]


def test_a_list_page_is_bounded_and_honours_base_href() -> None:
    rows = "".join(f'<li><a href="n/{n}.html">第{n}批重点项目公告名单</a></li>' for n in range(40))
    page = f'<html><head><base href="{SITE}/gov/"></head><body><ul>{rows}</ul></body></html>'
    title, items = list_page(page, f"{SITE}/index.html", limit=12)
    assert title is None and len(items) == 12
    assert items[0].link == f"{SITE}/gov/n/0.html" and items[-1].link == f"{SITE}/gov/n/11.html"


def test_read_feed_takes_an_html_page_as_a_list_page_in_its_declared_charset() -> None:
    page = LIST.replace('charset="utf-8"', 'charset="gb2312"').replace("惠山区", "瑞喆区")
    found = read_feed(page.encode("gb18030"), f"{SITE}/news/list.html", None, "text/html")
    assert found.kind == "html" and found.items[0].title.startswith("瑞喆区")


def test_an_article_page_read_as_a_list_gives_its_site_links_only() -> None:
    _, items = list_page(article_page("a1"), f"{SITE}/news/a1.html")
    assert all(same_site(i.link, SITE) for i in items)
    assert all(len(i.title) >= 6 for i in items)


# ---- helpers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("HTTP://News.Example.CN:80/a.html#x", "http://news.example.cn/a.html"),
    ("https://news.example.cn:443", "https://news.example.cn/"),
    ("http://news.example.cn:8080/a?b=1&c=2", "http://news.example.cn:8080/a?b=1&c=2"),
    ("http://[::1]:81/x", "http://[::1]:81/x"),
    ("javascript:void(0)", None), ("mailto:a@b.cn", None), ("ftp://x.cn/a", None),
    ("http://user@x.cn/a", None), ("http://x.cn:99999/", None), ("/relative.html", None),
])
def test_normalize_link(raw: str, expected: str | None) -> None:
    assert normalize_link(raw) == expected


def test_same_site() -> None:
    assert same_site("http://www.wuxi.gov.cn/a", "https://wuxi.gov.cn/b")
    assert not same_site("http://wuxi.gov.cn/a", "http://wuxi.gov.cn:8080/b")
    assert not same_site("http://127.0.0.1:8000/a", "http://localhost:8000/a")
    assert not same_site("http://jiangyin.wuxi.gov.cn/a", "http://wuxi.gov.cn/a")


@pytest.mark.parametrize("raw, expected", [
    ("Tue, 02 Jul 2024 09:30:00 +0800", "2024-07-02"),
    ("2024-07-02T23:30:00-05:00", "2024-07-02"),
    ("2024-07-02T01:00:00Z", "2024-07-02"),
    ("2024-07-02 10:00:00", "2024-07-02"),
    ("2024年7月2日 10:00", "2024-07-02"),
    ("昨天", None),
])
def test_written_date(raw: str, expected: str | None) -> None:
    assert written_date(raw) == expected

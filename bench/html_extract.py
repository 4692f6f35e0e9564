"""Main-text extraction: policybot's own `extract_html` against trafilatura, on pages whose text is known.

    python bench/html_extract.py --news /work/shared/data/news/xwlb.jsonl.gz \\
        --reports /work/shared/data/news/provincial-gov-reports-2025.jsonl.gz [--pages 120] [--save DIR]

There is no internet here, so the pages are built: news articles (and the first
paragraphs of government work reports, which have numbered headings) wrapped in
four kinds of Chinese site chrome written for this bench — a government portal
(table layout, 发布时间/来源 line, 字号 tools, pinyin class names such as
``xgxw``), a news portal (nav, share bar, 相关新闻, a reader-comment block of
real sentences, hot list), a WeChat-style page (``rich_media_content``,
``<section><span>`` paragraphs, date only in a script) and a mobile page
(``<br>``-separated paragraphs). The known article text, title, date and source
are the gold. The tests/fixtures/html pages are measured too, against the
paragraphs their tests name. Character precision/recall: the longest common
subsequence blocks (difflib) of extracted vs gold text, whitespace removed.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import html
import json
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from policybot.ingest.html import extract_html  # noqa: E402


@dataclass
class Page:
    name: str
    html: str
    title: str
    date: str | None
    source: str | None
    paragraphs: list[str]


@dataclass
class Extracted:
    title: str | None
    date: str | None
    source: str | None
    text: str


# ---------------------------------------------------------------- page templates

NAV = "".join(f'<li><a href="/{i}/">{name}</a></li>' for i, name in enumerate(
    "首页 要闻 时政 财经 国际 社会 文化 教育 科技 体育 健康 视频 图片 专题 评论 English".split()))
RELATED = ["国务院常务会议部署推动经济持续回升向好", "多地出台促消费新政 以旧换新补贴加码",
           "一季度国民经济实现良好开局", "全国春耕生产进展顺利", "新能源汽车下乡活动启动",
           "商务部：将开展汽车流通消费改革试点", "数字经济赋能实体经济高质量发展"]
COMMENTS = ["这个政策很好，希望能尽快落实到位，让老百姓得到实惠。", "我们小区什么时候开始办理？有没有具体的流程说明？",
            "点赞！以旧换新确实能减轻不少负担，家里的旧冰箱终于可以换了。", "希望补贴申请不要太复杂，老年人操作起来有困难。"]


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _related() -> str:
    return "".join(f'<li><a href="/n/{i}.html">{_esc(t)}</a><span>2024-05-{10 + i}</span></li>'
                   for i, t in enumerate(RELATED))


def gov_page(title: str, date: str, source: str, paragraphs: list[str]) -> str:
    body = "".join(f'<p style="text-indent:2em">{_esc(p)}</p>' for p in paragraphs)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{_esc(title)}_某某市人民政府</title>
<meta name="SiteName" content="某某市人民政府"><meta name="ArticleTitle" content="{_esc(title)}">
<meta name="PubDate" content="{date} 09:30"><meta name="ContentSource" content="{_esc(source)}">
<script>var _hmt=_hmt||[];</script><link rel="stylesheet" href="/css/main.css"></head>
<body><div class="top"><div class="wza"><a href="#">无障碍</a> | <a href="#">长者模式</a> | <a href="#">English</a></div>
<div class="logo"><img src="/logo.png" alt="某某市人民政府"></div><div class="dh"><ul>{NAV}</ul></div></div>
<table width="1000" align="center"><tr><td width="220" valign="top"><div class="zcdh"><h3>政务公开</h3><ul>
<li><a href="/a">政府信息公开指南</a></li><li><a href="/b">政府信息公开制度</a></li><li><a href="/c">法定主动公开内容</a></li>
<li><a href="/d">政府信息公开年报</a></li></ul></div></td><td valign="top">
<div class="dqwz">当前位置：<a href="/">首页</a> &gt; <a href="/zw">政务公开</a> &gt; <a href="/zc">政策文件</a></div>
<div class="xxgk_table"><table><tr><td>索 引 号：</td><td>11320200014000000X/2024-00123</td><td>分　　类：</td><td>综合政务</td></tr>
<tr><td>发布机构：</td><td>{_esc(source)}</td><td>成文日期：</td><td>{date}</td></tr></table></div>
<h1 class="bt">{_esc(title)}</h1>
<div class="fbxx">发布时间：{date} 09:30 来源：{_esc(source)} 浏览次数：1235 【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>
<div class="TRS_Editor">{body}</div>
<div class="dyfx"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="xgxw"><h4>相关信息</h4><ul>{_related()}</ul></div></td></tr></table>
<div class="bottom"><p>主办单位：某某市人民政府办公室　承办单位：某某市大数据管理局</p>
<p>网站标识码：3202000001　苏ICP备05012345号　苏公网安备 32020202000123号</p></div>
<script src="/js/stat.js"></script></body></html>"""


def news_page(title: str, date: str, source: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{_esc(p)}</p>" for p in paragraphs)
    comments = "".join(f'<div class="pl-item"><span class="user">网友{i}</span><p>{_esc(c)}</p></div>'
                       for i, c in enumerate(COMMENTS))
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{_esc(title)}-新闻频道-某某网</title><meta name="keywords" content="以旧换新,消费">
<meta property="og:site_name" content="某某网"></head>
<body><div class="header"><div class="nav"><ul>{NAV}</ul></div><div class="search"><input placeholder="搜索"></div></div>
<div class="ad_top"><a href="https://ad.example"><img src="/ad.jpg"></a>限时抢购 全场五折</div>
<div class="w1200"><div class="crumb"><a href="/">首页</a> &gt; <a href="/news">新闻</a> &gt; 正文</div>
<div class="left_zw"><h1>{_esc(title)}</h1>
<div class="info">{date} 10:23:05　来源：{_esc(source)}　<a href="#">参与互动</a></div>
<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a><a href="#">QQ空间</a></div>
<div class="article-content" id="detail">{body}</div>
<div class="editor">【责任编辑：王五】</div>
<div class="tuijian"><h3>相关新闻</h3><ul>{_related()}</ul></div>
<div class="pinglun"><h3>网友评论</h3>{comments}</div></div>
<div class="right"><div class="hot-list"><h3>热点排行</h3><ol>{_related()}</ol></div></div></div>
<div class="foot"><p>关于我们 | 联系我们 | 广告服务 | 网站地图</p><p>Copyright © 2024 某某网 版权所有</p></div>
</body></html>"""


def wechat_page(title: str, date: str, source: str, paragraphs: list[str]) -> str:
    body = "".join(f'<section style="margin:0 8px"><span style="font-size:15px">{_esc(p)}</span></section>'
                   for p in paragraphs)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><meta property="og:title" content="{_esc(title)}">
<meta property="og:description" content="{_esc(paragraphs[0][:50])}"><title>{_esc(title)}</title></head>
<body id="activity-detail"><div class="rich_media"><div class="rich_media_inner">
<h1 class="rich_media_title" id="activity-name">{_esc(title)}</h1>
<div class="rich_media_meta_list"><span class="rich_media_meta_nickname" id="profileBt"><a id="js_name">{_esc(source)}</a></span>
<em id="publish_time" class="rich_media_meta_text"></em></div>
<div class="rich_media_content" id="js_content"><section><span>点击蓝字 关注我们</span></section>{body}
<section><span>来源：{_esc(source)}</span></section><section><span>编辑：李四</span></section></div>
<div class="rich_media_tool"><a id="js_view_source">阅读原文</a> <span>阅读 10万+</span> <span>在看</span></div>
<div class="qr_code_pc"><p>微信扫一扫<br>关注该公众号</p></div></div></div>
<script>var ct = "1717812345"; var publish_time = "{date}" || "";</script></body></html>"""


def mobile_page(title: str, date: str, source: str, paragraphs: list[str]) -> str:
    body = "<br><br>".join(f"　　{_esc(p)}" for p in paragraphs)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{_esc(title)}</title></head><body><div class="m-header"><a href="/">返回</a><span>某某手机网</span></div>
<div class="m-title">{_esc(title)}</div><div class="m-meta">{_esc(source)} {date}</div>
<div class="m-content">{body}</div>
<div class="m-page"><a href="/p/1">上一篇：{_esc(RELATED[0])}</a><a href="/p/2">下一篇：{_esc(RELATED[1])}</a></div>
<div class="m-ad">打开APP 阅读更多精彩内容</div><div class="m-foot">某某网 版权所有</div></body></html>"""


TEMPLATES: dict[str, Callable[[str, str, str, list[str]], str]] = {
    "gov": gov_page, "news": news_page, "wechat": wechat_page, "mobile": mobile_page}


def _read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def built_pages(news: Path, reports: Path | None, count: int, seed: int = 7) -> list[Page]:
    """`count` pages, templates in turn, from articles with at least 3 paragraphs."""
    rng = random.Random(seed)
    pool = [a for a in _read_jsonl_gz(news) if a["text"].count("\n") >= 2]
    articles = rng.sample(pool, count)
    if reports:
        for report in _read_jsonl_gz(reports)[: max(1, count // 10)]:
            report = dict(report, text="\n".join(report["text"].split("\n")[:30]))
            articles[rng.randrange(len(articles))] = report
    pages = []
    names = list(TEMPLATES)
    for number, article in enumerate(articles):
        kind = names[number % len(names)]
        paragraphs = [p.strip() for p in article["text"].split("\n") if p.strip()]
        source = "新华社" if kind != "wechat" else "某某发布"
        date = article.get("date") or "2024-06-08"
        page_html = TEMPLATES[kind](article["title"], date, source, paragraphs)
        pages.append(Page(f"{kind}-{article['id']}", page_html, article["title"], date, source, paragraphs))
    return pages


FIXTURE_GOLD = {  # pages in tests/fixtures/html: title, date, source, and paragraphs their tests name
    "gov_notice.html": ("国务院办公厅关于进一步优化支付服务提升支付便利性的意见", "2024-03-07", "中国政府网"),
    "xinhua_article.html": ("两部门部署推进设备更新和消费品以旧换新", "2024-06-08", "新华社"),
}


# ---------------------------------------------------------------- extractors


def ours(page_html: str) -> Extracted:
    found = extract_html(page_html)
    return Extracted(found.title, found.date, found.source, "\n".join(found.paragraphs))


def trafilatura_default(page_html: str) -> Extracted:
    import trafilatura

    doc = trafilatura.bare_extraction(page_html, with_metadata=True, include_comments=False, include_tables=True)
    if doc is None:
        return Extracted(None, None, None, "")
    return Extracted(doc.title, doc.date, doc.sitename or doc.author, doc.text or "")


def trafilatura_recall(page_html: str) -> Extracted:
    import trafilatura

    doc = trafilatura.bare_extraction(page_html, with_metadata=True, include_comments=False, include_tables=True,
                                      favor_recall=True)
    if doc is None:
        return Extracted(None, None, None, "")
    return Extracted(doc.title, doc.date, doc.sitename or doc.author, doc.text or "")


EXTRACTORS = {"policybot html.py": ours, "trafilatura": trafilatura_default,
              "trafilatura favor_recall": trafilatura_recall}


# ---------------------------------------------------------------- scoring

_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def precision_recall(extracted: str, gold: str) -> tuple[float, float]:
    got, want = _squash(extracted), _squash(gold)
    if not got or not want:
        return (0.0 if got else 1.0), (0.0 if want else 1.0)
    matcher = difflib.SequenceMatcher(None, got, want, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return matched / len(got), matched / len(want)


def _same(found: str | None, gold: str | None) -> bool:
    return bool(found) and bool(gold) and _squash(found or "") == _squash(gold or "")


def measure(pages: list[Page], name: str, extractor: Callable[[str], Extracted]) -> dict[str, float]:
    scores: list[tuple[float, float]] = []
    titles = dates = sources = 0
    extractor(pages[0].html)  # imports and caches warmed before the clock starts
    started = time.perf_counter()
    results = [extractor(page.html) for page in pages]
    seconds = time.perf_counter() - started
    for page, found in zip(pages, results):
        scores.append(precision_recall(found.text, "\n".join(page.paragraphs)))
        titles += _same(found.title, page.title)
        dates += _same(found.date, page.date)
        sources += _same(found.source, page.source)
    n = len(pages)
    return {"precision": statistics.mean(s[0] for s in scores), "recall": statistics.mean(s[1] for s in scores),
            "worst_recall": min(s[1] for s in scores), "title": titles / n, "date": dates / n,
            "source": sources / n, "ms_per_page": 1000 * seconds / n}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--news", type=Path, required=True)
    parser.add_argument("--reports", type=Path)
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--save", type=Path, help="also write the built pages here, to look at")
    args = parser.parse_args(argv)
    pages = built_pages(args.news, args.reports, args.pages)
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for page in pages:
            (args.save / f"{page.name}.html").write_text(page.html, encoding="utf-8")
    print(f"{len(pages)} built pages ({', '.join(TEMPLATES)} in turn); "
          "precision/recall: characters of the article text, whitespace removed")
    header = f"{'template':8} {'extractor':26} {'P':>6} {'R':>6} {'min R':>6} {'title':>6} {'date':>6} {'source':>6} {'ms/page':>8}"
    print(header)
    print("-" * len(header))
    groups = {"all": pages} | {kind: [p for p in pages if p.name.startswith(kind + "-")] for kind in TEMPLATES}
    for group, members in groups.items():
        for name, extractor in EXTRACTORS.items():
            m = measure(members, name, extractor)
            print(f"{group:8} {name:26} {m['precision']:6.3f} {m['recall']:6.3f} {m['worst_recall']:6.3f} "
                  f"{m['title']:6.2f} {m['date']:6.2f} {m['source']:6.2f} {m['ms_per_page']:8.1f}")
    _fixture_rows()
    return 0


def _fixture_rows() -> None:
    """Metadata found on tests/fixtures/html pages, by each extractor."""
    print("\ntests/fixtures/html: title / date / source right (of 2 pages with known values)")
    folder = ROOT / "tests" / "fixtures" / "html"
    for name, extractor in EXTRACTORS.items():
        right = [0, 0, 0]
        for file, (title, date, source) in FIXTURE_GOLD.items():
            found = extractor((folder / file).read_text(encoding="utf-8"))
            right = [r + ok for r, ok in zip(right, (_same(found.title, title), _same(found.date, date),
                                                      _same(found.source, source)))]
        print(f"  {name:26} title {right[0]}/2  date {right[1]}/2  source {right[2]}/2")


if __name__ == "__main__":
    sys.exit(main())

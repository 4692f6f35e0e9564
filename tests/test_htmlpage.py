"""Tests for policybot.ingest.html: metadata and main-text extraction."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from policybot.ingest.html import HtmlArticle, extract_html, sniff_html_charset

FIXTURES = Path(__file__).parent / "fixtures" / "html"


def load(name: str, url: str | None = None) -> HtmlArticle:
    return extract_html((FIXTURES / name).read_text(encoding="utf-8"), url=url)


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


# ------------------------------------------------------------ gov.cn style page


def test_gov_notice_metadata() -> None:
    article = load("gov_notice.html", url="https://www.gov.cn/zhengce/content/202403/content_5637.htm")
    assert article.title == "国务院办公厅关于进一步优化支付服务提升支付便利性的意见"
    assert article.date == "2024-03-07"
    assert article.source == "中国政府网"
    assert article.url == "https://www.gov.cn/zhengce/content/202403/content_5637.htm"


def test_gov_notice_body_inside_aspnet_form_wrapper() -> None:
    paragraphs = load("gov_notice.html").paragraphs
    assert paragraphs[0] == "国办发〔2024〕10号"
    assert paragraphs[1] == "各省、自治区、直辖市人民政府，国务院各部委、各直属机构："
    # Source-code line wraps inside Chinese text are joined without a space.
    assert "服务实体经济、畅通经济循环发挥了重要作用" in paragraphs[2]
    assert not paragraphs[2].startswith("\u3000")
    assert paragraphs[-1] == "（此件公开发布）"
    assert "2024年3月1日" in paragraphs  # signing date after a <br> stays


def test_gov_notice_headings_are_own_lines() -> None:
    paragraphs = load("gov_notice.html").paragraphs
    assert "一、总体要求" in paragraphs
    assert "二、切实改善银行卡受理环境" in paragraphs
    assert paragraphs.index("一、总体要求") < paragraphs.index("二、切实改善银行卡受理环境")


def test_gov_notice_boilerplate_dropped() -> None:
    text = "\n".join(load("gov_notice.html").paragraphs)
    for junk in (
        "首页", "搜索", "当前位置", "索 引 号", "分享到", "字号", "责任编辑",
        "相关稿件", "答记者问", "主办单位", "版权所有", "不应出现", "统计代码",
        "星期一", "__VIEWSTATE",
    ):
        assert junk not in text, junk


# ------------------------------------------------------------ xinhua style page


def test_news_article_metadata() -> None:
    article = load("xinhua_article.html", url="https://www.news.cn/politics/20240608/index.htm?from=home")
    assert article.title == "两部门部署推进设备更新和消费品以旧换新"
    assert article.date == "2024-06-08"
    assert article.source == "新华社"  # the byline beats og:site_name and author
    assert article.url == "https://www.news.cn/politics/20240608/c_1130158263.htm"


def test_news_article_paragraphs_in_order() -> None:
    paragraphs = load("xinhua_article.html").paragraphs
    assert paragraphs[0].startswith("新华社北京6月8日电（记者 王五）")
    assert paragraphs[2] == "加大财政金融支持力度"
    assert paragraphs[4] == "“以旧换新既利当前、又利长远。”国家发展改革委有关负责人表示。"
    assert paragraphs[-1].startswith("家电以旧换新")
    assert len(paragraphs) == 7


def test_news_article_entities_decoded() -> None:
    paragraphs = load("xinhua_article.html").paragraphs
    assert "以“新”促“质”" in paragraphs[1]
    assert "设备更新&技术改造" in paragraphs[3]
    assert "贴息比例为1个百分点，期限两年" in paragraphs[3]
    assert all("&" not in p.replace("设备更新&技术改造", "") for p in paragraphs)
    assert all("\xa0" not in p for p in paragraphs)


def test_news_article_skips_hidden_embedded_and_furniture() -> None:
    text = "\n".join(load("xinhua_article.html").paragraphs)
    for junk in (
        "时政", "限时优惠", "JavaScript", "模板内容", "视频", "图标", "矢量文字",
        "隐藏的段落", "分享到", "责任编辑", "网友", "热点推荐", "防汛抗旱",
        "相关新闻", "Copyright", "制作单位", "不应出现",
    ):
        assert junk not in text, junk


# ------------------------------------------------------------ mobile page with <br> lines


def test_br_and_div_lines_become_paragraphs() -> None:
    paragraphs = load("wap_br.html").paragraphs
    assert paragraphs[:4] == ["锐意进取、攻坚克难", "锚定目标、乘势而上", "6 月 7 日召开的", "市委十四届七次全会"]
    assert "江 阴" in paragraphs
    assert paragraphs[-1].startswith("宜兴将聚焦“五个更大力度”")
    assert "" not in paragraphs


def test_wap_metadata_from_text_near_title() -> None:
    article = load("wap_br.html")
    assert article.title == "发力“新质”，无锡各板块这样干！"
    # The top bar's "today" date sits above the headline and must be ignored.
    assert article.date == "2024-06-08"
    assert article.source == "现代快报+"
    assert article.url is None


def test_wap_related_and_copyright_dropped() -> None:
    text = "\n".join(load("wap_br.html").paragraphs)
    assert "重大项目300个" not in text
    assert "授权发布" not in text
    assert "首页" not in text


# ------------------------------------------------------------ empty pages


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n ",
        "<html><head><script>var a = '<p>动态内容</p>';</script><style>p{}</style></head>"
        "<body><script>document.write('<p>正文</p>')</script>"
        "<noscript>请启用JavaScript</noscript></body></html>",
        page("<nav><a href='/'>首页</a><a href='/news'>新闻</a></nav><footer>版权所有</footer>"),
        page("<div class='menu'><a href='/a'>政策解读</a> <a href='/b'>政务公开</a></div>"),
    ],
)
def test_pages_without_article_text_give_no_paragraphs(html: str) -> None:
    assert extract_html(html).paragraphs == []


# ------------------------------------------------------------ dates


@pytest.mark.parametrize(
    "line",
    [
        "发布时间：2024-06-08 10:30",
        "2024年6月8日 来源：人民网",
        "2024/6/8",
        "日期：2024.06.08",
        "2024 年 06 月 08 日",
    ],
)
def test_date_formats_near_title(line: str) -> None:
    html = page(f"<h1>关于做好夏粮收购工作的通知</h1><div class='info'>{line}</div>"
                "<div class='text'><p>各地要切实做好夏粮收购工作，保护种粮农民利益。</p></div>")
    assert extract_html(html).date == "2024-06-08"


def test_impossible_date_ignored() -> None:
    html = page("<h1>通知</h1><div>2024-13-45</div><p>正文内容正文内容正文内容。</p>")
    assert extract_html(html).date is None


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ('<meta name="publishdate" content="2024-06-08">', "2024-06-08"),
        ('<meta name="pubdate" content="20240608">', "2024-06-08"),
        ('<meta name="date" content="2024/6/8 10:00:00">', "2024-06-08"),
        ('<meta property="article:published_time" content="2024-06-08T02:00:00Z">', "2024-06-08"),
    ],
)
def test_date_from_meta(meta: str, expected: str) -> None:
    html = page("<p>正文内容：2023年1月2日以来的情况。</p>", head=meta)
    assert extract_html(html).date == expected


def test_date_from_time_element() -> None:
    html = page("<article><time datetime='2024-06-08T09:00'>昨天</time><p>正文内容正文内容。</p></article>")
    assert extract_html(html).date == "2024-06-08"


# ------------------------------------------------------------ title, source, url


def test_title_suffix_stripped_without_h1() -> None:
    html = page("<p>正文正文正文。</p>", head="<title>国务院常务会议研究部署防汛工作 - 中国网</title>")
    assert extract_html(html).title == "国务院常务会议研究部署防汛工作"


def test_logo_h1_does_not_replace_page_title() -> None:
    html = page("<h1 class='logo'>人民网</h1><p>正文正文正文。</p>",
                head="<title>全国统一大市场建设迈出新步伐--人民网</title>")
    assert extract_html(html).title == "全国统一大市场建设迈出新步伐"


def test_title_from_h1_when_no_head() -> None:
    assert extract_html("<h1>  关于  印发方案的通知 </h1><p>正文。</p>").title == "关于 印发方案的通知"


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("来源：《人民日报》（2024年06月08日 01 版）", "人民日报"),
        ("来源: 经济日报 作者：张三", "经济日报"),
        ("稿源：中国新闻网2024-06-08", "中国新闻网"),
    ],
)
def test_source_from_text(snippet: str, expected: str) -> None:
    html = page(f"<h1>标题</h1><div>{snippet}</div><p>正文正文正文正文。</p>")
    assert extract_html(html).source == expected


def test_source_meta_and_data_source_lines() -> None:
    html = page("<h1>标题</h1><p>数据来源：国家统计局</p><p>正文正文正文正文。</p>",
                head='<meta name="source" content="来源：光明日报">')
    assert extract_html(html).source == "光明日报"
    assert extract_html(page("<h1>标题</h1><p>数据来源：国家统计局</p>")).source is None


def test_site_name_is_last_resort_source() -> None:
    html = page("<p>正文正文。</p>", head='<meta property="og:site_name" content="央视网">')
    assert extract_html(html).source == "央视网"


@pytest.mark.parametrize(
    ("head", "url", "expected"),
    [
        ('<link rel="canonical" href="https://m.example.cn/a.html">', None, "https://m.example.cn/a.html"),
        ('<meta property="og:url" content="/n/1.html">', "https://www.example.cn/x?y=1", "https://www.example.cn/n/1.html"),
        ('<link rel="canonical" href="javascript:void(0)">', "https://www.example.cn/x", "https://www.example.cn/x"),
        ("", "https://www.example.cn/x", "https://www.example.cn/x"),
    ],
)
def test_url_resolution(head: str, url: str | None, expected: str) -> None:
    assert extract_html(page("<p>正文。</p>", head=head), url=url).url == expected


# ------------------------------------------------------------ content selection


def test_wechat_style_sections_are_all_kept() -> None:
    sections = "".join(
        f"<section style='margin:0'><section><p><span>第{n}部分：推动高质量发展需要久久为功，持续用力。</span></p></section></section>"
        for n in range(1, 6)
    )
    html = page(
        "<h1 class='rich_media_title'>解读｜新质生产力</h1>"
        "<div id='meta_content'>人民日报 2024-06-08 08:00</div>"
        f"<div class='rich_media_content' id='js_content' style='visibility: hidden;'>{sections}</div>"
    )
    article = extract_html(html)
    assert [p[:4] for p in article.paragraphs] == [f"第{n}部分" for n in range(1, 6)]
    assert article.date == "2024-06-08"


def test_main_container_beats_sidebar_text() -> None:
    body = (
        "<div class='left'>"
        + "".join(f"<p>正文第{n}段，介绍政策的主要内容和实施要求，内容较长。</p>" for n in range(6))
        + "</div>"
        "<div class='right'><p>本站简介：本站是一家综合新闻网站。</p></div>"
    )
    paragraphs = extract_html(page(f"<div class='wrap'>{body}</div>")).paragraphs
    assert len(paragraphs) == 6
    assert not any("本站简介" in p for p in paragraphs)


def test_boilerplate_classes_inside_content_dropped() -> None:
    html = page(
        "<div id='article'><p>正文第一段，介绍本次会议的主要精神和工作部署。</p>"
        "<div class='share-bar'>分享到：微信</div>"
        "<p>正文第二段<span class='ad'>广告</span>继续介绍。</p>"
        "<div id='breadcrumb'>首页 &gt; 新闻</div>"
        "<ul class='relatedList'><li>相关阅读一</li></ul>"
        "<div class='comment-box'>发表评论</div></div>"
    )
    assert extract_html(html).paragraphs == [
        "正文第一段，介绍本次会议的主要精神和工作部署。", "正文第二段", "继续介绍。",
    ]


def test_unmarked_link_lists_inside_content_dropped() -> None:
    html = page(
        "<div class='txt'><p>会议强调，要坚决守住不发生规模性返贫底线。</p>"
        "<ul><li><a href='/1'>乡村振兴局召开会议</a></li><li><a href='/2'>更多新闻</a></li></ul>"
        "<p>附件：<a href='/f.pdf'>实施方案</a></p></div>"
    )
    assert extract_html(html).paragraphs == ["会议强调，要坚决守住不发生规模性返贫底线。", "附件：实施方案"]


def test_layout_table_page() -> None:
    html = page(
        "<table><tr><td class='leftNav'><a href='/'>首页</a><br><a href='/x'>通知公告</a></td>"
        "<td class='b12c'>关于开展安全生产检查的通知<br>各乡镇、各有关单位：<br>"
        "为切实做好汛期安全生产工作，决定开展安全生产大检查。</td></tr></table>"
    )
    assert extract_html(html).paragraphs == [
        "关于开展安全生产检查的通知", "各乡镇、各有关单位：", "为切实做好汛期安全生产工作，决定开展安全生产大检查。",
    ]


def test_metadata_window_starts_at_headline_not_logo() -> None:
    html = page(
        "<div class='top'>今天是2024年11月25日</div><h1 class='logo'><a href='/'>人民网</a></h1>"
        "<div class='path'>首页 &gt; 经济</div>"
        "<div class='title'><h2>全国统一大市场建设迈出新步伐</h2></div><div>2024年06月08日08:15 来源：人民日报</div>"
        "<div class='rm_txt_con'><p>记者从国家发展改革委获悉，全国统一大市场建设取得积极进展。</p></div>",
        head="<title>全国统一大市场建设迈出新步伐--经济·科技--人民网</title>",
    )
    article = extract_html(html)
    assert article.title == "全国统一大市场建设迈出新步伐"
    assert article.date == "2024-06-08"
    assert article.source == "人民日报"
    assert article.paragraphs == ["记者从国家发展改革委获悉，全国统一大市场建设取得积极进展。"]


def test_misleading_wrapper_class_falls_back() -> None:
    paragraphs = "".join(f"<p>第{n}段：这是一段很长的政策正文内容，用于测试回退逻辑。</p>" for n in range(3))
    html = page(f"<div class='page nav-open'>{paragraphs}</div>")
    assert len(extract_html(html).paragraphs) == 3


def test_plain_text_without_tags() -> None:
    assert extract_html("只有一段文字，没有任何标签。").paragraphs == ["只有一段文字，没有任何标签。"]


def test_whitespace_and_entities_in_paragraph() -> None:
    html = page("<p>  A&amp;B\t&lt;条例&gt;&nbsp;&nbsp;&#x4E2D;&#22269;\u200b &quot;ok&quot;\n\n second line </p>")
    assert extract_html(html).paragraphs == ['A&B <条例> 中国 "ok" second line']


def test_unclosed_paragraphs_and_list_items() -> None:
    html = page("<div><p>第一段正文内容<p>第二段正文内容<ul><li>要点一<li>要点二</ul></div>")
    assert extract_html(html).paragraphs == ["第一段正文内容", "第二段正文内容", "要点一", "要点二"]


def test_word_marked_sections_and_broken_markup_do_not_crash() -> None:
    html = page("<p><![if !supportLists]>1.<![endif]>第一条</p><p><![weird[ junk ]]>第二条</p><p>第三条 <")
    paragraphs = extract_html(html).paragraphs
    assert paragraphs[0] == "1.第一条"
    assert any("第二条" in p for p in paragraphs)


def test_deeply_nested_markup_does_not_recurse_too_deep() -> None:
    html = "<div>" * 5000 + "深层嵌套的正文内容" + "</div>" * 5000
    assert extract_html(html).paragraphs == ["深层嵌套的正文内容"]


def test_title_heading_not_repeated_in_paragraphs() -> None:
    html = page("<div class='content'><h1>关于开展试点工作的通知</h1><p>各有关单位：现将试点工作通知如下。</p></div>",
                head="<title>关于开展试点工作的通知_某某网</title>")
    article = extract_html(html)
    assert article.title == "关于开展试点工作的通知"
    assert article.paragraphs == ["各有关单位：现将试点工作通知如下。"]


# ------------------------------------------------------------ charset sniffing


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'<html><head><meta charset="utf-8"></head>', "utf-8"),
        (b"<meta charset=UTF8>", "utf-8"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />', "gb18030"),
        (b"<META HTTP-EQUIV='content-type' CONTENT='text/html;charset=GBK'>", "gb18030"),
        (b'<meta charset="gb18030">', "gb18030"),
        (b'<meta charset="big5">', "big5hkscs"),
        (b'<meta charset="iso-8859-1">', "cp1252"),
        (b'<meta charset="utf-16">', "utf-8"),
        (b'<?xml version="1.0" encoding="GBK"?><html>', "gb18030"),
        (codecs.BOM_UTF8 + b'<meta charset="gbk">', "utf-8"),
        (codecs.BOM_UTF16_LE + "<p>".encode("utf-16-le"), "utf-16-le"),
        (b'<meta charset="no-such-codec">', None),
        (b"<html><head><title>x</title></head>", None),
        (b"", None),
        (b" " * 3000 + b'<meta charset="gbk">', None),
    ],
)
def test_sniff_html_charset(data: bytes, expected: str | None) -> None:
    assert sniff_html_charset(data) == expected


def test_sniffed_charset_decodes_gbk_page() -> None:
    html = '<html><head><meta charset="gbk"><title>政策解读</title></head><body><p>鼓励消费品以旧换新</p></body></html>'
    data = html.encode("gbk")
    charset = sniff_html_charset(data)
    assert charset is not None
    article = extract_html(data.decode(charset))
    assert article.title == "政策解读"
    assert article.paragraphs == ["鼓励消费品以旧换新"]

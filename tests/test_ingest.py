"""Cleaning, normalisation, metadata, headings and passages."""

from __future__ import annotations

import re

import pytest

from policybot.errors import EmptyArticleError, InputError
from policybot.ingest.article import ArticleMeta, build_article, parse_date
from policybot.textutil import normalize_line, split_sentences

from conftest import SEED


@pytest.fixture(scope="module")
def seed():
    return build_article(SEED.read_text(encoding="utf-8"))


def test_seed_metadata_found(seed) -> None:
    assert seed.title == "发力“新质”,无锡各板块这样干!"
    assert seed.source == "现代快报+"
    assert seed.date == "2024-06-08"
    assert seed.origin == "无锡日报"


@pytest.mark.parametrize("noise", ["index_new5.html", "tpl_font3", "zaker_core", "相关标签", "相关文章",
                                   "没有更多评论了", "登录后才可以发布评论哦", "我来说两句", "参与讨论",
                                   "打开小程序", "取消", "核心技术\n"])
def test_seed_boilerplate_removed(seed, noise: str) -> None:
    assert noise not in seed.text + "\n"


def test_seed_keeps_source_line(seed) -> None:
    assert "来源:无锡日报" in seed.text


def test_lone_numbers_and_comment_count_removed() -> None:
    article = build_article("标题在此\n正文第一段,讲的是政策。\n12\n正文第二段,讲的是落实。\n评论\n3 我来说两句")
    assert [p.text for p in article.passages] == ["正文第一段,讲的是政策。", "正文第二段,讲的是落实。"]


def test_normalisation_removes_scraper_spaces() -> None:
    assert normalize_line("江 阴") == "江阴"
    assert normalize_line("建成投用科创载体 80 万平方米") == "建成投用科创载体80万平方米"
    assert normalize_line('纵深推进 " 科创江阴 ",加快') == "纵深推进“科创江阴”,加快"
    assert normalize_line("use the Open Source model") == "use the Open Source model"
    assert normalize_line("ＡＢＣ１２３\u200b号") == "ABC123号"


def test_seed_headings_are_section_paths(seed) -> None:
    sections = {p.section[0] for p in seed.passages if p.section}
    assert sections == {"江阴", "宜兴", "梁溪", "锡山", "惠山", "滨湖", "新吴", "经开"}
    target = next(p for p in seed.passages if "合成生物、氢能和储能、低空经济" in p.text)
    assert target.section == ("宜兴", "打造发展新质生产力特色优势")
    assert "宜兴" not in target.text


def test_seed_opening_clauses_are_one_passage(seed) -> None:
    first = seed.passages[0]
    assert first.section == ()
    assert first.text.startswith("锐意进取、攻坚克难\n锚定目标、乘势而上")
    assert "八大板块“一把手”怎么说!" in first.text


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_passages_hold_all_cleaned_text(seed) -> None:
    headings = {h for p in seed.passages for h in p.section}
    body = [line for line in seed.text.split("\n") if line not in headings and not line.startswith("来源:")]
    assert _squash("".join(p.text for p in seed.passages)) == _squash("".join(body))


def test_long_paragraph_split_at_sentence_ends_only() -> None:
    sentence = "推动工业4.0改造,全年引进大学生1.6万人。他说:“要坚持创新。要坚持改革。要坚持开放。”"
    article = build_article("标题\n" + sentence * 20)
    assert len(article.passages) > 1
    for passage in article.passages:
        assert passage.text.endswith(("。", "”"))
        assert passage.text.count("“") == passage.text.count("”")
        assert passage.text.startswith(("推动工业4.0", "他说:“"))
    assert "".join(p.text for p in article.passages) == sentence * 20


def test_numbered_headings_nest() -> None:
    text = ("2025年政府工作报告\n一、2024年工作回顾\n过去一年,经济运行总体平稳,就业物价总体稳定,民生保障扎实有力。\n"
            "(一)产业发展\n制造业增加值增长百分之六,新兴产业集群加快壮大,创新能力持续提升。\n"
            "二、2025年主要任务\n稳就业,保民生,扩大内需,推动高质量发展取得新成效,人民群众获得感增强。")
    article = build_article(text)
    assert [p.section for p in article.passages] == [
        ("一、2024年工作回顾",), ("一、2024年工作回顾", "(一)产业发展"), ("二、2025年主要任务",)]


def test_markdown_title_and_headings() -> None:
    article = build_article("# 关于低空经济的通知\n\n## 总体要求\n\n加快发展低空经济,培育新质生产力,形成一批示范应用场景。",
                            ArticleMeta(markdown=True))
    assert article.title == "关于低空经济的通知"
    assert article.passages[0].section == ("总体要求",)


def test_given_title_is_not_repeated_in_body() -> None:
    article = build_article("会议召开\n会议强调要推进改革开放,扩大高水平对外开放。", ArticleMeta(title="会议召开"))
    assert article.passages[0].text == "会议强调要推进改革开放,扩大高水平对外开放。"


def test_empty_after_cleaning_is_an_error() -> None:
    with pytest.raises(EmptyArticleError):
        build_article("相关标签\n评论\n取消\n12\n")


@pytest.mark.parametrize("raw,expected", [("2024-06-08", "2024-06-08"), ("2024年6月8日", "2024-06-08"),
                                          ("2024/6/8 10:00", "2024-06-08"), ("20240608", "2024-06-08")])
def test_dates_parse(raw: str, expected: str) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2024-13-01", "yesterday", "2024-02-30"])
def test_bad_dates_rejected(raw: str) -> None:
    with pytest.raises(InputError, match="bad date"):
        parse_date(raw)


def test_sentences_not_split_inside_quotes_or_numbers() -> None:
    parts = split_sentences("他说:“今天很好。明天也好。”然后走了。工业4.0很好!1.6万人?结尾")
    assert parts == ["他说:“今天很好。明天也好。”然后走了。", "工业4.0很好!", "1.6万人?", "结尾"]


def test_publisher_line_without_plus_and_gov_metadata_line() -> None:
    article = build_article("江阴日报 2024-06-20\n江阴出台人才安居新政\n江阴将为引进的博士提供人才公寓,每月发放三千元租房补贴。")
    assert (article.source, article.date, article.title) == ("江阴日报", "2024-06-20", "江阴出台人才安居新政")
    article = build_article("关于推进低空经济的通知\n发布时间:2024-06-21 09:30 来源:无锡市发展改革委\n各区要加快低空经济发展。")
    assert (article.date, article.origin, article.title) == ("2024-06-21", "无锡市发展改革委", "关于推进低空经济的通知")


def test_source_and_byline_lines_are_not_headings() -> None:
    article = build_article("标题\n来源:江阴日报\n记者:张三\n江阴将为引进的博士提供人才公寓,每月发放三千元租房补贴,政策从七月起实施。")
    assert all(p.section == () for p in article.passages)
    assert article.origin == "江阴日报"


def test_ascii_quotes_around_non_chinese_kept() -> None:
    assert normalize_line('代码 <a href="x">链接</a> 中') == '代码<a href="x">链接</a>中'


def test_source_line_is_kept_in_the_text_but_is_no_passage(seed) -> None:
    assert all(not p.text.startswith("来源") for p in seed.passages)
    article = build_article("江阴出台人才安居新政\n来源:江阴日报\n江阴将为引进的博士提供人才公寓。\n来源:江阴发布")
    assert [p.text for p in article.passages] == ["江阴将为引进的博士提供人才公寓。"]
    assert "来源:江阴发布" in article.text and article.origin == "江阴日报"
    with pytest.raises(EmptyArticleError):
        build_article("江阴出台人才安居新政\n来源:江阴日报")

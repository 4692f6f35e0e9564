"""Ingestion of awkward text: invisible controls, no punctuation, regulations, titles that are bodies."""

from __future__ import annotations

from policybot.ingest.article import TITLE_MAX, ArticleMeta, build_article
from policybot.ingest.passages import CHUNK_TARGET, MAX_PASSAGE

BODY = "宜兴将重点发展合成生物、氢能和储能、低空经济等新赛道，打造发展新质生产力特色优势。"


def test_bidi_isolates_are_stripped_like_embeddings() -> None:
    article = build_article(f"宜兴新赛道\n宜兴将重点发展\u2066合成生物\u2069、\u2067氢能\u2069和\u2068储能\u2069等新赛道。\n"
                            "第二段\u202a内容\u202c。")
    assert not any(mark in article.text for mark in "\u2066\u2067\u2068\u2069\u202a\u202c")
    assert article.passages[0].text == "宜兴将重点发展合成生物、氢能和储能等新赛道。"


def test_text_without_punctuation_is_cut_at_a_bounded_length() -> None:
    run = "".join(BODY.replace("，", "").replace("、", "").replace("。", "") for _ in range(3000))
    article = build_article("无标点长文\n" + run)
    assert max(len(p.text) for p in article.passages) <= MAX_PASSAGE
    assert "".join(p.text for p in article.passages) == run  # nothing lost at the cuts


def test_a_cut_prefers_a_comma_to_the_middle_of_a_word() -> None:
    clause = "各区各部门要加强组织领导明确责任分工细化工作举措，"  # commas, but no sentence end
    article = build_article("长句\n" + clause * 60)
    assert all(p.text.endswith("，") for p in article.passages[:-1])
    assert max(len(p.text) for p in article.passages) <= MAX_PASSAGE


def test_a_long_list_of_short_lines_makes_several_passages() -> None:
    rows = [f"项目{i}投资{i}万元" for i in range(400)]  # short, unterminated: clauses of one run
    article = build_article("项目清单\n" + "\n".join(rows))
    assert max(len(p.text) for p in article.passages) <= CHUNK_TARGET
    assert "\n".join(p.text for p in article.passages) == "\n".join(rows)


def test_regulation_articles_become_sections() -> None:
    article = build_article("某市消费品以旧换新补贴办法\n第一章　总则\n"
                            "第一条　为了规范补贴资金管理，制定本办法。\n"
                            "第二条 本办法适用于本市行政区域内的以旧换新活动。\n"
                            "第二章　补贴标准\n第三条 购买新能源乘用车的，给予每辆车2万元补贴。\n"
                            "第四条规定的补贴标准，由市财政局另行公布。")
    sections = {p.text: p.section for p in article.passages}
    assert sections["为了规范补贴资金管理，制定本办法。"] == ("第一章总则", "第一条")
    assert sections["本办法适用于本市行政区域内的以旧换新活动。"] == ("第一章总则", "第二条")
    assert sections["购买新能源乘用车的，给予每辆车2万元补贴。"] == ("第二章补贴标准", "第三条")
    assert sections["第四条规定的补贴标准，由市财政局另行公布。"] == ("第二章补贴标准", "第三条")  # a reference


def test_a_title_that_is_the_whole_body_keeps_the_body() -> None:
    body = BODY * 4
    article = build_article(body, ArticleMeta(title=body))
    assert article.text == body
    assert len(article.title) <= TITLE_MAX and body.startswith(article.title.rstrip("…"))


def test_the_same_text_under_another_title_is_the_same_article() -> None:
    pasted = "宜兴发展新赛道\n" + BODY
    plain = build_article(pasted)
    titled = build_article(pasted, ArticleMeta(title="另一个标题", source="另一家报纸"))
    assert titled.title == "另一个标题" and plain.title == "宜兴发展新赛道"
    assert titled.content_hash == plain.content_hash


def test_a_first_paragraph_is_not_mistaken_for_a_title() -> None:
    """A short first sentence under a given title still tells two articles apart."""
    one = build_article("惠山将优化中欧班列线路。\n" + BODY, ArticleMeta(title="甲"))
    two = build_article("惠山将优化海铁联运线路。\n" + BODY, ArticleMeta(title="甲"))
    assert one.content_hash != two.content_hash

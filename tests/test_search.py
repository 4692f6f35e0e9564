"""Retrieval regression tests on the seed article (like Pyserini's): the passage that answers
comes first, off-topic questions get nothing, the snippet is the answering sentence,
duplicates are folded, and a tiny first corpus ranks sensibly."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import pytest

from policybot.corpus import Corpus
from policybot.errors import InputError
from policybot.index import term_ids_for
from policybot.ingest.article import ArticleMeta, build_article
from policybot.search import RankingParams, Searcher
from policybot.search.params import provenance, with_overrides
from policybot.search.query import parse_query
from policybot.search.signals import longest_common, named_share
from policybot.search.snippets import answer_kind


ROOT = Path(__file__).resolve().parents[1]
OFFTOPIC = ROOT / "tests" / "data" / "offtopic_questions.txt"

# (question, text the first passage must contain)
TOP_PASSAGE = [
    ("宜兴发展哪些新赛道?", "合成生物、氢能和储能、低空经济"),
    ("江阴今年新增高层次人才的目标是多少?", "新增高层次人才1300人"),
    ("梁溪布局了多少个科创飞地?", "布局9个科创飞地"),
    ("锡山要编制什么三年行动计划?", "低空经济发展三年行动计划"),
    ("滨湖要发展壮大哪五大经济?", "总部、绿色、平台、数字、院所"),
    ("惠山要优化哪些物流线路", "中欧班列、海铁联运线路"),
    ("市委全会提出要牢牢把握什么首要任务?", "牢牢把握高质量发展这个首要任务"),
    ("江阴 国省考断面 优Ⅲ比例", "优Ⅲ比例保持100%"),  # keywords, spaces, a Roman numeral
]
# The passage never names the district: only its section heading (新吴) does.
NEEDS_SECTION = [
    ("新吴创新设立了哪些中心?", "新质生产力研究中心、场景应用促进中心、未来产业概念验证中心"),
    ("新吴每年实施多少个焕新升级项目?", "重点焕新升级项目100个以上"),
]


def _compact(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("question, expected", TOP_PASSAGE + NEEDS_SECTION)
def test_answering_passage_comes_first(seed_corpus, question: str, expected: str) -> None:
    results = seed_corpus.ask(question).results
    assert results, question
    assert expected in _compact(results[0].passage.text)


@pytest.mark.parametrize("question, expected", NEEDS_SECTION)
def test_section_heading_is_what_matches(seed_corpus, question: str, expected: str) -> None:
    top = seed_corpus.ask(question).results[0]
    assert "新吴" not in top.passage.text and "新吴" in "".join(top.passage.section)


def test_snippet_is_the_answering_sentence(seed_corpus) -> None:
    top = seed_corpus.ask("新吴每年实施多少个焕新升级项目?").results[0]
    snippet = _compact(top.snippet)
    assert "重点焕新升级项目100个以上" in snippet
    assert "智改数转网联" not in snippet  # the passage's next sentence is not shown first
    assert len(snippet) < len(_compact(top.passage.text))
    assert "焕新" in "".join(top.matched)


@pytest.mark.parametrize("question", [
    "北京冬奥会中国队获得了多少枚金牌?", "红烧肉怎么做才好吃", "你好", "how to cook rice", "明天无锡会下雨吗",
])
def test_off_topic_questions_get_no_passage(seed_corpus, question: str) -> None:
    assert seed_corpus.ask(question).results == []


def test_off_topic_rejection_rate(seed_corpus) -> None:
    questions = [line.strip() for line in OFFTOPIC.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#")]
    assert len(questions) >= 20
    answered = [q for q in questions if seed_corpus.ask(q).results]
    assert len(answered) <= 0.1 * len(questions), answered


def test_question_words_never_count(seed_corpus) -> None:
    query = parse_query(seed_corpus.segmenter, "重庆市哪些项目已于2月下旬复工？")
    assert "哪些项目" not in query.words and "项目" in query.words
    query = parse_query(seed_corpus.segmenter, "新吴每年实施多少个焕新升级项目?")
    assert not any(w.startswith(("多少", "个")) for w in query.words)
    assert parse_query(seed_corpus.segmenter, "是什么?").terms == []


def test_places_weigh_more_than_generic_words(seed_corpus) -> None:
    searcher = Searcher(seed_corpus.segmenter)
    analysis, _ = searcher.analyse(seed_corpus.store, seed_corpus.snapshot(), "宜兴推进工作")
    weights = {u.word: u.weight for u in analysis.units}
    assert weights["宜兴"] > 2 * weights["推进"]


REPORT = ("全市将加快建设低空经济产业园,年内引进无人机整机和核心部件企业20家,"
          "建成低空飞行服务中心,开通3条低空物流航线。")


def test_republished_passage_is_folded_with_a_count(seed_corpus) -> None:
    articles = [
        build_article(f"{title}\n{REPORT}\n{tail}", ArticleMeta(title=title, source=source))
        for title, source, tail in [
            ("低空经济产业园加快建设", "甲报", "记者 张三"),
            ("我市发力低空经济", "乙网", "编辑 李四 报道"),
            ("低空经济:产业园年内引进20家企业", "丙客户端", "来源:丙客户端"),
        ]
    ]
    # a near-duplicate: the same release with one word changed
    articles.append(build_article("低空物流航线将开通\n" + REPORT.replace("开通3条", "开辟3条"),
                                  ArticleMeta(title="低空物流航线将开通", source="丁报")))
    seed_corpus.add_articles(articles)
    results = seed_corpus.ask("低空经济产业园年内引进多少家无人机企业?").results
    assert "引进无人机整机和核心部件企业20家" in _compact(results[0].passage.text)
    assert results[0].duplicates == 3 and len(results[0].folded) == 3
    assert all(REPORT[:20] not in r.passage.text for r in results[1:])
    assert results[0].as_dict()["duplicates"] == 3


def test_first_article_of_a_new_user_ranks_sensibly(empty_corpus) -> None:
    # Two passages: every term in both has a negative BM25Okapi idf (with a negative mean
    # idf, the epsilon floor is negative too), so plain BM25 puts the passage that matches
    # more of the question last.
    text = ("无锡低空经济发展大会将于9月在无锡召开,会上将发布低空经济发展规划。\n"
            "无锡将出台政策,支持低空经济企业发展,推动低空经济和人工智能融合。")
    empty_corpus.add_articles([build_article(text, ArticleMeta(title="无锡发展低空经济"))])
    question = "低空经济发展大会在哪里召开?"
    snapshot = empty_corpus.snapshot()
    terms = parse_query(empty_corpus.segmenter, question).terms
    ids = term_ids_for(empty_corpus.store.conn, terms)
    bm25 = snapshot.top([ids.get(t, -1) for t in terms], 5)
    rows = empty_corpus.store.passages([rowid for rowid, _ in bm25])
    assert snapshot.average_idf < 0 and "大会" not in rows[bm25[0][0]].text  # the known inversion
    top = empty_corpus.ask(question).results[0]
    assert "发展大会将于9月在无锡召开" in top.passage.text


def test_longest_common() -> None:
    assert longest_common("科创飞地布局", "梁溪布局9个科创飞地") == 4
    assert longest_common("", "abc") == 0 and longest_common("xyz", "abc") == 0


def test_named_share() -> None:
    def share(core: str, title: str, headings: tuple[str, ...], headings_max: int | None = 12) -> float:
        return named_share(core, title, headings, min_chars=2, heading_max_chars=headings_max)

    assert share("黄蝉的别称", "黄蝉", ()) == 1.0
    assert share("黄蝉的别称", "软枝黄蝉", ()) == 0.5
    assert share("宜兴发展新赛道", "发力新质", ("宜兴", "打造发展新质生产力特色优势")) == 1.0
    assert share("宜兴发展新赛道", "发力新质", ("宜兴",), headings_max=None) == 0.0  # titles only
    assert share("宜兴发展新赛道", "发力新质", ("宜兴",), headings_max=1) == 0.0  # the heading is too long
    assert share("别称", "黄", ()) == 0.0  # a one-character title names nothing


PLANTS = [
    ("软枝黄蝉", "软枝黄蝉,别称黄莺、小黄蝉、重瓣黄蝉,为夹竹桃科黄蝉属植物,黄蝉属中花最大的一种。"),
    ("黄蝉", "本种别称为硬枝黄蝉、夹竹桃叶黄蝉,原产巴西,现广植于热带地区。"),
    ("牡蒿", "牡蒿为菊科蒿属的植物,多年生草本,茎直立,叶子互生。"),
    ("夜来香", "夜来香是萝藦科夜来香属的植物,多年生草本,原产华南。"),
    ("雷公藤", "雷公藤是卫矛科雷公藤属的植物,根可入药,分布于长江以南。"),
]


def with_params(corpus: Corpus, **changes: object) -> Corpus:
    """The same home asked with other ranking parameters."""
    return Corpus(corpus.settings, corpus.segmenter, replace(RankingParams(), **changes))


def test_the_article_a_question_names_comes_first(empty_corpus) -> None:
    empty_corpus.add_articles([build_article(text, ArticleMeta(title=title)) for title, text in PLANTS])
    question = "黄蝉的别称是什么?"
    assert empty_corpus.ask(question).results[0].passage.title == "黄蝉"
    # Without the signal the article that repeats 黄蝉 most wins: the test measures the signal.
    assert with_params(empty_corpus, title_match_weight=0.0).ask(question).results[0].passage.title == "软枝黄蝉"


def test_traditional_question_finds_simplified_text(seed_corpus) -> None:
    answer = seed_corpus.ask("宜興發展哪些新賽道?")
    assert answer.question == "宜興發展哪些新賽道?"  # the reader's own wording is kept
    assert "合成生物、氢能和储能、低空经济" in _compact(answer.results[0].passage.text)


def test_traditional_article_is_found_either_way(empty_corpus) -> None:
    text = ("臺北市推動綠能產業,今年將新增太陽光電裝置容量五十萬瓩。\n"
            "高雄市擴大離岸風電供應鏈,吸引國際廠商設廠。\n"
            "新竹縣發展半導體先進製程,新建研發中心三座。")
    empty_corpus.add_articles([build_article(text, ArticleMeta(title="各縣市能源與產業政策"))])
    # Converted to simplified, this question would share no word with the article.
    top = empty_corpus.ask("擴大離岸風電供應鏈的是哪個城市?").results[0]
    assert "離岸風電" in top.passage.text


def test_snippet_shows_the_figure_asked_for(empty_corpus) -> None:
    text = ("江阴人才公寓建设工作方案已经正式印发,今年人才公寓建设将严格按照时间节点推进,"
            "确保每套房源按时建成并交付使用,让来澄工作的青年人才住得安心、住得舒心。"
            "今年人才公寓计划建成2000套,其中1200套面向青年人才。")
    empty_corpus.add_articles([build_article(text, ArticleMeta(title="江阴人才安居"))] +
                              [build_article(t, ArticleMeta(title=t[:6])) for _, t in PLANTS])
    question = "人才公寓今年建成多少套?"
    assert "2000套" in empty_corpus.ask(question).results[0].snippet
    # Both sentences hold every question word: without the answer-kind cue the first one wins.
    assert "2000套" not in with_params(empty_corpus, answer_kind_bonus=0.0).ask(question).results[0].snippet


def test_answer_kind() -> None:
    assert answer_kind("申报期限延长到什么时候?").search("延长至2月24日")
    assert answer_kind("新增多少个项目?").search("新增3个")
    assert answer_kind("宜兴发展哪些新赛道?") is None


def test_the_article_naming_the_place_asked_about_is_cited(empty_corpus) -> None:
    rule = "对运输疫情防控重点物资取得的收入，免征增值税。"
    # Two cities publish the same measures; each names its city only in the opening paragraph.
    empty_corpus.add_articles([
        build_article(f"{city}人民政府近日印发通知，出台支持企业复工复产的若干措施。\n\n一、{rule}\n\n"
                      "二、对受疫情影响较大的困难行业企业，延长亏损结转年限。",
                      ArticleMeta(title="支持企业复工复产的若干措施"))
        for city in ("大连市", "铁岭市")])
    question = "铁岭市对运输重点物资的收入有什么税收优惠?"

    def cited_city(corpus: Corpus) -> str:
        top = corpus.ask(question).results[0]
        assert rule in top.passage.text and top.duplicates == 1  # the other city's copy is folded in
        return (corpus.store.article_text(top.passage.article_id) or "")[:3]

    assert cited_city(empty_corpus) == "铁岭市"
    # The two passages are identical: without the article signal the first one added is cited.
    assert cited_city(with_params(empty_corpus, article_weight=0.0)) == "大连市"


def test_every_ranking_parameter_says_where_its_value_came_from() -> None:
    for f in fields(RankingParams):
        source = provenance(f.name)
        assert len(source) > 10 and source != f.name, f.name


def test_overrides_are_typed() -> None:
    params = with_overrides(RankingParams(), ["coverage_weight=0", "candidates=50", "title_match_headings=off",
                                              " article_weight = 0.25 "])
    assert params == replace(RankingParams(), coverage_weight=0.0, candidates=50, title_match_headings=False,
                             article_weight=0.25)
    assert isinstance(params.coverage_weight, float) and isinstance(params.candidates, int)
    assert with_overrides(params, []) == params
    for bad in ["W_COVER=0", "coverage_weight", "candidates=ten", "min_coverage=nan", "strip_question_words=2"]:
        with pytest.raises(InputError):
            with_overrides(RankingParams(), [bad])

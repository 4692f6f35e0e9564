"""Questions as news readers ask them (issue 11), on a small news file of our own
(tests/data/news_tiny.jsonl): the top passage for known questions, like Pyserini's
regression tests, each beside the same question with the signal that fixes it turned off."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from conftest import make_corpus
from policybot.corpus import Corpus
from policybot.errors import InputError
from policybot.search.limits import WrittenLimits, read_limits
from policybot.search.params import RankingParams

NEWS = Path(__file__).parent / "data" / "news_tiny.jsonl"


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    home = tmp_path_factory.mktemp("news")
    (home / "corpus").mkdir()
    corpus = make_corpus(home)
    corpus.add([str(NEWS)])
    return corpus


def top(corpus: Corpus, question: str, **kwargs: object) -> tuple[str, str]:
    """(article id, text) of the first passage, or ("", "") for no answer."""
    results = corpus.ask(question, 3, **kwargs).results
    return (results[0].passage.article_id, results[0].passage.text) if results else ("", "")


def without(corpus: Corpus, **changes: object) -> Corpus:
    return Corpus(corpus.settings, corpus.segmenter, replace(RankingParams(), **changes))


def test_the_asked_month_beats_the_same_report_of_another_month(news: Corpus) -> None:
    question = "2023年6月甲省物价涨了多少？"
    article, text = top(news, question)
    assert article == "cpi-2023-07-10" and "同比上涨0.1%" in text
    assert top(without(news, time_words=False), question)[0] != "cpi-2023-07-10"


def test_the_asked_year_beats_the_same_cumulative_report_of_another_year(news: Corpus) -> None:
    assert "3285.6亿元" in top(news, "2022年前7个月乙市外贸进出口总值是多少？")[1]
    assert "3720.9亿元" in top(news, "2024年前7个月乙市外贸进出口总值是多少？")[1]


def test_relative_time_is_read_against_today(news: Corpus) -> None:
    assert top(news, "上个月甲省居民消费价格涨了多少？", today=date(2023, 7, 20))[0] == "cpi-2023-07-10"
    assert top(news, "上个月甲省居民消费价格涨了多少？", today=date(2024, 6, 20))[0] == "cpi-2024-06-11"
    assert top(news, "去年前7个月乙市对东盟进出口多少？", today=date(2023, 3, 1))[0] == "trade-2022"


def test_latest_is_the_newest_report_by_today(news: Corpus) -> None:
    assert top(news, "甲省最新的居民消费价格涨了多少？", today=date(2024, 8, 1))[0] == "cpi-2024-07-10"
    # Asked in 2023, the 2024 reports did not exist yet.
    assert top(news, "甲省最新的居民消费价格涨了多少？", today=date(2023, 8, 1))[0] == "cpi-2023-07-10"


def test_the_answering_paragraph_beats_the_opening_one(news: Corpus) -> None:
    article, text = top(news, "丙市地铁三号线有多长？")
    assert article == "metro-3" and "全长28.5公里" in text
    assert "全长28.5公里" not in top(without(news, answer_type_weight=0.0), "丙市地铁三号线有多长？")[1]
    assert "东盟进出口612.4亿元" in top(news, "2022年前7个月乙市对东盟进出口多少？")[1]


def test_everyday_words_find_the_written_ones(news: Corpus) -> None:
    question = "个体户转成企业要先注销吗？"
    assert "个体工商户直接变更为企业" in top(news, question)[1]

    def coverage_of_best(corpus: Corpus) -> float:
        return corpus.searcher.candidates(corpus.store, corpus.snapshot(), question)[1][0].cover

    # The news never say 个体户 or 转成: without the table those words count against the answer.
    assert coverage_of_best(news) == 1.0 > 0.7 > coverage_of_best(without(news, aliases=False))


def test_filler_never_decides(news: Corpus) -> None:
    assert "全长186公里" in top(news, "这些年己庚高铁一共修了多长？")[1]


@pytest.mark.parametrize("question", ["红烧肉怎么做才能肥而不腻？", "婆媳关系不好怎么处理？", "Python里怎么给列表去重？"])
def test_off_topic_questions_get_no_passage(news: Corpus, question: str) -> None:
    assert top(news, question) == ("", "")


def test_filters_limit_the_articles(news: Corpus) -> None:
    question = "甲省居民消费价格同比上涨多少？"
    assert {r.passage.date[:4] for r in news.ask(question, 5, since="2024").results} == {"2024"}
    assert {r.passage.date[:4] for r in news.ask(question, 5, until="2023-12").results} == {"2023"}
    assert news.ask(question, 5, source="乙台").results == []  # only 甲省日报 reports prices
    assert news.ask("乙市外贸进出口", 5, source="乙台新闻", since="2024-08-07", until="2024-08-07").results[0] \
        .passage.article_id == "trade-2024"


def test_limits_written_into_the_question_are_the_flags(news: Corpus) -> None:
    """Chats have no flags: 来源:/从:/到: in the text limit the same way, and a flag wins over them."""
    question = "甲省居民消费价格同比上涨多少？"
    for written, flags in ((f"{question} 从:2024", {"since": "2024"}), (f"到：2023-12 {question}", {"until": "2023-12"}),
                           (f"{question} 来源:乙台", {"source": "乙台"})):
        by_text, by_flags = news.ask(written, 5), news.ask(question, 5, **flags)
        assert [r.passage.id for r in by_text.results] == [r.passage.id for r in by_flags.results], written
        assert by_text.question == written
    assert news.ask(f"{question} 来源:乙台", 5, source="甲省").results  # the flag wins
    with pytest.raises(InputError, match="从:2024-13 is not a date"):
        news.ask(f"{question} 从:2024-13")


def test_reading_written_limits() -> None:
    assert read_limits("外贸进出口增长多少 来源:新闻联播 从:2024-01 到：2024-06") == \
        WrittenLimits("外贸进出口增长多少", "2024-01", "2024-06", "新闻联播")
    assert read_limits("source: 新华社 since:2024 CPI") == WrittenLimits("CPI", "2024", None, "新华社")
    for untouched in ("记者从:现场发回报道", "宜兴发展哪些新赛道?", "到2024年底建成多少"):
        assert read_limits(untouched) == WrittenLimits(untouched)


@pytest.mark.parametrize("since, until, hint", [("2024-13", None, "YYYY-MM-DD"), ("yesterday", None, "--since"),
                                                ("2024-06-01", "2024-01-01", "swap")])
def test_bad_filters_are_one_line_errors(news: Corpus, since: str, until: str | None, hint: str) -> None:
    with pytest.raises(InputError) as error:
        news.ask("乙市外贸", since=since, until=until)
    assert hint in str(error.value) or hint in error.value.hint


def test_the_kind_of_answer_a_question_wants() -> None:
    from policybot.search.signals import wanted_answer

    assert wanted_answer("长春一年能造多少辆整车？").search("整车年产量超过150万辆")
    assert not wanted_answer("长春一年能造多少辆整车？").search("汽车零部件本地配套率突破60%")
    assert wanted_answer("黄百铁路预计哪年能通车？").search("预计2028年建成通车")
    assert wanted_answer("CPI涨了多少？").search("同比上涨0.8%")
    assert wanted_answer("西气东输四线首段有多长？").search("全长583公里")
    assert wanted_answer("宜兴发展哪些新赛道?") is None

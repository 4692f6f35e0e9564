"""Reading dates and periods in questions and passages (search/timeq.py)."""

from __future__ import annotations

from datetime import date

import pytest

from policybot.search.timeq import Period, TimeAsk, match, read_question, read_text

TODAY = date(2025, 10, 20)


def asked(question: str, today: date = TODAY) -> list[tuple[str, str, str]]:
    return [(str(p.start), str(p.end), p.grain) for p in read_question(question, today).periods]


@pytest.mark.parametrize("question, periods", [
    ("2025年9月核心CPI涨了多少?", [("2025-09-01", "2025-09-30", "month")]),
    ("2022年前7个月我国出口了多少?", [("2022-01-01", "2022-07-31", "months")]),
    ("2023年1到10月福建锂电池出口了多少钱？", [("2023-01-01", "2023-10-31", "months")]),
    ("2023年1—4月实际使用外资", [("2023-01-01", "2023-04-30", "months")]),
    ("2024年上半年西部陆海新通道开了多少趟班列", [("2024-01-01", "2024-06-30", "half")]),
    ("2022年下半年", [("2022-07-01", "2022-12-31", "half")]),
    ("2023年前三季度GDP增长多少", [("2023-01-01", "2023-09-30", "months")]),
    ("2024年第二季度", [("2024-04-01", "2024-06-30", "quarter")]),
    ("2024年三季度", [("2024-07-01", "2024-09-30", "quarter")]),
    ("截至2022年4月22日全球新冠确诊有多少例？", [("2022-04-22", "2022-04-22", "day")]),
    ("到2023年底咱们有多少种商品出口量全球第一？", [("2023-12-01", "2023-12-31", "month")]),
    ("2024年10月末M2余额是多少？", [("2024-10-01", "2024-10-31", "month")]),
    ("二〇二四年粮食产量", [("2024-01-01", "2024-12-31", "year")]),
    ("美国2014年往乌克兰砸了多少钱", [("2014-01-01", "2014-12-31", "year")]),
    ("2022年6月23日美国宣布了什么", [("2022-06-23", "2022-06-23", "day")]),
])
def test_absolute_periods(question: str, periods: list) -> None:
    ask = read_question(question, TODAY)
    assert asked(question) == periods
    assert not ask.relative


@pytest.mark.parametrize("question, periods", [
    ("今年GDP目标定的多少", [("2025-01-01", "2025-12-31", "year")]),
    ("去年第四季度英国经济降了多少", [("2024-10-01", "2024-12-31", "quarter")]),
    ("前年粮食产量", [("2023-01-01", "2023-12-31", "year")]),
    ("上个月CPI涨了多少", [("2025-09-01", "2025-09-30", "month")]),
    ("本月新增就业", [("2025-10-01", "2025-10-31", "month")]),
    ("今年前三季度GDP", [("2025-01-01", "2025-09-30", "months")]),
    ("今年上半年外贸", [("2025-01-01", "2025-06-30", "half")]),
    ("昨天的发布会", [("2025-10-19", "2025-10-19", "day")]),
    ("9月份核心CPI", [("2025-09-01", "2025-09-30", "month")]),  # the last September by today
    ("11月份核心CPI", [("2024-11-01", "2024-11-30", "month")]),  # not the coming one
    ("1至8月汽车产销量", [("2025-01-01", "2025-08-31", "months")]),
    ("今年五一海南离岛免税卖了多少钱？", [("2025-05-01", "2025-05-05", "holiday")]),
])
def test_periods_read_against_today(question: str, periods: list) -> None:
    ask = read_question(question, TODAY)
    assert asked(question) == periods
    assert ask.relative


def test_january_reads_last_month_as_last_december() -> None:
    assert asked("上个月CPI", date(2026, 1, 15)) == [("2025-12-01", "2025-12-31", "month")]
    assert asked("去年全年CPI涨了多少", date(2024, 1, 20)) == [("2023-01-01", "2023-12-31", "year")]


@pytest.mark.parametrize("question", ["最新的CPI数据涨了多少？", "最近葡萄牙风暴死了多少人", "现在的房贷利率",
                                      "目前有多少人参保", "近期出台了哪些政策"])
def test_latest(question: str) -> None:
    ask = read_question(question, TODAY)
    assert ask.latest and ask.relative and ask.asks


def test_latest_with_a_period_keeps_both() -> None:
    ask = read_question("最近有机构又下调了英国今年经济增速预期", date(2025, 5, 6))
    assert ask.latest
    assert [(p.start, p.end) for p in ask.periods] == [(date(2025, 1, 1), date(2025, 12, 31))]


@pytest.mark.parametrize("question", [
    "长春一年能造多少辆整车？", "神舟十七号乘组在太空过年", "第24号台风", "这些年我国粮食产量",
    "黄百铁路预计哪年能通车？", "近东救济工程处有多少员工", "3000多件文物", "十四五规划",
])
def test_no_period(question: str) -> None:
    ask = read_question(question, TODAY)
    assert not ask.periods and not ask.latest


def test_time_words_are_cut_out_of_the_question() -> None:
    ask = read_question("2022年前7个月我国出口了多少?", TODAY)
    assert ask.strip("2022年前7个月我国出口了多少?") == "，我国出口了多少?"
    ask = read_question("截至2022年4月22日全球新冠确诊有多少例？", TODAY)
    assert "2022" not in ask.strip("截至2022年4月22日全球新冠确诊有多少例？")
    assert "截至" not in ask.strip("截至2022年4月22日全球新冠确诊有多少例？")
    ask = read_question("最新的CPI", TODAY)
    assert ask.strip("最新的CPI") == "，的CPI"


def test_holidays_stay_terms() -> None:
    question = "今年国庆铁路预计发送多少旅客？"
    ask = read_question(question, date(2024, 9, 30))
    assert asked(question, date(2024, 9, 30)) == [("2024-10-01", "2024-10-07", "holiday")]
    assert "国庆" in ask.strip(question) and "今年" not in ask.strip(question)


def test_passage_read_against_its_article_date() -> None:
    text = "海关总署今天（8月8日）对外公布，今年前7个月，我国货物贸易进出口总值23.55万亿元。10日，以军称"
    periods = read_text(text, date(2023, 8, 8))
    assert Period(date(2023, 8, 8), date(2023, 8, 8), "day") in periods
    assert Period(date(2023, 1, 1), date(2023, 7, 31), "months") in periods
    assert Period(date(2023, 7, 10), date(2023, 7, 10), "day") in periods  # 10日 after the 8th: last month


def test_passage_dates_may_be_coming_days() -> None:
    periods = read_text("预计10月1日为客流高峰日", date(2024, 9, 29))
    assert Period(date(2024, 10, 1), date(2024, 10, 1), "day") in periods
    assert read_text("去年第四季度英国经济环比下降0.3%", date(2024, 2, 16)) == (
        Period(date(2023, 10, 1), date(2023, 12, 31), "quarter"),)


def test_match_prefers_the_asked_period() -> None:
    ask = read_question("2022年前7个月我国出口了多少?", TODAY)
    same = read_text("今年前7个月，我国出口13.47万亿元", date(2022, 8, 7))
    other = read_text("今年前7个月，我国出口15.45万亿元", date(2024, 8, 7))
    assert match(ask, date(2022, 8, 7), same) == (1.0, False)
    fit, conflict = match(ask, date(2024, 8, 7), other)
    assert fit == 0.0 and conflict
    # No date in the text: the article's date decides (a report comes out after its period).
    assert match(ask, date(2022, 8, 7), ())[0] > match(ask, date(2024, 8, 7), ())[0]


def test_yearless_question_matches_the_month_in_any_year() -> None:
    ask = read_question("2月10日起实行什么政策", date(2026, 12, 4))
    text = read_text("2月10日起，全市实行封闭管理", date(2020, 2, 8))
    assert match(ask, date(2020, 2, 8), text) == (1.0, False)


def test_nothing_asked_matches_nothing() -> None:
    assert match(TimeAsk(), date(2024, 1, 1), ()) == (0.0, False)

"""FakeBotAPI's answerInlineQuery is as strict as Telegram (see fake_inline.py), and PTB speaks it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import Bot, InlineQueryResultArticle, InlineQueryResultsButton, InputTextMessageContent

from fakebotapi import FakeBotAPI
from test_fakebotapi import call, ok, rejected

USER = 1001


def article(result_id: str = "p1", title: str = "标题", text: str = "<b>正文</b> &amp; 出处",
            **extra: Any) -> dict:
    return {"type": "article", "id": result_id, "title": title,
            "input_message_content": {"message_text": text, "parse_mode": "HTML"}, **extra}


@pytest.fixture
def query_id(api: FakeBotAPI) -> str:
    return api.send_inline_query(USER, "宜兴 新赛道")


def test_a_valid_answer_is_kept_once(api: FakeBotAPI, query_id: str) -> None:
    assert ok(api, "answerInlineQuery", inline_query_id=query_id, results=[article(), article("p2")],
              cache_time=60, is_personal=False) is True
    assert [r["id"] for r in api.inline_answer(query_id)["results"]] == ["p1", "p2"]
    assert "query is too old" in rejected(api, "answerInlineQuery", inline_query_id=query_id, results=[])
    assert "query is too old" in rejected(api, "answerInlineQuery", inline_query_id="404", results=[])
    api.errors.clear()


@pytest.mark.parametrize("results, reason", [
    ([article("p1"), article("p1")], "RESULT_ID_DUPLICATE"),
    ([article("x" * 65)], "RESULT_ID_INVALID"),
    ([article("问" * 22)], "RESULT_ID_INVALID"),  # 66 bytes in UTF-8
    ([article("")], "RESULT_ID_INVALID"),
    ([article(f"p{n}") for n in range(51)], "RESULTS_TOO_MUCH"),
    ([article(title=" ")], "RESULT_TITLE_EMPTY"),
    ([article(text="")], "message text is empty"),
    ([article(text="<b>未闭合")], "can't parse entities"),
    ([article(text="R&D")], "can't parse entities"),
    ([article(text="字" * 4097)], "message is too long"),
    ([{**article(), "input_message_content": {"message_text": "x", "parse_mode": "HTML", "entities": []}}],
     "entities and parse_mode"),
    ([{**article(), "type": "photo"}], "RESULT_TYPE_INVALID"),
    ([article(reply_markup={"keyboard": [[{"text": "x"}]]})], ""),
])
def test_what_telegram_refuses_is_refused(api: FakeBotAPI, query_id: str, results: list, reason: str) -> None:
    assert reason in rejected(api, "answerInlineQuery", inline_query_id=query_id, results=results)
    assert ok(api, "answerInlineQuery", inline_query_id=query_id, results=[])  # not answered by the refusal
    api.errors.clear()


@pytest.mark.parametrize("params, reason", [
    ({"next_offset": "9" * 65}, "NEXT_OFFSET_INVALID"),
    ({"cache_time": -1}, "cache_time"),
    ({"button": {"text": "私聊提问", "start_parameter": "有空格 的"}}, "START_PARAM_INVALID"),
    ({"button": {"text": "", "start_parameter": "ask"}}, "BUTTON_TEXT_INVALID"),
])
def test_the_answers_own_fields_are_checked(api: FakeBotAPI, query_id: str, params: dict, reason: str) -> None:
    assert reason in rejected(api, "answerInlineQuery", inline_query_id=query_id, results=[], **params)
    api.errors.clear()


def test_python_telegram_bot_answers_an_inline_query(api: FakeBotAPI, query_id: str) -> None:
    async def answer() -> bool:
        async with Bot(api.token, base_url=f"{api.root}/bot") as bot:
            return await bot.answer_inline_query(
                query_id, [InlineQueryResultArticle("p1", "标题", InputTextMessageContent("<b>段落</b>",
                                                                                          parse_mode="HTML"))],
                cache_time=5, is_personal=True, button=InlineQueryResultsButton("私聊提问", start_parameter="ask"))

    assert asyncio.run(answer()) is True
    sent = api.inline_answer(query_id)
    assert sent["is_personal"] is True and sent["button"]["start_parameter"] == "ask"
    assert sent["results"][0]["input_message_content"]["parse_mode"] == "HTML"
    api.assert_no_errors()


def test_an_inline_query_reaches_only_a_bot_that_asks_for_them(api: FakeBotAPI) -> None:
    api.send_inline_query(USER, "宜兴")
    assert call(api, "getUpdates", allowed_updates=["message"], timeout=0)[1]["result"] == []
    updates = ok(api, "getUpdates", allowed_updates=["message", "inline_query"], timeout=0)
    assert updates[0]["inline_query"]["query"] == "宜兴"

"""Inline mode end to end: `@bot 宜兴 新赛道` typed in any chat, answered by the bot through the strict fake."""

from __future__ import annotations

from fakebotapi import FakeBotAPI, parse_html, utf16_len
from telegram_harness import ADMIN, NEW_TRACKS, OFF_TOPIC, SEED_TITLE, USER, RunningBot, reply


def test_an_inline_query_offers_the_top_passages_cited(api: FakeBotAPI, bot: RunningBot) -> None:
    answer = api.inline_answer(api.send_inline_query(USER, "宜兴 新赛道"))
    results = answer["results"]
    assert 1 <= len(results) <= 5 and len({r["id"] for r in results}) == len(results)
    first = results[0]
    assert NEW_TRACKS in first["title"] and len(first["title"]) <= 100  # the answering sentence
    assert SEED_TITLE in first["description"] and "¶9" in first["description"]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    plain, _ = parse_html(content["message_text"])
    assert plain.startswith("🔎 宜兴 新赛道") and NEW_TRACKS in plain and "—— " + SEED_TITLE in plain
    assert "宜兴 › 打造发展新质生产力特色优势 · ¶9" in plain
    assert answer["cache_time"] == 60


def test_an_empty_inline_query_offers_the_newest_articles(api: FakeBotAPI, bot: RunningBot) -> None:
    results = api.inline_answer(api.send_inline_query(USER, ""))["results"]
    assert [r["title"] for r in results] == [SEED_TITLE]
    plain, _ = parse_html(results[0]["input_message_content"]["message_text"])
    assert "2024-06-08" in plain and "文章 ID:" in plain


def test_an_unanswerable_inline_query_offers_nothing(api: FakeBotAPI, bot: RunningBot) -> None:
    assert api.inline_answer(api.send_inline_query(USER, OFF_TOPIC))["results"] == []


def test_inline_results_escape_corpus_text_and_fit_telegram(api: FakeBotAPI, bot: RunningBot) -> None:
    body = "无锡研发 R&D <script>alert(1)</script> 投入强度 &amp; 达到 3.5%。" + "数字经济与实体经济深度融合发展" * 300
    assert "已添加" in reply(api, ADMIN, f"/add 研发<b>投入</b>\n{body}"[:4000])["text"]
    results = api.inline_answer(api.send_inline_query(USER, "R&D 投入强度"))["results"]
    text = results[0]["input_message_content"]["message_text"]
    plain, _ = parse_html(text)  # the fake refused nothing, and the text parses
    assert "R&D <script>alert(1)</script>" in plain and "&amp;" in plain
    assert utf16_len(plain) <= 4096 and all(len(r["id"].encode()) <= 64 for r in results)
    api.assert_no_errors()


def test_an_inline_query_flood_is_answered_within_the_users_limit(api: FakeBotAPI, bot: RunningBot) -> None:
    ids = [api.send_inline_query(USER, f"宜兴 新赛道 {n}") for n in range(40)]
    other = api.inline_answer(api.send_inline_query(ADMIN, "宜兴 新赛道"))
    assert other["results"]
    answered = sum(1 for i in ids if api._inline_queries[i]["answered"])
    assert answered < len(ids)  # the rest were dropped, unanswered, as Telegram lets a bot do

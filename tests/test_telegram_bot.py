"""End-to-end: the real python-telegram-bot Application against the strict FakeBotAPI.

Each test starts a fake Bot API server on 127.0.0.1, points the bot at it with
TELEGRAM_API_URL, runs the Application in a background thread (its own event
loop, long polling), and talks to it the way Telegram users would (see
telegram_harness.py). Every test ends by checking that the bot never sent
anything Telegram would reject.
"""

from __future__ import annotations

import functools
import http.server
import logging
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, clean_env, make_corpus
from fakebotapi import FakeBotAPI, parse_html, utf16_len
from policybot import render
from policybot.search.ranking import Answer, Result
from policybot.store import ArticleRow, PassageRow
from policybot.bot.state import Throttle, state_of
from policybot.bot.texts import NOT_ADMIN, SORRY, WAIT
from telegram_harness import (ADMIN, GROUP, NEW_TRACKS, OFF_TOPIC, OTHER, QUESTION, SEED_TITLE, USER, RunningBot,
                              bold, buttons, current, n_articles, press, reply, wait_edit)

# ---- /start, questions, buttons ---------------------------------------------------------------


def test_start_tells_what_the_bot_knows_with_examples_from_the_corpus(api: FakeBotAPI, bot: RunningBot) -> None:
    welcome = reply(api, USER, "/start")
    text = welcome["text"]
    assert "现有 1 篇文章" in text and "2024-06-08" in text and "/ask" in text
    examples = [line[2:] for line in text.splitlines() if line.startswith("• ")]
    assert 2 <= len(examples) <= 3
    assert all(any(place in q for place in ("江阴", "宜兴", "梁溪", "锡山", "惠山", "滨湖", "新吴", "经开"))
               for q in examples)
    assert welcome["params"]["link_preview_options"] == {"is_disabled": True}
    assert "/add" not in text  # admin help only for admins
    for example in examples:  # every example is answered
        assert "¶" in reply(api, USER, example)["text"]
    assert {c["command"] for c in api.commands()} == {"start", "help", "ask", "sources", "stats", "subscribe",
                                                      "subscriptions", "unsubscribe"}
    admin_help = reply(api, ADMIN, "/help")["text"]
    assert "/add" in admin_help and "/remove" in admin_help
    api.wait_for(lambda r: r["method"] == "setMyCommands" and "scope" in r["params"])
    admin_menu = api.commands({"type": "chat", "chat_id": ADMIN})
    assert {"add", "remove", "feeds", "feed_add", "feed_remove"} <= {c["command"] for c in admin_menu}


def test_question_is_answered_with_the_cited_passage(api: FakeBotAPI, bot: RunningBot) -> None:
    answer = reply(api, USER, QUESTION)
    text = answer["text"]
    first = text.split("\n\n")[1]
    assert first.startswith("1. ") and NEW_TRACKS in first
    assert "宜兴" in first and SEED_TITLE in first and "¶9" in first
    assert "现代快报+" in first and "2024-06-08" in first
    assert "宜兴" in bold(answer) and "赛道" in bold(answer)
    assert answer["params"]["parse_mode"] == "HTML"
    assert answer["params"]["link_preview_options"] == {"is_disabled": True}
    labels = buttons(answer)
    assert {"原文 1", "原文 2", "原文 3", "更多 ›"} <= set(labels)
    assert all(len(d.encode()) <= 64 for d in labels.values())


def test_more_edits_the_answer_and_original_shows_the_passage_in_context(api: FakeBotAPI, bot: RunningBot) -> None:
    answer = reply(api, USER, QUESTION)
    since = len(api.calls)
    assert press(api, USER, answer, "更多 ›")["ok"]
    wait_edit(api, since)
    page2 = current(api, USER, answer)
    assert page2["text"].split("\n\n")[1].startswith("4. ")
    assert "‹ 上一页" in buttons(page2) and "原文 4" in buttons(page2)
    assert len([r for r in api.calls if r["method"] == "sendMessage"]) == 1  # edited, not a new message

    since = len(api.calls)
    press(api, USER, page2, "‹ 上一页")
    wait_edit(api, since)
    page1 = current(api, USER, answer)
    assert page1["text"] == answer["result"]["text"]

    since = len(api.calls)
    press(api, USER, page1, "原文 1")
    original = api.wait_for_messages(USER, 1, since=since)[0]
    text = original["text"]
    assert SEED_TITLE in text and "宜兴 › 打造发展新质生产力特色优势" in text
    assert "¶8 " in text and "¶9 " in text and "¶10 " in text and NEW_TRACKS in text
    quote = next(e for e in original["result"]["entities"] if e["type"] == "blockquote")
    quoted = text.encode("utf-16-le")[2 * quote["offset"]:2 * (quote["offset"] + quote["length"])].decode("utf-16-le")
    assert quoted.startswith("¶9 ") and NEW_TRACKS in quoted
    assert original["result"]["reply_to_message"]["message_id"] == answer["result"]["message_id"]

    since = len(api.calls)
    press(api, USER, original, "下一段 ›")
    wait_edit(api, since)
    moved = current(api, USER, original)
    assert "¶11 " in moved["text"] and "¶8 " not in moved["text"]


def test_more_still_works_after_a_restart(api: FakeBotAPI, seed_home: Path) -> None:
    with RunningBot(api, seed_home):
        answer = reply(api, USER, QUESTION)
    with RunningBot(api, seed_home):  # the question store is gone; the answer's first line is enough
        since = len(api.calls)
        press(api, USER, answer, "更多 ›")
        wait_edit(api, since)
        assert current(api, USER, answer)["text"].split("\n\n")[1].startswith("4. ")
    api.assert_no_errors()


def test_no_answer_says_so_and_suggests_rephrasing(api: FakeBotAPI, bot: RunningBot) -> None:
    answer = reply(api, USER, OFF_TOPIC)
    assert render.NO_ANSWER in answer["text"] and "换个说法" in answer["text"]
    assert "reply_markup" not in answer["result"]


def test_group_questions_need_ask_a_mention_or_a_reply(api: FakeBotAPI, bot: RunningBot) -> None:
    api.send_text(USER, QUESTION, chat_id=GROUP, chat_type="group")  # not for the bot
    asked = reply(api, USER, f"/ask@policy_test_bot {QUESTION}", chat_id=GROUP, chat_type="group")
    assert NEW_TRACKS in asked["text"]
    assert asked["result"]["reply_to_message"]["text"].startswith("/ask")
    mention = "@policy_test_bot"
    mentioned = reply(api, USER, f"{mention} {QUESTION}", chat_id=GROUP, chat_type="group",
                      entities=[{"type": "mention", "offset": 0, "length": len(mention)}])
    assert NEW_TRACKS in mentioned["text"]
    replied = reply(api, OTHER, "江阴的高层次人才目标是什么?", chat_id=GROUP, chat_type="group",
                    reply_to_message_id=asked["result"]["message_id"])
    assert "江阴" in replied["text"].split("\n\n")[1]
    sent = [r for r in api.calls if r["method"] == "sendMessage"]
    assert len(sent) == 3  # the first, unaddressed message got nothing
    assert reply(api, USER, "/ask", chat_id=GROUP, chat_type="group")["text"].startswith("用法")


def test_an_empty_corpus_is_explained(api: FakeBotAPI, empty_home: Path) -> None:
    with RunningBot(api, empty_home):
        assert "还没有文章" in reply(api, USER, "/start")["text"]
        assert render.NO_ANSWER in reply(api, USER, QUESTION)["text"]
        assert "还没有文章" in reply(api, USER, "/sources")["text"]
        assert "文章:0" in reply(api, USER, "/stats")["text"]
    api.assert_no_errors()


# ---- escaping and limits ----------------------------------------------------------------------

HOSTILE = """/add 无锡研发<b>投入</b> & <script>通报</script>
发布时间:2024-07-01
无锡市 R&D 经费投入强度达到 3.5%,<script>alert("x")</script> 高新技术企业 & 科技型中小企业数量 <b>全省第一</b>。
企业研发费用加计扣除政策 <a href="javascript:x">落实</a> 到位,&amp; &nbsp; &#0; 均原样显示。"""


def test_corpus_text_with_script_and_ampersand_is_answered_without_html_errors(api: FakeBotAPI,
                                                                                bot: RunningBot) -> None:
    added = reply(api, ADMIN, HOSTILE)
    assert "已添加" in added["text"] and "无锡研发<b>投入</b> & <script>通报</script>" in added["text"]
    answer = reply(api, USER, "无锡 R&D 经费投入强度是多少?<b>")
    text = answer["text"]
    assert "<script>alert(" in text and "</script>" in text and "R&D" in text and "2024-07-01" in text
    assert "无锡研发<b>投入</b> & <script>通报</script>" in text
    assert text.startswith("🔎 无锡 R&D 经费投入强度是多少?<b>")
    since = len(api.calls)
    press(api, USER, answer, "原文 1")
    original = api.wait_for_messages(USER, 1, since=since)[0]["text"]
    assert "&amp; &nbsp; &#0;" in original and "<a href=" in original and "落实</a>" in original


def test_long_articles_are_trimmed_to_telegram_limits(api: FakeBotAPI, bot: RunningBot) -> None:
    long_title = "超长标题" * 40
    body = "\n".join(f"第{i}段:" + "数字经济与实体经济深度融合发展" * 60 + "。" for i in range(6))
    reply(api, ADMIN, f"/add {long_title}\n{body}"[:4000])
    answer = reply(api, USER, "数字经济与实体经济深度融合发展")
    # Passages are at most 600 characters now (ingest.passages.MAX_PASSAGE), so three of them fit
    # without trimming; tg_fit's trimming is tested directly below.
    assert utf16_len(answer["text"]) <= 4096
    since = len(api.calls)
    press(api, USER, answer, "原文 1")
    original = api.wait_for_messages(USER, 1, since=since)[0]
    assert utf16_len(original["text"]) <= 4096


@pytest.mark.parametrize("limit", [5, 50, 200, 4096])
def test_tg_fit_never_breaks_tags_or_entities(limit: int) -> None:
    pieces = ['<b>粗体 &amp; 😀</b>', '<a href="https://x.cn/?a=1&amp;b=2">链接 &lt;</a>', "普通 &quot;文字&quot;",
              "<blockquote>¶1 引文 &gt; 😀😀</blockquote>", "<code>id&amp;1</code>"] * 60
    source = "\n".join(pieces)
    fitted = render.tg_fit(source, limit)
    plain, _ = parse_html(fitted)  # raises if a tag or entity was cut
    assert utf16_len(plain) <= limit
    assert plain.endswith("…") == (render.tg_len(source) > limit)
    assert render.tg_fit("短", limit) == "短"


_any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=3000)


@settings(max_examples=150, deadline=None)
@given(title=_any_text, text=_any_text, snippet=_any_text, source=st.none() | _any_text,
       section=st.lists(_any_text, max_size=3), url=st.none() | st.sampled_from(
           ["https://www.gov.cn/a?x=1&y=<2>", "javascript:alert(1)", "http://例子.中国/路径", "https://x.cn/a b", ""])
       | st.text(max_size=40).map(lambda t: "https://" + t),
       matched=st.lists(st.text(min_size=1, max_size=4), max_size=4), question=_any_text)
def test_telegram_renderers_always_give_valid_html_within_limits(title: str, text: str, snippet: str,
                                                                 source: str | None, section: list[str],
                                                                 url: str | None, matched: list[str],
                                                                 question: str) -> None:
    rows = [PassageRow(i, "id&<1>", i, tuple(section), text, title, source, "2024-06-08", url, source)
            for i in (1, 2, 3)]
    results = [Result(i, 1.0, row, snippet or text, tuple(matched), duplicates=i - 1) for i, row in enumerate(rows, 1)]
    for rendered in (render.telegram_answer(Answer(question, results)), render.telegram_passage(rows, 2),
                     render.telegram_sources([make_row(title, url)] * 30, 1, 8)):
        plain, _ = parse_html(rendered)  # raises on any malformed tag, entity or link
        assert utf16_len(plain) <= 4096
        assert title.strip() == "" or "《" in plain


def make_row(title: str, url: str | None) -> ArticleRow:
    return ArticleRow("id&<1>", title, "来源<&>", None, url, None, "h", 0.0, None, 3)


# ---- admins: adding and removing ----------------------------------------------------------------


def test_non_admin_cannot_add_or_remove_and_nothing_changes(api: FakeBotAPI, bot: RunningBot,
                                                            seed_home: Path) -> None:
    article_id = make_corpus(seed_home).articles()[0].id
    assert reply(api, USER, "/add 标题\n这是一段不该被加入的文字,里面有政策内容。")["text"] == NOT_ADMIN
    assert reply(api, USER, f"/remove {article_id}")["text"] == NOT_ADMIN
    since = len(api.calls)
    api.send_document(USER, "note.txt", "标题\n正文内容,关于人才政策。".encode())
    assert api.wait_for_messages(USER, 1, since=since)[0]["text"] == NOT_ADMIN
    assert n_articles(seed_home) == 1
    assert not any(r["method"] == "getFile" for r in api.calls)
    # a document in a group without the caption /add is not for the bot
    api.send_document(USER, "note.txt", b"x", chat_id=GROUP, chat_type="group")
    # undo is admin-only too, checked on whoever presses the button
    added = reply(api, ADMIN, "/add 测试文章\n这是一段用于撤销测试的文字,讲人才公寓政策。", chat_id=GROUP,
                  chat_type="group")
    assert "已添加" in added["text"] and n_articles(seed_home) == 2
    refusal = press(api, USER, added, "撤销添加")
    assert refusal["params"]["text"] == NOT_ADMIN and refusal["params"]["show_alert"] is True
    assert n_articles(seed_home) == 2
    since = len(api.calls)
    press(api, ADMIN, added, "撤销添加")
    wait_edit(api, since)
    assert "已撤销" in current(api, GROUP, added)["text"] and n_articles(seed_home) == 1
    assert len([r for r in api.calls if r["method"] == "sendMessage" and r["params"]["chat_id"] == GROUP]) == 1


def test_admin_uploads_a_gbk_text_file_and_can_ask_about_it_at_once(api: FakeBotAPI, bot: RunningBot,
                                                                    seed_home: Path) -> None:
    article = ("江阴出台人才安居新政\n发布时间:2024-06-20\n"
               "江阴将为引进的博士提供人才公寓,每月发放三千元租房补贴,连续发放三年。\n"
               "新政同时明确,硕士研究生可以申请两千元购房补贴。")
    since = len(api.calls)
    api.send_document(ADMIN, "人才新政.txt", article.encode("gbk"))
    added = api.wait_for_messages(ADMIN, 1, since=since)[0]["text"]
    assert "✅ 已添加" in added and "《江阴出台人才安居新政》" in added and "2024-06-20" in added and "段" in added
    assert n_articles(seed_home) == 2
    answer = reply(api, USER, "江阴给博士多少租房补贴?")
    first = answer["text"].split("\n\n")[1]
    assert "三千元租房补贴" in first and "《江阴出台人才安居新政》" in first and "2024-06-20" in first
    # the same file again: already there, nothing added
    since = len(api.calls)
    api.send_document(ADMIN, "again.txt", article.encode("gbk"), caption="/add")
    assert "已经有了" in api.wait_for_messages(ADMIN, 1, since=since)[0]["text"]
    assert n_articles(seed_home) == 2


@pytest.mark.parametrize("name", ["policy_notice.pdf", "policy_notice.docx"])
def test_admin_uploads_a_pdf_or_word_file(api: FakeBotAPI, bot: RunningBot, seed_home: Path, name: str) -> None:
    data = (ROOT / "tests" / "fixtures" / "documents" / name).read_bytes()
    since = len(api.calls)
    api.send_document(ADMIN, name, data)
    added = api.wait_for_messages(ADMIN, 1, since=since)[0]["text"]
    assert "✅ 已添加" in added and "《关于促进消费品以旧换新的实施方案》" in added, added
    answer = reply(api, USER, "购买新能源乘用车补贴多少?")
    first = answer["text"].split("\n\n")[1]
    assert "给予每辆车2万元补贴" in first and "第一条" in first  # the passage, cited under its article number
    since = len(api.calls)
    api.send_document(ADMIN, "scan.pdf", (ROOT / "tests" / "fixtures" / "documents" / "scanned.pdf").read_bytes())
    refused = api.wait_for_messages(ADMIN, 1, since=since)[0]["text"]
    assert refused.startswith("⚠️ 没有添加") and "scanned PDF" in refused


def test_oversized_and_unsupported_uploads_are_refused(api: FakeBotAPI, bot: RunningBot, seed_home: Path) -> None:
    since = len(api.calls)
    api.send_document(ADMIN, "大文件.txt", b"x" * 100, file_size=25 * 1024 * 1024)
    text = api.wait_for_messages(ADMIN, 1, since=since)[0]["text"]
    assert "没有添加" in text and "25.0 MB" in text and "20 MB" in text
    since = len(api.calls)
    api.send_document(ADMIN, "slides.pptx", b"PK\x03\x04 ...")
    assert ".txt .md .html .jsonl .pdf .docx" in api.wait_for_messages(ADMIN, 1, since=since)[0]["text"]
    since = len(api.calls)
    api.send_document(ADMIN, "picture.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    text = api.wait_for_messages(ADMIN, 1, since=since)[0]["text"]
    assert "文件不是可读的文本" in text and "not text" in text  # advice in Chinese, then the detail
    assert len([r for r in api.calls if r["method"] == "getFile"]) == 1  # only picture.txt was fetched
    assert n_articles(seed_home) == 1


def test_admin_adds_a_forwarded_post_by_replying_add(api: FakeBotAPI, bot: RunningBot) -> None:
    channel = {"id": -100777, "type": "channel", "title": "锡山发布", "username": "xishan_fabu"}
    post = "锡山区推出科创十条\n锡山区发布科创十条,对新认定的省级研发机构给予最高五百万元奖励。"
    since = len(api.calls)
    forwarded = api.send_text(ADMIN, post, forward_origin={"type": "channel", "chat": channel, "message_id": 42,
                                                           "date": 1717900000})["message"]
    assert "回复它并发送 /add" in api.wait_for_messages(ADMIN, 1, since=since)[0]["text"]
    added = reply(api, ADMIN, "/add", reply_to_message_id=forwarded["message_id"])
    assert "✅ 已添加" in added["text"] and "《锡山区推出科创十条》" in added["text"] and "2024-06-09" in added["text"]
    answer = reply(api, USER, "锡山对省级研发机构奖励多少?")
    first = answer["text"].split("\n\n")[1]
    assert "五百万元" in first and "锡山发布" in first
    links = [e for e in answer["result"]["entities"] if e["type"] == "text_link"]
    assert links and links[0]["url"] == "https://t.me/xishan_fabu/42"


def test_admin_adds_a_web_page_by_url(api: FakeBotAPI, bot: RunningBot) -> None:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(ROOT / "tests" / "fixtures" / "html"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/gov_notice.html"
        added = reply(api, ADMIN, f"/add {url}")
        assert "✅ 已添加" in added["text"] and "支付便利性" in added["text"] and "2024-03-07" in added["text"]
        missing = reply(api, ADMIN, f"/add {url[:-5]}-gone.html")
        assert missing["text"].startswith("⚠️ 没有添加:无法获取这个网址") and "404" in missing["text"]
    finally:
        server.shutdown()
        server.server_close()
    answer = reply(api, USER, "境外银行卡受理要覆盖哪些场所?")
    first = answer["text"].split("\n\n")[1]
    assert "重点场所" in first and "中国政府网" in first
    links = [e["url"] for e in answer["result"]["entities"] if e["type"] == "text_link"]
    assert links and set(links) == {url}


def test_add_text_then_remove(api: FakeBotAPI, bot: RunningBot, seed_home: Path) -> None:
    added = reply(api, ADMIN, "/add 滨湖区文旅消费券发放\n滨湖区将发放一千万元文旅消费券,覆盖景区、酒店和民宿。")
    assert "✅ 已添加" in added["text"]
    article_id = next(e for e in added["result"]["entities"] if e["type"] == "code")
    text16 = added["text"].encode("utf-16-le")
    article_id = text16[2 * article_id["offset"]:2 * (article_id["offset"] + article_id["length"])].decode("utf-16-le")
    assert "文旅消费券" in reply(api, USER, "滨湖发放多少文旅消费券?")["text"]
    removed = reply(api, ADMIN, f"/remove {article_id}")
    assert "已删除" in removed["text"] and article_id in removed["text"]
    assert render.NO_ANSWER in reply(api, USER, "滨湖发放多少文旅消费券?")["text"]
    assert reply(api, ADMIN, "/remove nope<&")["text"].startswith("没有 ID 为 nope<& 的文章")
    assert reply(api, ADMIN, "/add")["text"].startswith("用法")
    assert n_articles(seed_home) == 1


def test_sources_are_paged_and_stats_shown(api: FakeBotAPI, bot: RunningBot) -> None:
    lines = [f'{{"title": "测试文章{i:02d}", "text": "第{i}篇测试文章的正文,讲述产业政策。", "date": "2024-05-{i + 1:02d}"}}'
             for i in range(12)]
    since = len(api.calls)
    api.send_document(ADMIN, "batch.jsonl", "\n".join(lines).encode())
    added = api.wait_for_messages(ADMIN, 1, since=since)[0]["text"]
    assert added.count("✅ 已添加") == 12
    first = reply(api, USER, "/sources")
    assert "共 13 篇文章(第 1/2 页)" in first["text"] and SEED_TITLE in first["text"]
    since = len(api.calls)
    press(api, USER, first, "下一页 ›")
    wait_edit(api, since)
    page2 = current(api, USER, first)
    assert "第 2/2 页" in page2["text"] and "‹ 上一页" in buttons(page2)
    stats = reply(api, USER, "/stats")["text"]
    assert "文章:13" in stats and "2024-05-01 至 2024-06-08" in stats and str(ROOT) not in stats


# ---- load, throttling, errors -------------------------------------------------------------------


def test_ten_users_at_once_are_all_answered(api: FakeBotAPI, bot: RunningBot) -> None:
    users = list(range(7001, 7011))
    started = time.monotonic()
    for user in users:
        api.send_text(user, QUESTION if user % 2 else "江阴的高层次人才目标")
    for user in users:
        answer = api.wait_for_messages(user, 1, timeout=15)[0]
        assert "¶" in answer["text"]
    assert time.monotonic() - started < 10


def test_a_user_flooding_questions_is_slowed_not_the_others(api: FakeBotAPI, seed_home: Path) -> None:
    with RunningBot(api, seed_home, throttle=Throttle(rate=5, burst=2, max_pending=10)):
        for _ in range(8):
            api.send_text(USER, QUESTION)
        time.sleep(0.05)
        api.send_text(OTHER, QUESTION)
        other = api.wait_for_messages(OTHER, 1)[0]
        flooded = api.wait_for_messages(USER, 9, timeout=15)
        texts = [r["text"] for r in flooded]
        assert texts.count(WAIT) == 1 and len([t for t in texts if NEW_TRACKS in t]) == 8
        assert other["time"] < flooded[-1]["time"]  # the other user did not wait for the flood
    api.assert_no_errors()


# PTB's own RetryAfter warns about int retry_after (v22.2+); not our code.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_telegram_flood_limits_are_retried(api: FakeBotAPI, bot: RunningBot) -> None:
    api.flood(count=1, retry_after=1)
    assert NEW_TRACKS in reply(api, USER, QUESTION, timeout=15)["text"]
    assert len(api.floods) == 1


def test_a_failing_update_is_logged_answered_kindly_and_the_bot_keeps_running(
        api: FakeBotAPI, bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    real = bot.corpus

    class Broken:
        def __getattr__(self, name: str) -> Any:
            if name == "ask":
                raise RuntimeError("index exploded")
            return getattr(real, name)

    state = state_of(bot.app)
    state.corpus = state.chats.corpus = Broken()  # questions are answered through the chats' corpus
    with caplog.at_level(logging.ERROR, logger="policybot.telegram"):
        assert reply(api, USER, QUESTION)["text"] == SORRY
    assert any(r.exc_info and "index exploded" in str(r.exc_info[1]) for r in caplog.records)
    state.corpus = state.chats.corpus = real
    assert NEW_TRACKS in reply(api, USER, QUESTION)["text"]
    assert reply(api, USER, "/nosuchcommand")["text"].startswith("不认识这个命令")


# ---- running it -----------------------------------------------------------------------------


def test_missing_token_is_one_line_and_exit_code_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from policybot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("POLICYBOT_HOME", str(tmp_path))
    assert main(["bot"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "@BotFather" in err and ".env" in err and "TELEGRAM_BOT_TOKEN" in err


@pytest.mark.slow
def test_python_bot_py_runs_until_sigterm(api: FakeBotAPI, seed_home: Path, tmp_path: Path) -> None:
    env = clean_env(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.root, POLICYBOT_HOME=str(seed_home),
                    POLICYBOT_ADMIN_IDS=str(ADMIN))
    proc = subprocess.Popen([sys.executable, str(ROOT / "bot.py")], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        api.wait_for(lambda r: r["method"] == "setMyCommands", timeout=60)
        assert NEW_TRACKS in reply(api, USER, QUESTION, timeout=20)["text"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert api.token not in err  # httpx request logging would print the token
    api.assert_no_errors()


def test_wrong_token_is_a_clear_error(api: FakeBotAPI, seed_home: Path, tmp_path: Path) -> None:
    env = clean_env(TELEGRAM_BOT_TOKEN="999:WRONG", TELEGRAM_API_URL=api.root, POLICYBOT_HOME=str(seed_home))
    done = subprocess.run([sys.executable, str(ROOT / "bot.py")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "error: Telegram did not accept TELEGRAM_BOT_TOKEN" in done.stderr.strip().splitlines()[-1]


def test_limits_written_into_a_question_are_in_help_and_applied(api: FakeBotAPI, bot: RunningBot) -> None:
    assert "来源:新闻联播" in reply(api, USER, "/help")["text"]  # where people discover them
    kept = reply(api, USER, f"{QUESTION} 来源:现代快报 从:2024-06 到:2024-06")["text"]
    assert NEW_TRACKS in kept.split("\n\n")[1]
    assert "来源:现代快报" in kept.split("\n\n")[0]  # the question as typed heads the answer
    assert render.NO_ANSWER in reply(api, USER, f"{QUESTION} 来源:新闻联播")["text"]
    # another user, so no answer here waits behind the per-user question limit
    assert render.NO_ANSWER in reply(api, OTHER, f"{QUESTION} 到:2023-12")["text"]
    refused = reply(api, OTHER, f"{QUESTION} 从:2024-13")["text"]
    assert refused == "⚠️ 从:2024-13 不是日期:日期请写成 2024、2024-06 或 2024-06-30,例如 从:2024-01 到:2024-06"

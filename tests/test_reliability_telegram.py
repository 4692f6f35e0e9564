"""Issue 6, the Telegram half: authorisation, forged buttons, bad updates, load and memory, rendering.

Everything runs the real python-telegram-bot Application against the strict
FakeBotAPI (see telegram_harness.py), so a reply Telegram would reject fails
the test. What is checked:

* Authorisation — every admin action (/add text, /add URL, /add replying to a
  forwarded post or a file, a document with and without the caption /add,
  /remove, the 撤销添加 button pressed or its callback data forged) tried by a
  non-admin, by a non-admin with an admin's username and by an anonymous
  group admin, in a private chat and in a group: each is refused politely
  (or, for a plain document in a group, ignored), nothing is downloaded or
  fetched, and the article list is unchanged. An admin in a group is allowed.
* Forged and garbage callback data, callbacks on vanished or inaccessible
  messages, updates with no message, odd messages and documents with hostile
  names never stop the bot: each gets a short answer (or none), and the next
  question is answered; nothing is written to disk from an upload's name.
* Load: 50 users asking at once are all answered correctly (latency printed).
* Memory: flat over 2,000 questions from 2,000 different users (slow).
* Rendering: hypothesis feeds arbitrary text and URLs (questions, titles,
  publishers, sections, passages, ids, article lists, /add reports) to every
  Telegram renderer; each result parses with the fake's strict HTML parser and
  fits 4,096 UTF-16 units.
"""

from __future__ import annotations

import functools
import gc
import http.server
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, make_corpus, make_seed_home
from fakebotapi import FakeBotAPI, parse_html, utf16_len
from policybot import render
from policybot.bot import state as bot_state
from policybot.corpus import AddResult
from policybot.errors import FetchError, StoreError
from policybot.search.ranking import Answer, Result
from policybot.store import ArticleRow, PassageRow
from policybot.bot.callbacks import question_key
from policybot.bot.pages import answer_page
from policybot.chat.context import MAX_CHARS, MAX_CHATS, Conversations, Turn
from policybot.chat.session import Query
from policybot.feedbackstore import Unanswered
from policybot.bot.state import Throttle, state_of
from policybot.bot.texts import EXPIRED, NON_TEXT, NOT_ADMIN, SORRY
from telegram_harness import (ADMIN, GROUP, NEW_TRACKS, OTHER, QUESTION, USER, RunningBot, buttons, current,
                              forge_press, forge_query, press, push_update, reply, wait_answer, wait_edit)

BOSS = "boss_wang"  # the admin's username, also taken by IMPOSTOR below
IMPOSTOR = 4004
ANONYMOUS_ADMIN = 1087968824  # Telegram's GroupAnonymousBot: the sender of an anonymous group admin's messages
POST = "锡山区推出科创十条\n锡山区发布科创十条,对新认定的省级研发机构给予最高五百万元奖励。"
CHANNEL = {"type": "channel", "chat": {"id": -100777, "type": "channel", "title": "锡山发布", "username": "xs"},
           "message_id": 42, "date": 1717900000}


def article_list(home: Path) -> list[tuple[str, str, int]]:
    """(id, title, passages) of every stored article, read through a fresh connection."""
    corpus = make_corpus(home)
    try:
        return [(a.id, a.title, a.n_passages) for a in corpus.articles()]
    finally:
        corpus.store.close()


class CountingServer:
    """A local web server serving tests/fixtures/html that counts the requests it gets."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.hits.append(self.path)
                super().do_GET()

        handler = functools.partial(Handler, directory=str(ROOT / "tests" / "fixtures" / "html"))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/gov_notice.html"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def web() -> Iterator[CountingServer]:
    server = CountingServer()
    yield server
    server.close()


def home_with_seed(root: Path) -> Path:
    """A home below `root` (so that `root` is "outside the home") with the seed article."""
    return make_seed_home(root / "home")


# ---- authorisation ------------------------------------------------------------------------------

WHO = {"non-admin": (USER, None), "non-admin with the admin's username": (IMPOSTOR, BOSS)}
WHERE = {"private chat": {}, "group": {"chat_id": GROUP, "chat_type": "group"}}


@pytest.fixture
def admin_bot(api: FakeBotAPI, tmp_path: Path) -> Iterator[tuple[RunningBot, Path]]:
    """The bot over a fresh home (returned too) whose one admin is ADMIN."""
    home = home_with_seed(tmp_path)
    with RunningBot(api, home, admins=(ADMIN,)) as running:
        yield running, home
    api.assert_no_errors()


def _undo_messages(api: FakeBotAPI) -> tuple[dict, dict]:
    """The admin (username BOSS) adds an article in the group and one in private: two 撤销添加 buttons."""
    in_group = reply(api, ADMIN, "/add 群里加的文章\n这是管理员在群里添加的文章,讲人才公寓政策。",
                     chat_id=GROUP, chat_type="group", username=BOSS)
    in_private = reply(api, ADMIN, "/add 私聊加的文章\n这是管理员私聊添加的文章,讲科创载体建设。", username=BOSS)
    assert "已添加" in in_group["text"] and "已添加" in in_private["text"]
    return in_group, in_private


@pytest.mark.parametrize("who", list(WHO))
@pytest.mark.parametrize("where", list(WHERE))
def test_every_admin_action_by_a_non_admin_is_refused_and_changes_nothing(
        who: str, where: str, api: FakeBotAPI, admin_bot: tuple[RunningBot, Path], web: CountingServer) -> None:
    _, home = admin_bot
    user, username = WHO[who]
    chat = WHERE[where]
    chat_id = chat.get("chat_id", user)
    in_group, in_private = _undo_messages(api)
    # a forwarded post and a file, posted by the admin and by the non-admin, to reply /add to
    admin_forward = api.send_text(ADMIN, POST, forward_origin=CHANNEL, username=BOSS,
                                  **({"chat_id": GROUP, "chat_type": "group"} if chat else {}))["message"]
    since = len(api.calls)
    own_forward = api.send_text(user, POST, forward_origin=CHANNEL, username=username, **chat)["message"]
    own_file = api.send_document(user, "note.txt", "标题\n正文,关于人才政策。".encode(), username=username,
                                 caption="看看这个", **chat)["message"]
    if not chat:  # in private, a non-admin's forwarded post is simply a question, and a file is refused
        texts = [r["text"] for r in api.wait_for_messages(user, 2, since=since)]
        assert sorted(t.startswith("🔎") for t in texts) == [False, True] and NOT_ADMIN in texts, texts
    before = article_list(home)
    seed_id = before[-1][0]
    start = len(api.calls)

    def refused(text: str, **kw: Any) -> None:
        got = reply(api, user, text, username=username, **chat, **kw)
        assert got["text"] == NOT_ADMIN, (text, got["text"])
        assert got["result"]["chat"]["id"] == chat_id

    refused("/add 标题\n这是一段不该被加入的文字,里面有政策内容。")
    refused("/add@policy_test_bot 标题\n这段也不该被加入,讲产业政策。")
    refused(f"/add {web.url}")
    refused("/add", reply_to_message_id=own_forward["message_id"])
    refused("/add 改个标题", reply_to_message_id=own_file["message_id"])
    if chat:
        refused("/add", reply_to_message_id=admin_forward["message_id"])
    refused(f"/remove {seed_id}")
    refused("/remove")  # even the usage line is for admins only
    for caption in ("/add", "/add 标题", "/ADD@policy_test_bot"):
        since = len(api.calls)
        api.send_document(user, "note.txt", "标题\n正文,关于人才政策。".encode(), caption=caption,
                          username=username, **chat)
        assert api.wait_for_messages(chat_id, 1, since=since)[0]["text"] == NOT_ADMIN
    since = len(api.calls)
    api.send_document(user, "note.txt", "标题\n正文,关于人才政策。".encode(), username=username, **chat)
    if chat:  # a file in a group without the caption /add is not for the bot: no reply at all
        time.sleep(0.3)
        assert not [r for r in api.calls[since:] if r["method"] == "sendMessage"]
    else:
        assert api.wait_for_messages(chat_id, 1, since=since)[0]["text"] == NOT_ADMIN

    # 撤销添加: pressed on the group's message, and its callback data forged on a message the user can see
    undo_group, undo_private = buttons(in_group)["撤销添加"], buttons(in_private)["撤销添加"]
    if chat:
        answer = press(api, user, in_group, "撤销添加")
        assert answer["params"]["text"] == NOT_ADMIN and answer["params"]["show_alert"] is True
    target = in_group if chat else reply(api, user, QUESTION, username=username)
    for data in (undo_group, undo_private):
        since = len(api.calls)
        answer = wait_answer(api, forge_press(api, user, target, data, username=username), since)
        assert answer["params"]["text"] == NOT_ADMIN

    time.sleep(0.3)  # let anything still in flight arrive
    calls = api.calls[start:]
    assert not [r for r in calls if r["method"] in ("getFile", "editMessageText")]
    assert not api.downloads and not web.hits
    assert article_list(home) == before
    # the refusals did not use up the undo records: the admin can still undo both adds
    for message in (in_group, in_private):
        since = len(api.calls)
        press(api, ADMIN, message, "撤销添加")
        wait_edit(api, since)
        assert "已撤销" in current(api, message["result"]["chat"]["id"], message)["text"]
    assert len(article_list(home)) == len(before) - 2


def test_an_anonymous_group_admin_is_not_an_admin(api: FakeBotAPI, admin_bot: tuple[RunningBot, Path]) -> None:
    """Telegram sends an anonymous group admin's messages from GroupAnonymousBot with the group as
    sender_chat: there is no user id to check, so they are refused like anyone else."""
    _, home = admin_bot
    before = article_list(home)
    group = {"id": GROUP, "type": "supergroup", "title": "Group"}
    for n, text in enumerate(["/add 匿名管理员的文章\n匿名管理员想添加的文字,讲产业政策。", f"/remove {before[0][0]}"]):
        since = len(api.calls)
        api.send_text(OTHER, "hello", chat_id=GROUP, chat_type="supergroup")  # the fake now knows the group
        push_update(api, "message", {
            "message_id": 900 + n, "date": int(time.time()), "chat": group, "text": text,
            "from": {"id": ANONYMOUS_ADMIN, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"},
            "sender_chat": group, "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]})
        assert api.wait_for_messages(GROUP, 1, since=since)[0]["text"] == NOT_ADMIN
    assert article_list(home) == before


def test_an_admin_in_a_group_may_add_remove_and_undo(api: FakeBotAPI, admin_bot: tuple[RunningBot, Path]) -> None:
    _, home = admin_bot
    group = {"chat_id": GROUP, "chat_type": "group", "username": BOSS}
    n = len(article_list(home))
    added = reply(api, ADMIN, "/add 群里加的文章\n这是管理员在群里添加的文章,讲人才公寓政策。", **group)
    assert "✅ 已添加" in added["text"] and len(article_list(home)) == n + 1
    since = len(api.calls)
    api.send_document(ADMIN, "在群里.txt", "群文件标题\n管理员在群里上传的文件,讲数据要素市场。".encode(),
                      caption="/add", **group)
    assert "✅ 已添加" in api.wait_for_messages(GROUP, 1, since=since)[0]["text"]
    assert len(article_list(home)) == n + 2
    forwarded = api.send_text(ADMIN, POST, forward_origin=CHANNEL, **group)["message"]
    assert "✅ 已添加" in reply(api, ADMIN, "/add", reply_to_message_id=forwarded["message_id"], **group)["text"]
    doc_id = next(a for a in article_list(home) if a[1] == "群文件标题")[0]
    assert "已删除" in reply(api, ADMIN, f"/remove {doc_id}", **group)["text"]
    since = len(api.calls)
    press(api, ADMIN, added, "撤销添加")
    wait_edit(api, since)
    assert "已撤销" in current(api, GROUP, added)["text"]
    assert len(article_list(home)) == n + 1  # only the forwarded post is left


# ---- forged buttons and bad updates -------------------------------------------------------------


def assert_still_answers(api: FakeBotAPI, user: int = OTHER) -> None:
    assert NEW_TRACKS in reply(api, user, QUESTION)["text"]


def test_forged_and_garbage_callback_data_get_a_short_answer_and_never_crash(
        api: FakeBotAPI, bot: RunningBot) -> None:
    answer = reply(api, USER, QUESTION)
    key = buttons(answer)["更多 ›"].split(":")[1]
    # a passage that is then removed: its id goes stale
    added = reply(api, ADMIN, "/add 即将删除的文章\n滨湖区将发放一千万元文旅消费券,覆盖景区、酒店和民宿。")
    article_id = added["text"].rsplit(" · ", 1)[-1].split()[0]
    gone = reply(api, USER, "滨湖发放多少文旅消费券?")
    stale_passage = buttons(gone)["原文 1"].split(":")[1]
    assert "已删除" in reply(api, ADMIN, f"/remove {article_id}")["text"]
    cases = {
        "": EXPIRED, "x": EXPIRED, "zz:1": EXPIRED, "m:": EXPIRED, "m::": EXPIRED, "m:AAAAAAAA:0": EXPIRED,
        f"m:{key}:999999": "没有更多了。", f"m:{key}:9999999": EXPIRED, f"m:{key}:-3": EXPIRED,
        f"m:{key}:0:0": EXPIRED, f"m:{key}:３": None, f"m:{key}:0\n": None,  # (read as offsets 3 and 0)
        "o:0": "这段内容已不在文章库里了。", "o:999999999999999999": "这段内容已不在文章库里了。",
        "o:9999999999999999999": EXPIRED, "o:-1": EXPIRED, "o:1e9": EXPIRED, f"o:{stale_passage}": "这段内容已不在文章库里了。",
        f"p:{stale_passage}": "这段内容已不在文章库里了。", "p:999999999999999999": "这段内容已不在文章库里了。",
        "s:999999": None, "s:-1": EXPIRED, "s:9999999": EXPIRED,
        "u:": EXPIRED, "u:nosuchkey": NOT_ADMIN, "u:" + "A" * 17: EXPIRED,
        "更多": EXPIRED, "\x00\x01": EXPIRED, "o:1\u202e": EXPIRED, "x" * 64: EXPIRED, "🙂" * 16: EXPIRED,
    }
    for data, expected in cases.items():
        since = len(api.calls)
        got = wait_answer(api, forge_press(api, USER, answer, data), since)
        text = got["params"].get("text")
        assert got["ok"] and (text is None or len(text) <= 40), (data, text)
        if expected is not None:
            assert text == expected, (data, text)
    # an admin forging undo data that is not (or no longer) there
    for data in ("u:nosuchkey", "u:" + "A" * 16):
        since = len(api.calls)
        got = wait_answer(api, forge_press(api, ADMIN, reply(api, ADMIN, "/sources"), data), since)
        assert got["params"]["text"] == "已经撤销过了,或这个按钮已过期。"
    assert not [r for r in api.calls if r["method"] == "sendMessage" and r["text"] == SORRY]
    assert_still_answers(api)


def test_callbacks_on_vanished_or_inaccessible_messages(api: FakeBotAPI, seed_home: Path) -> None:
    with RunningBot(api, seed_home):
        answer = reply(api, USER, QUESTION)
        data = buttons(answer)
        message = answer["result"]
        vanished = {**message, "message_id": 999_999}  # deleted by the user since
        inaccessible = {"chat": message["chat"], "message_id": message["message_id"], "date": 0}  # too old to show
        for target in (vanished, inaccessible):
            for label in ("更多 ›", "原文 1", "原文 2"):
                since = len(api.calls)
                got = wait_answer(api, forge_press(api, USER, target, data[label]), since)
                assert got["ok"], (target, label)
                if label == "更多 ›":
                    assert got["params"].get("text") == EXPIRED, target
            since = len(api.calls)
            assert wait_answer(api, forge_press(api, USER, target, "s:0"), since)["params"]["text"] == EXPIRED
        # an inline-mode query (no message at all), a game button (no data), and neither
        for query in ({"inline_message_id": "AAAA", "data": data["更多 ›"]}, {"message": message, "game_short_name": "g"},
                      {"message": message}):
            since = len(api.calls)
            assert wait_answer(api, forge_query(api, USER, **query), since)["params"]["text"] == EXPIRED
        assert not [r for r in api.calls if r["method"] == "sendMessage" and r["text"] == SORRY]
        assert_still_answers(api)
    # Telegram refuses to edit a deleted message (the bot cannot know beforehand); nothing else was refused
    assert {(e["method"], e["description"]) for e in api.errors} == {
        ("editMessageText", "Bad Request: message to edit not found")}
    assert {e["params"]["message_id"] for e in api.errors} == {999_999}


def test_odd_updates_never_stop_the_bot(api: FakeBotAPI, seed_home: Path) -> None:
    with RunningBot(api, seed_home):
        _odd_updates(api)
    # the only refusal: the file Telegram would not serve (the bot told the admin so)
    assert [(e["method"], e["description"]) for e in api.errors] == [("getFile", "Bad Request: invalid file_id")]


def _odd_updates(api: FakeBotAPI) -> None:
    group = {"id": GROUP, "type": "supergroup", "title": "Group"}
    user = {"id": USER, "is_bot": False, "first_name": "U"}
    api.send_text(OTHER, "大家好", chat_id=GROUP, chat_type="supergroup")  # the fake now knows these chats
    reply(api, USER, "/help")
    reply(api, ADMIN, "/help")
    now = int(time.time())
    odd = [
        ("message", None), ("callback_query", None),  # updates that carry nothing
        ("message", {"message_id": 801, "date": now, "chat": group, "from": user,
                     "new_chat_members": [{"id": 77, "is_bot": False, "first_name": "N"}]}),
        ("message", {"message_id": 802, "date": now, "chat": group, "from": user, "location": {"latitude": 31.5,
                                                                                             "longitude": 120.3}}),
        ("message", {"message_id": 803, "date": now, "chat": group, "sender_chat": group,  # no user at all
                     "text": "@policy_test_bot 宜兴发展哪些新赛道?",
                     "entities": [{"type": "mention", "offset": 0, "length": 16}]}),
        ("message", {"message_id": 804, "date": now, "chat": group, "from": user, "text": "宜兴 @policy_test_bot",
                     "entities": [{"type": "mention", "offset": 50, "length": 16},  # entities past the end
                                  {"type": "text_mention", "offset": 0, "length": 2}]}),
        ("message", {"message_id": 805, "date": now, "chat": {"id": USER, "type": "private", "first_name": "U"},
                     "from": user, "sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular",
                                               "width": 1, "height": 1, "is_animated": False, "is_video": False}}),
        ("message", {"message_id": 806, "date": now, "chat": {"id": USER, "type": "private", "first_name": "U"},
                     "from": user, "document": {"file_id": "nosuchfile", "file_unique_id": "x"}}),  # no name, no size
        ("message", {"message_id": 807, "date": now, "chat": {"id": ADMIN, "type": "private", "first_name": "A"},
                     "from": {"id": ADMIN, "is_bot": False, "first_name": "A"},
                     "document": {"file_id": "nosuchfile", "file_unique_id": "x", "file_name": "gone.txt"}}),
        ("message", {"message_id": 808, "date": now, "chat": {"id": ADMIN, "type": "private", "first_name": "A"},
                     "from": {"id": ADMIN, "is_bot": False, "first_name": "A"}, "text": "/add",
                     "entities": [{"type": "bot_command", "offset": 0, "length": 4}],
                     "reply_to_message": {"message_id": 1, "date": now, "chat": {"id": ADMIN, "type": "private"},
                                          "forward_origin": {"type": "hidden_user", "sender_user_name": "某人",
                                                             "date": now}, "sticker": {
                                              "file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1,
                                              "height": 1, "is_animated": False, "is_video": False}}}),
    ]
    since = len(api.calls)
    for kind, payload in odd:
        push_update(api, kind, payload)
    assert_still_answers(api)
    time.sleep(0.5)
    sent = [r for r in api.calls[since:] if r["method"] == "sendMessage"]
    by_chat = {}
    for r in sent:
        by_chat.setdefault(r["params"]["chat_id"], []).append(r["text"])
    assert SORRY not in [t for texts in by_chat.values() for t in texts], by_chat
    assert any(NEW_TRACKS in t for t in by_chat[GROUP])  # the anonymous sender's question was answered
    assert sorted(by_chat[USER]) == sorted([NON_TEXT, NOT_ADMIN])  # sticker; a non-admin's file
    assert sorted(t.split(":")[0] for t in by_chat[ADMIN]) == ["⚠️ 没有添加", "用法"]


HOSTILE_NAMES = ["../../etc/passwd.txt", "..\\..\\..\\evil.txt", "/etc/cron.d/evil.md", "a/../../../b.jsonl",
                 "x\x00y.txt", "<b>&amp;\u202e.txt", ".txt", "名字" * 200 + ".txt", "evil.txt\n/add", "CON.txt",
                 "passwd", "../../.bashrc", "report.TXT.exe", "~/.ssh/authorized_keys.md"]


def test_uploads_with_hostile_names_write_nothing_from_the_name(api: FakeBotAPI, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    home = home_with_seed(tmp_path)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # a relative path from a name would land here

    def files() -> dict[str, int]:
        return {str(p.relative_to(tmp_path)): p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()}

    with RunningBot(api, home):
        reply(api, USER, QUESTION)  # the store and caches exist
        before = files()
        for n, name in enumerate(HOSTILE_NAMES):
            jsonl = name.endswith(".jsonl")
            body = (f'{{"title": "上传测试{n}", "text": "第{n}篇上传测试的正文,讲人才政策。"}}' if jsonl
                    else f"上传测试{n}\n第{n}篇上传测试的正文,讲人才政策。")
            mime = ["application/x-msdownload", "text/plain; charset=utf-7", "../../x", "", None][n % 5]
            since = len(api.calls)
            api.send_document(ADMIN, name, body.encode(), mime_type=mime)
            text = api.wait_for_messages(ADMIN, 1, since=since)[0]["text"]
            suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1][1:] else ""
            if suffix in (".txt", ".md", ".jsonl") and name != ".txt":
                assert f"✅ 已添加 《上传测试{n}》" in text, (name, text)
            else:
                assert text.startswith("⚠️ 没有添加") and "不是 .txt .md .html .jsonl .pdf .docx 文件" in text, (name, text)
        assert_still_answers(api)
        after = files()
    new = {p for p in after if p not in before}
    changed = {p for p in before if p in after and after[p] != before[p]}
    state = str(Path("home") / ".policybot")
    assert all(p.startswith(state) for p in new | changed), new | changed  # only the store changed
    assert not [p for p in after if "passwd" in p or "evil" in p or "bashrc" in p or "authorized" in p]
    api.assert_no_errors()


# ---- load and memory ----------------------------------------------------------------------------

LOAD_QUESTIONS = ["宜兴发展哪些新赛道?", "江阴的高层次人才目标是什么?", "梁溪区如何发展新质生产力?", "锡山有哪些科创举措?",
                  "惠山区的产业集群", "滨湖区特色产业园区规划", "新吴区如何打造集成电路产业", "江阴的绿色发展",
                  "数字经济核心产业营收目标", "低空经济和人形机器人"]


def expected_answers(home: Path, questions: list[str]) -> dict[str, str]:
    """The plain text of the bot's first answer to each question, computed straight from the corpus."""
    corpus = make_corpus(home)
    try:
        chats = corpus.chats()
        return {q: parse_html(answer_page(*chats.page(Query(q), 3), 0, question_key(q)).html)[0].strip()
                for q in questions}
    finally:
        corpus.store.close()


def test_fifty_users_asking_at_once_are_all_answered(api: FakeBotAPI, bot: RunningBot, seed_home: Path) -> None:
    users = range(20_001, 20_051)
    asked = {user: LOAD_QUESTIONS[i % len(LOAD_QUESTIONS)] for i, user in enumerate(users)}
    expected = expected_answers(seed_home, LOAD_QUESTIONS)
    assert all("¶" in text for text in expected.values())
    sent_at = {}
    start = time.monotonic()
    for user, question in asked.items():
        sent_at[user] = time.monotonic()
        api.send_text(user, question)
    latencies = []
    for user, question in asked.items():
        [answer] = api.wait_for_messages(user, 1, timeout=30)
        assert answer["text"] == expected[question], (user, question)
        latencies.append(answer["time"] - sent_at[user])
    total = time.monotonic() - start
    assert api.errors == []
    assert len([r for r in api.calls if r["method"] == "sendMessage"]) == 50  # one answer each, nothing else
    latencies.sort()
    p50, p95 = statistics.median(latencies), latencies[int(0.95 * len(latencies)) - 1]
    print(f"\n50 users at once: all answered in {total:.2f} s; latency p50 {p50:.2f} s, p95 {p95:.2f} s, "
          f"max {latencies[-1]:.2f} s")
    assert total < 20


def _forget_history(api: FakeBotAPI) -> None:
    """Drop what the fake remembers of finished conversations (its own, test-side memory)."""
    with api._cond:
        api._calls.clear()
        api._messages.clear()
        api._chats.clear()
        api._users.clear()
        api._last_message_id.clear()


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _numbered(n: int) -> str:
    """A load question made unique by trailing punctuation spelling `n` in binary (the same answer)."""
    return LOAD_QUESTIONS[n % len(LOAD_QUESTIONS)] + format(n, "b").replace("0", "?").replace("1", "!")


def _policybot_caches() -> list:
    """Every functools cache in policybot's loaded modules."""
    return [obj for name, module in list(sys.modules.items()) if name.startswith("policybot")
            for obj in vars(module).values() if callable(getattr(obj, "cache_parameters", None))]


def _settled_blocks() -> int:
    """Python's allocated memory blocks once in-flight work has finished and garbage is collected:
    read until two readings 0.3 s apart agree (on a loaded machine the bot may still be finishing
    the last replies; a leak stays in every reading)."""
    # Per-question caches (a question's answer type, normalized texts) fill up to their maxsize over
    # 2,000 new questions; they are bounded by it (asserted below), so they are emptied before each
    # reading and only what outlives them counts. The one-entry caches hold data files: kept.
    for cached in _policybot_caches():
        if cached.cache_parameters()["maxsize"] != 1:
            cached.cache_clear()
    last = -1
    for _ in range(20):
        time.sleep(0.3)
        gc.collect()
        blocks = sys.getallocatedblocks()
        if abs(blocks - last) < 100:
            return blocks
        last = blocks
    return last


@pytest.mark.slow
def test_memory_stays_flat_over_2000_questions(api: FakeBotAPI, tmp_path: Path) -> None:
    """2,304 different questions from as many different users, 16 at a time, answered correctly; then
    Python's count of allocated memory blocks is what it was after the first 304 (a leak of one object
    per question or per user would add 2,000), and RSS grows by a few MiB at most.

    The stores kept for buttons and throttling are capped low here so that they are full after the
    warm-up: their caps are what bounds them (see test_button_and_throttle_state_is_capped)."""
    home = home_with_seed(tmp_path)
    warmup, measured, window = 304, 2000, 16
    running = RunningBot(api, home, throttle=Throttle(max_users=100))
    state_of(running.app).questions = bot_state.Recent(max_items=200)
    state_of(running.app).chats.turns = Conversations(max_chats=200)
    running.app.bot.rate_limiter._base_limiter = None  # Telegram's 30 messages/s would make this take minutes
    started = time.monotonic()
    with running:
        expected = expected_answers(home, LOAD_QUESTIONS)
        for n in range(0, warmup + measured, window):
            if n == warmup:
                blocks_before, rss_before = _settled_blocks(), _rss_kb()
            users = range(100_000 + n, 100_000 + n + window)
            for user in users:
                api.send_text(user, _numbered(user))
            for user in users:
                [answer] = api.wait_for_messages(user, 1, timeout=30)
                head, body = answer["text"].split("\n\n", 1)
                assert head == f"🔎 {_numbered(user)}"
                assert body == expected[LOAD_QUESTIONS[user % len(LOAD_QUESTIONS)]].split("\n\n", 1)[1], user
            assert api.errors == []
            _forget_history(api)
        blocks_after, rss_after = _settled_blocks(), _rss_kb()
        state = state_of(running.app)
        assert len(state.questions) == 200 and len(state.throttle._users) <= 100 and len(state.chats.turns) == 200
        assert not running.app.user_data and not running.app.chat_data
    print(f"\nmemory over {measured} questions after a warm-up of {warmup} ({time.monotonic() - started:.1f} s): "
          f"{blocks_after - blocks_before:+d} allocated blocks ({blocks_before} -> {blocks_after}), "
          f"RSS {rss_before / 1024:.1f} -> {rss_after / 1024:.1f} MiB")
    assert all(c.cache_parameters()["maxsize"] is not None for c in _policybot_caches())  # all bounded
    assert blocks_after - blocks_before < 1500
    assert rss_after - rss_before < 16 * 1024


def test_button_and_throttle_state_is_capped() -> None:
    questions = bot_state.Recent()  # the bot's defaults
    for n in range(bot_state.REMEMBERED + 500):
        questions.remember(question_key(str(n)), f"{n}" + "问" * (4096 - len(str(n))))  # Telegram's longest
    assert len(questions) <= bot_state.REMEMBERED and questions.chars <= bot_state.REMEMBERED_CHARS
    assert questions.get(question_key(str(bot_state.REMEMBERED + 499))) is not None  # the newest are kept
    short = bot_state.Recent(max_items=3)
    for n in range(10):
        short.remember(f"k{n}", "问题")
    short.remember("k7", "问题")  # used again: now the newest
    short.remember("k10", "问题")
    assert [short.get(f"k{n}") is not None for n in (7, 8, 9, 10)] == [True, False, True, True]
    undo = bot_state.Recent(max_items=10, max_chars=100)
    undo.remember("u1", ["a" * 30, "b" * 30])
    undo.remember("u2", ["c" * 30])
    assert undo.pop("u1") == ["a" * 30, "b" * 30] and undo.pop("u1") is None and undo.chars == 30
    throttle = Throttle()
    for user in range(3 * bot_state.THROTTLED_USERS):
        assert throttle.reserve(user) == 0.0
        throttle.release(user)
    assert len(throttle._users) <= bot_state.THROTTLED_USERS
    turns = Conversations()  # the bot's defaults, one turn per chat
    for chat in range(MAX_CHATS + 500):
        turns.put(chat, Turn(Query(f"{chat}" + "问" * (4096 - len(str(chat)))), at=0))
    assert len(turns) <= MAX_CHATS and turns.chars <= MAX_CHARS and turns.get(MAX_CHATS + 499, now=1) is not None


# ---- rendering ----------------------------------------------------------------------------------

_chars = st.characters(blacklist_categories=("Cs",))  # anything JSON can carry
_long = st.builds(lambda piece, times: piece * times, st.text(_chars, min_size=1, max_size=12), st.integers(200, 600))
_text = st.text(_chars, max_size=200) | _long | st.sampled_from(
    ["", " ", "\n\n", "&", "&amp;", "&#0;", "<b>", "</b>", "<a href='x'>", "\u202e", "\x00", "😀" * 2100, "🇨🇳"])
_maybe = st.none() | _text
_urls = st.none() | _text | st.sampled_from([
    "https://www.gov.cn/a?x=1&y=<2>", 'https://x.cn/"><script>alert(1)</script>', "https://x.cn/a&amp;b",
    "javascript:alert(1)", "http://例子.中国/路径?q=政策", "https://x.cn/a b", "http://[::1]:8080/x", "http://[x.y/",
    "http://[::1/", "https://x.cn/\n", "HTTPS://X.CN/", "ftp://x.cn/", "tg://resolve?domain=x", "https://.", "https://a.b",
    "https://x.cn/" + "长" * 3000, "http://x.cn:99999/", "https://user:pw@x.cn/", "https://x.cn/%zz", "//x.cn/a",
]) | st.builds(lambda scheme, host, rest: f"{scheme}://{host}{rest}",
               st.sampled_from(["http", "https", "HTTP", "file", "data", "tg", ""]), st.text(_chars, max_size=20),
               st.text(_chars, max_size=40))
_ids = st.text(_chars, min_size=1, max_size=40)


@st.composite
def passage_rows(draw: Any, n: int) -> list[PassageRow]:
    article, title, url = draw(_ids), draw(_text), draw(_urls)
    source, date, origin = draw(_maybe), draw(_maybe), draw(_maybe)
    return [PassageRow(draw(st.integers(1, 2**62)), article, ordinal, tuple(draw(st.lists(_text, max_size=4))),
                       draw(_text), title, source, date, url, origin) for ordinal in range(1, n + 1)]


@st.composite
def article_rows(draw: Any) -> ArticleRow:
    return ArticleRow(draw(_ids), draw(_text), draw(_maybe), draw(_maybe), draw(_urls), draw(_maybe), "h", 0.0,
                      draw(_maybe), draw(st.integers(0, 10**6)))


def assert_valid_message(html: str) -> None:
    plain, _ = parse_html(html)  # raises on any tag, entity or link Telegram (or the stricter fake) rejects
    assert utf16_len(plain) <= 4096
    assert plain.strip(" \t\r\n"), "Telegram refuses an empty message"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(question=_text, rows=st.integers(0, 8).flatmap(passage_rows), snippets=st.lists(_text, min_size=8, max_size=8),
       matched=st.lists(_text, max_size=5), duplicates=st.integers(0, 10**9), page=st.integers(0, 100),
       articles=st.lists(article_rows(), max_size=20), added=st.lists(st.builds(
           AddResult, st.sampled_from(["added", "replaced", "duplicate", "conflict", "<b>&"]), _ids, _text, _maybe,
           st.integers(0, 10**6), _text), max_size=20), examples=st.lists(_text, max_size=4),
       counts=st.lists(st.integers(0, 10**12), min_size=5, max_size=5), newest=_maybe, admin=st.booleans())
def test_every_telegram_renderer_gives_valid_html_within_limits_for_any_text_and_urls(
        question: str, rows: list[PassageRow], snippets: list[str], matched: list[str], duplicates: int, page: int,
        articles: list[ArticleRow], added: list[AddResult], examples: list[str], counts: list[int],
        newest: str | None, admin: bool) -> None:
    results = [Result(i, 1.0, row, snippets[i - 1] or row.text, tuple(matched), duplicates=duplicates)
               for i, row in enumerate(rows, 1)]
    messages = [render.telegram_answer(Answer(question, results)), render.telegram_answer(Answer(question, [])),
                render.telegram_question(question), render.telegram_added(added),
                render.telegram_not_added(FetchError(question, question)), render.telegram_not_added(StoreError(question)),
                render.telegram_sources(articles, min(page, max(0, (len(articles) - 1) // 8)), 8),
                render.telegram_welcome(counts[0], newest, examples, admin, counts[1] % 100),
                render.telegram_stats({"articles": counts[0], "passages": counts[1], "characters": counts[2],
                                       "oldest": newest, "newest": newest, "terms": counts[3],
                                       "index_segments": counts[4], "store_bytes": counts[4]}),
                render.telegram_unreadable_file(question), render.telegram_file_too_big(question, counts[0], counts[1]),
                render.telegram_download_refused(question), render.telegram_download_over_limit(counts[2]),
                render.telegram_no_such_article(question), render.telegram_undone(counts[3])]
    messages += [render.telegram_removed(article) for article in articles]
    messages += [render.telegram_answer(Answer(question, results), note=question),
                 render.telegram_unanswered([Unanswered(question, counts[0], 0.0)] * (counts[1] % 30))]
    messages += [render.inline_message(question, r) for r in results]
    messages += [render.inline_article_message(a, rows[0] if rows else None) for a in articles]
    for r in results:  # an inline result's title is required and plain; its description plain
        assert render.inline_title(r).strip() and len(render.inline_title(r)) <= render.INLINE_TITLE_CHARS
        assert len(render.inline_description(r.passage)) <= 160
    for row in rows:
        messages.append(render.telegram_passage(rows, row.id))
        citation = render.telegram_citation(row)
        parse_html(citation)
        if row.url and render.tg_safe_url(row.url):  # a usable link is kept, exactly
            assert any(e.get("url") == row.url for e in parse_html(citation)[1])
    for html in messages:
        assert_valid_message(html)
    plain = parse_html(messages[0])[0]
    shown = " ".join(question.split())
    assert plain.startswith("🔎 " + (shown if len(shown) <= render.TG_QUESTION_CHARS else "")), "question first"
    if rows and all(utf16_len(parse_html(m)[0]) < 4000 for m in messages[:1]):
        assert plain.count("¶") >= len(rows), "every result is cited"

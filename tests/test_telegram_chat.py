"""The bot in a chat, end to end against the fake Bot API: follow-up questions, groups, 👍/👎 feedback,
/unanswered, and button floods that must not slow anyone else down."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from conftest import make_corpus
from fakebotapi import FakeBotAPI
from policybot.bot.state import Throttle, state_of
from telegram_harness import (ADMIN, GROUP, NEW_TRACKS, OFF_TOPIC, OTHER, QUESTION, USER, RunningBot, buttons,
                              forge_press, press, reply, say)

FOLLOWED_AS = "按「{}」回答"


@pytest.fixture
def bot(api: FakeBotAPI, seed_home: Path):
    """The bot over the seed home, with room for a conversation's quick succession of questions
    (the default throttle would answer the fourth one with "请稍候" first)."""
    with RunningBot(api, seed_home, throttle=Throttle(burst=20)) as running:
        yield running
    api.assert_no_errors()


def first_result(message: dict) -> str:
    """The first result block of an answer (after the question line and its note)."""
    return next(block for block in message["text"].split("\n\n") if block.startswith("1. "))


# ---- follow-ups -----------------------------------------------------------------------------------


def test_follow_ups_swap_the_place_and_say_which_question_was_answered(api: FakeBotAPI, bot: RunningBot) -> None:
    assert NEW_TRACKS in first_result(reply(api, USER, QUESTION))
    liangxi = reply(api, USER, "那梁溪呢?")
    assert liangxi["text"].startswith("🔎 梁溪发展哪些新赛道?\n" + FOLLOWED_AS.format("梁溪发展哪些新赛道?"))
    first = first_result(liangxi)
    assert "梁溪 › " in first and "¶13" in first and "低空经济" in first
    binhu = reply(api, USER, "滨湖呢")
    assert FOLLOWED_AS.format("滨湖发展哪些新赛道?") in binhu["text"]
    first = first_result(binhu)
    assert "滨湖 › " in first and "¶25" in first and "低空经济" in first
    # A full question after a follow-up is answered on its own: as a fresh chat gets it.
    full = "江阴的高层次人才目标是什么?"
    after = reply(api, USER, full)
    assert "按「" not in after["text"]
    assert after["text"] == reply(api, OTHER, full)["text"]


def test_more_and_an_item_number_continue_the_previous_answer(api: FakeBotAPI, bot: RunningBot) -> None:
    answer = reply(api, USER, QUESTION)
    more = reply(api, USER, "还有呢?")
    assert "「宜兴发展哪些新赛道?」的第 4–6 条" in more["text"]
    assert more["text"].split("\n\n")[1].startswith("4. ")
    second = answer["text"].split("\n\n")[2]
    opened = reply(api, USER, "第二条详细说说")
    paragraph = second.rsplit("¶", 1)[1]
    quote = next(e for e in opened["result"]["entities"] if e["type"] == "blockquote")
    quoted = opened["text"].encode("utf-16-le")[2 * quote["offset"]:2 * (quote["offset"] + quote["length"])]
    assert quoted.decode("utf-16-le").startswith(f"¶{paragraph} ")
    assert "没有第 9 条" in reply(api, USER, "第九条")["text"]


def test_pressing_more_lets_a_later_item_number_name_the_new_results(api: FakeBotAPI, bot: RunningBot) -> None:
    answer = reply(api, USER, QUESTION)
    since = len(api.calls)
    press(api, USER, answer, "更多 ›")
    api.wait_for(lambda r: r["method"] == "editMessageText" and r["ok"], since=since)
    assert "没有第" not in reply(api, USER, "第四条")["text"]


def test_more_with_nothing_before_says_to_ask_first(api: FakeBotAPI, bot: RunningBot) -> None:
    assert reply(api, USER, "还有呢?")["text"].startswith("还没有上一个问题可以接着说")
    # "那梁溪呢?" with nothing before is a question of its own (梁溪's opening paragraph), not a follow-up.
    alone = reply(api, USER, "那梁溪呢?")
    assert "按「" not in alone["text"] and "梁溪" in first_result(alone)


def test_a_follow_ups_more_button_pages_through_the_same_place(api: FakeBotAPI, bot: RunningBot) -> None:
    reply(api, USER, QUESTION)
    binhu = reply(api, USER, "滨湖呢")
    since = len(api.calls)
    press(api, USER, binhu, "更多 ›")
    edited = api.wait_for(lambda r: r["method"] == "editMessageText" and r["ok"], since=since)
    blocks = [b for b in edited["result"]["text"].split("\n\n")[1:] if b[:1].isdigit()]
    assert blocks and blocks[0].startswith("4. ") and all("滨湖 › " in b for b in blocks)
    assert FOLLOWED_AS.format("滨湖发展哪些新赛道?") in edited["result"]["text"]


def test_a_conversation_is_forgotten_after_a_while(api: FakeBotAPI, bot: RunningBot) -> None:
    reply(api, USER, QUESTION)
    state_of(bot.app).chats.turns.ttl = 0.0  # as if 30 minutes had passed
    time.sleep(0.05)
    assert "按「" not in reply(api, USER, "那梁溪呢?")["text"]


# ---- groups ---------------------------------------------------------------------------------------


def test_in_groups_only_addressed_messages_are_answered_and_each_user_has_a_context(api: FakeBotAPI,
                                                                                  bot: RunningBot) -> None:
    group = {"chat_id": GROUP, "chat_type": "group"}
    asked = reply(api, USER, f"/ask {QUESTION}", **group)
    since = len(api.calls)
    for text in ("那梁溪呢?", "滨湖呢", QUESTION, "还有呢?"):  # not addressed to the bot: ignored
        api.send_text(USER, text, **group)
    mine = reply(api, USER, "那梁溪呢?", reply_to_message_id=asked["result"]["message_id"], **group)
    sent = [r for r in api.calls[since:] if r["method"] == "sendMessage"]
    assert len(sent) == 1 and FOLLOWED_AS.format("梁溪发展哪些新赛道?") in mine["text"]
    assert "¶13" in first_result(mine)
    # Another member replying the same words has asked nothing before: not a follow-up of USER's question.
    theirs = reply(api, OTHER, "那梁溪呢?", reply_to_message_id=asked["result"]["message_id"], **group)
    assert "按「" not in theirs["text"]
    help_text = reply(api, USER, "/help", **group)["text"]
    assert "在群里" in help_text and "其他消息一概不看" in help_text and "那梁溪呢?" in help_text


# ---- feedback -------------------------------------------------------------------------------------


def test_thumbs_are_stored_and_exported(api: FakeBotAPI, bot: RunningBot, seed_home: Path,
                                        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    answer = reply(api, USER, QUESTION)
    assert {"👍 有用", "👎 没用"} <= set(buttons(answer))
    assert press(api, USER, answer, "👍 有用")["params"]["text"].startswith("谢谢")
    followed = reply(api, USER, "那梁溪呢?")
    assert press(api, USER, followed, "👎 没用")["ok"]
    ratings = list(make_corpus(seed_home).feedback.ratings())
    assert [(r.question, r.paragraph, r.rating, r.chat_id) for r in ratings] == [
        (QUESTION, 9, 1, USER), ("梁溪发展哪些新赛道?", 13, -1, USER)]
    from conftest import scrub_environ
    from policybot.cli import main

    scrub_environ(monkeypatch)
    assert main(["--home", str(seed_home), "feedback", "export"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [set(line) for line in lines] == [{"q", "article_id", "paragraph", "rating", "at"}] * 2
    assert [(line["q"], line["paragraph"], line["rating"]) for line in lines] == [
        (QUESTION, 9, 1), ("梁溪发展哪些新赛道?", 13, -1)]
    assert lines[0]["article_id"] == ratings[0].article_id and lines[0]["at"].endswith("Z")


def test_unanswered_questions_are_counted_for_admins(api: FakeBotAPI, bot: RunningBot) -> None:
    for user in (USER, OTHER):
        reply(api, user, OFF_TOPIC)
    reply(api, USER, "长城有多长?")
    reply(api, USER, QUESTION)  # answered: not counted
    assert reply(api, USER, "/unanswered")["text"].startswith("抱歉,只有管理员")
    listing = reply(api, ADMIN, "/unanswered")["text"].splitlines()
    assert listing[1].startswith("2 次") and listing[1].endswith(OFF_TOPIC)
    assert listing[2].startswith("1 次") and listing[2].endswith("长城有多长?")
    assert QUESTION not in "\n".join(listing)


# ---- throttling that holds --------------------------------------------------------------------------


def test_a_flood_of_forged_presses_costs_its_sender_only(api: FakeBotAPI, seed_home: Path) -> None:
    throttle = Throttle(rate=1.0, burst=3, max_pending=2)
    with RunningBot(api, seed_home, throttle=throttle):
        answer = reply(api, USER, QUESTION)
        more = buttons(answer)["更多 ›"]
        since, started = len(api.calls), time.monotonic()
        for _ in range(500):
            forge_press(api, USER, answer, more)
        other = say(api, OTHER, QUESTION, timeout=30)[0]
        assert NEW_TRACKS in other["text"]
        time.sleep(3)  # let the few presses let through finish
        elapsed = time.monotonic() - started
        flood = [r for r in api.calls[since:] if r["params"].get("chat_id") == USER
                 or r["method"] == "answerCallbackQuery"]
        searched = [r for r in flood if r["method"] == "editMessageText"]
        answered = [r for r in flood if r["method"] == "answerCallbackQuery"]
        # What the limit lets through: the two tokens left after the question, one a second since,
        # and the two that may wait; every other press was dropped without a search or a Bot API
        # call, but for one "slow down" per streak of dropped presses.
        assert 1 <= len(searched) <= 2 + int(elapsed * throttle.rate) + throttle.max_pending < 100
        assert len(answered) <= 2 * len(searched) + 1
        assert sum(1 for r in answered if r["params"].get("text") == "点得太快了,请稍等一下再点。") >= 1
    # The presses let through ask for the same page again: Telegram refuses an identical edit, which the
    # bot takes as a double tap. Nothing else was refused.
    assert all("message is not modified" in e["description"] for e in api.errors)


def test_the_throttle_lets_presses_through_on_the_questions_budget() -> None:
    throttle = Throttle(rate=0.001, burst=2, max_pending=5)
    assert throttle.reserve(1) == 0.0 and throttle.reserve(1) == 0.0
    assert throttle.reserve(1) > 0  # a third waits its turn ...
    assert throttle.take(1) is False  # ... and an inline query is simply not answered
    assert throttle.tell_refused(1) and not throttle.tell_refused(1)  # "slow down" once per streak
    assert throttle.take(2) and throttle.take(2) and not throttle.take(2)  # other users have their own

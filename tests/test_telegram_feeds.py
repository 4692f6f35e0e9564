"""The bot follows sources: its JobQueue checks feeds, two subscribers get alerts once, across a restart.

The real Application runs against the strict fake Bot API (tests/fakebotapi.py), the feeds come
from the test news site (tests/feedserver.py), and the check runs every 1.2 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fakebotapi import FakeBotAPI, parse_html
from feedserver import FeedServer
from policybot.bot.state import state_of
from policybot.config import Settings
from policybot.errors import ConfigError
from policybot.feedstore import FeedStore
from policybot.bot.texts import NOT_ADMIN
from telegram_harness import ADMIN, OTHER, QUESTION, USER, RunningBot, reply

#: The site is on 127.0.0.1: fetching it needs the opt-out of the rule against private addresses.
LOCAL = {"POLICYBOT_ALLOW_PRIVATE_URLS": "1"}
FAST = {"POLICYBOT_FEED_INTERVAL": "0.02", "POLICYBOT_URL_TIMEOUT": "30", **LOCAL}
GROWING = "/feeds/growing.xml"


def _until(condition: Callable[[], bool], timeout: float = 60) -> None:
    """Wait until `condition()` holds (checked ten times a second)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def _checks_seen(site: FeedServer, count: int) -> None:
    """Wait until the site has answered `count` more requests for the growing feed (the job ran)."""
    target = len(site.hits_of(GROWING)) + count
    _until(lambda: len(site.hits_of(GROWING)) >= target)


def _is_alert(record: dict, chat: int) -> bool:
    return (record["method"] == "sendMessage" and record["ok"] and record["result"]["chat"]["id"] == chat
            and record["text"].startswith("🔔 订阅提醒"))


def _alerts(api: FakeBotAPI, chat: int, since: int = 0) -> list[dict]:
    return [r for r in api.calls[since:] if _is_alert(r, chat)]


def _next_alert(api: FakeBotAPI, chat: int, since: int) -> dict:
    return api.wait_for(lambda r: _is_alert(r, chat), timeout=60, since=since)


def test_feeds_are_checked_and_each_subscriber_is_alerted_once(api: FakeBotAPI, site: FeedServer,
                                                                seed_home: Path) -> None:
    with RunningBot(api, seed_home, env=FAST) as bot:
        assert NOT_ADMIN in reply(api, USER, f"/feed_add {site.url(GROWING)}")["text"]
        added = reply(api, ADMIN, f"/feed_add {site.url(GROWING)} 滚动新闻")["text"]
        assert "已关注 滚动新闻" in added and "RSS" in added
        assert "已订阅「低空经济」" in reply(api, USER, "/subscribe 低空经济")["text"]
        assert "已订阅" in reply(api, OTHER, "/subscribe 氢能产业园")["text"]
        assert "已订阅" in reply(api, OTHER, "/subscribe 无人机")["text"]
        _checks_seen(site, 2)  # a9 (人工智能) taken: it matches no subscription
        assert len(bot.corpus.articles()) == 2 and not _alerts(api, USER) and not _alerts(api, OTHER)

        site.grow("a5", "a2")
        user_alert = _next_alert(api, USER, 0)
        other = [r["text"] for r in api.wait_for_messages(OTHER, 4, timeout=60)[2:]]  # after two replies
        text = user_alert["text"]
        assert "低空经济" in text and "锡山区" in text and "《锡山区首个低空飞行服务站投入运营》" in text
        assert "滚动新闻" in text and "2024-07-08" in text
        link = next(e for e in user_alert["result"]["entities"] if e["type"] == "text_link")
        assert link["url"] == site.url("/news/a5.html")
        assert any("江阴氢能产业园" in t for t in other) and any("无人机" in t and "锡山区" in t for t in other)
        assert "已获取 3 篇" in reply(api, ADMIN, "/feeds")["text"]
        _checks_seen(site, 2)
    sent_before_restart = len(api.calls)
    fetched_before_restart = list(site.fetched_articles())

    with RunningBot(api, seed_home, env=FAST) as bot:
        _checks_seen(site, 3)
        assert not _alerts(api, USER, sent_before_restart) and not _alerts(api, OTHER, sent_before_restart)
        assert site.fetched_articles() == fetched_before_restart  # nothing fetched twice
        assert site.hits_of(GROWING)[-1].status == 304

        site.grow("a8")
        assert "新吴区" in _next_alert(api, USER, sent_before_restart)["text"]
        assert "新吴区" in _next_alert(api, OTHER, sent_before_restart)["text"]

        api.block(OTHER)  # the second subscriber blocks the bot
        site.grow("a1")
        since = len(api.calls)
        assert "无锡出台低空经济" in _next_alert(api, USER, since)["text"]
        _until(lambda: len(api.forbidden) >= 1 and not bot.corpus.alerts.subscriptions(OTHER))
        assert [s.query for s in bot.corpus.alerts.subscriptions(USER)] == ["低空经济"]
    assert [len(_alerts(api, USER)), len(_alerts(api, OTHER))] == [3, 3]  # a5; a8; a1 — a2, a5; a8
    api.assert_no_errors()


def test_questions_are_answered_while_a_check_is_busy(api: FakeBotAPI, site: FeedServer, seed_home: Path) -> None:
    site.hold(GROWING)
    with RunningBot(api, seed_home, env=FAST) as bot:
        # Straight into the store: /feed_add reads the feed first, and it is held.
        FeedStore(bot.corpus.store).add_feed("滚动新闻", site.url(GROWING))
        _until(lambda: site.waiting(GROWING) > 0)
        answer = reply(api, USER, QUESTION, timeout=30)
        assert "合成生物" in answer["text"]
        assert site.waiting(GROWING) > 0 and state_of(bot.app).feeds_checking  # the check still waits
        site.release(GROWING)
        _until(lambda: len(bot.corpus.articles()) == 2)
    api.assert_no_errors()


def test_subscription_commands(api: FakeBotAPI, site: FeedServer, seed_home: Path) -> None:
    with RunningBot(api, seed_home, env={"POLICYBOT_FEED_INTERVAL": "0", **LOCAL}) as bot:
        assert bot.app.job_queue.jobs() == ()  # 0 turns the checks off
        assert "用法" in reply(api, USER, "/subscribe")["text"]
        reply(api, USER, "/subscribe 低空经济 <b>&")
        reply(api, USER, "/subscribe 人才政策")
        listing = reply(api, USER, "/subscriptions")["text"]
        assert "1. 低空经济 <b>&" in listing and "2. 人才政策" in listing
        assert "已经订阅了 '人才政策'" in reply(api, USER, "/subscribe 人才政策")["text"]
        assert "已取消订阅「人才政策」" in reply(api, USER, "/unsubscribe 2")["text"]
        assert "没有成功" in reply(api, USER, "/unsubscribe 9")["text"]
        group = reply(api, USER, "/subscribe 低空经济", chat_id=-5005, chat_type="group")
        assert "私聊" in group["text"]
        assert "还没有关注" in reply(api, ADMIN, "/feeds")["text"]
        assert "用法" in reply(api, ADMIN, "/feed_add")["text"]
        refused = reply(api, ADMIN, f"/feed_add {site.url('/feeds/broken.xml')}")["text"]
        assert "没有成功" in refused and "500" in refused
        plain, _ = parse_html(api.calls[-1]["params"]["text"])
        assert plain == refused
    api.assert_no_errors()


@pytest.mark.parametrize("value, minutes", [("", 30.0), ("0", 0.0), ("0.5", 0.5), ("1440", 1440.0)])
def test_feed_interval_setting(value: str, minutes: float, tmp_path: Path) -> None:
    assert Settings.from_env(env={"POLICYBOT_FEED_INTERVAL": value}, home=tmp_path).feed_interval == minutes


@pytest.mark.parametrize("value", ["-1", "half an hour", "nan", "100000"])
def test_a_bad_feed_interval_is_one_line_with_a_hint(value: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="POLICYBOT_FEED_INTERVAL.*minutes — set POLICYBOT_FEED_INTERVAL to e.g. 30"):
        Settings.from_env(env={"POLICYBOT_FEED_INTERVAL": value}, home=tmp_path)

"""Subscriptions matched against the articles feeds bring: the same search, only over what just arrived."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_corpus
from feedserver import FeedServer
from policybot import render
from policybot.corpus import Corpus
from policybot.errors import InputError, NotFoundError
from policybot.alerts import MAX_SUBSCRIPTIONS

A, B = 1001, 2002  # two subscribers' chats


@pytest.fixture
def seed_corpus(seed_home: Path) -> Corpus:
    """The seed corpus, fetching from the test site on 127.0.0.1 as an intranet deployment would."""
    corpus = make_corpus(seed_home, allow_private_urls=True)
    corpus.sync()
    return corpus


def _article_id(corpus: Corpus, title_part: str) -> str:
    return next(row.id for row in corpus.articles() if title_part in row.title)


def test_ask_restricted_to_articles_uses_the_same_search_and_no_answer_rule(site: FeedServer,
                                                                           seed_corpus: Corpus) -> None:
    seed_corpus.feeds.add(site.url("/feeds/growing.xml"))
    site.grow("a5")
    seed_corpus.feeds.update()
    a5, seed = _article_id(seed_corpus, "低空飞行服务站"), _article_id(seed_corpus, "新质")
    everywhere = seed_corpus.ask("无人机配送航线", 3)
    only_new = seed_corpus.ask("无人机配送航线", 3, article_ids=[a5])
    assert only_new.results and {r.passage.article_id for r in only_new.results} == {a5}
    assert only_new.results[0].passage.id == everywhere.results[0].passage.id
    assert only_new.results[0].score == pytest.approx(everywhere.results[0].score)
    # The seed answers this; the new articles do not, and the "no answer" rule says so.
    assert seed_corpus.ask("宜兴发展哪些新赛道?", 3).results[0].passage.article_id == seed
    assert seed_corpus.ask("宜兴发展哪些新赛道?", 3, article_ids=[a5]).results == []
    assert seed_corpus.ask("无人机配送航线", 3, article_ids=[]).results == []
    assert seed_corpus.ask("无人机配送航线", 3, article_ids=["no-such-article"]).results == []


def test_each_subscriber_is_alerted_once_with_the_passages_of_matching_new_articles(site: FeedServer,
                                                                                    seed_corpus: Corpus) -> None:
    seed_corpus.feeds.add(site.url("/feeds/growing.xml"))
    low = seed_corpus.alerts.subscribe(A, A, "低空经济")
    hydrogen = seed_corpus.alerts.subscribe(B, B, "氢能产业园")
    seed_corpus.feeds.update()  # a9 (人工智能) matches neither
    quiet = seed_corpus.alerts.due()
    assert len(quiet) == 2 and not any(a.worth_sending for a in quiet)
    assert all(seed_corpus.alerts.claim(a) for a in quiet)  # moved past a9 without a message
    assert seed_corpus.alerts.due() == []

    site.grow("a5", "a2")
    seed_corpus.feeds.update()
    due = {a.subscription.id: a for a in seed_corpus.alerts.due()}
    assert set(due) == {low.id, hydrogen.id}
    assert due[low.id].article_ids == (_article_id(seed_corpus, "低空飞行服务站"),)
    assert due[hydrogen.id].article_ids == (_article_id(seed_corpus, "氢能产业园"),)
    assert "低空" in due[low.id].answer.results[0].passage.text
    assert all(seed_corpus.alerts.claim(a) for a in due.values())
    assert not seed_corpus.alerts.claim(due[low.id])  # recorded once: never sent twice
    assert seed_corpus.alerts.due() == []
    assert make_corpus(seed_corpus.settings.home).alerts.due() == []  # nor by another process


def test_a_failed_send_is_released_and_due_again(site: FeedServer, seed_corpus: Corpus) -> None:
    seed_corpus.feeds.add(site.url("/feeds/growing.xml"))
    seed_corpus.alerts.subscribe(A, A, "低空经济")
    site.grow("a5")
    seed_corpus.feeds.update()
    [alert] = seed_corpus.alerts.due()
    assert seed_corpus.alerts.claim(alert)
    seed_corpus.alerts.release(alert)
    [again] = seed_corpus.alerts.due()
    assert again.article_ids == alert.article_ids and again.worth_sending


def test_a_new_subscription_sees_only_what_arrives_after_it(site: FeedServer, seed_corpus: Corpus) -> None:
    seed_corpus.feeds.add(site.url("/feeds/growing.xml"))
    site.grow("a5")
    seed_corpus.feeds.update()
    seed_corpus.alerts.subscribe(A, A, "低空经济")
    assert seed_corpus.alerts.due() == []
    site.grow("a8")
    seed_corpus.feeds.update()
    [alert] = seed_corpus.alerts.due()
    assert alert.article_ids == (_article_id(seed_corpus, "产业园签约"),)


def test_subscriptions_are_bounded_and_removed_by_number_or_text(seed_corpus: Corpus) -> None:
    alerts = seed_corpus.alerts
    for n in range(MAX_SUBSCRIPTIONS):
        alerts.subscribe(A, A, f"话题{n}")
    with pytest.raises(InputError, match="subscriptions"):
        alerts.subscribe(A, A, "再多一个")
    with pytest.raises(InputError, match="already"):
        alerts.subscribe(A, A, "  话题1 ")
    with pytest.raises(InputError, match="empty"):
        alerts.subscribe(B, B, "   ")
    alerts.subscribe(B, B, "话题1")  # another chat has its own list
    assert alerts.unsubscribe(A, "2").query == "话题1"
    assert alerts.unsubscribe(A, "话题5").query == "话题5"
    with pytest.raises(NotFoundError):
        alerts.unsubscribe(A, "话题1")
    with pytest.raises(NotFoundError):
        alerts.unsubscribe(A, "99")
    assert len(alerts.subscriptions(A)) == MAX_SUBSCRIPTIONS - 2
    assert [s.query for s in alerts.subscriptions(B)] == ["话题1"]
    assert alerts.drop_chat(A) == MAX_SUBSCRIPTIONS - 2 and alerts.subscriptions(A) == []


def test_alerts_render_escaped_and_within_telegram_limits(site: FeedServer, seed_corpus: Corpus) -> None:
    seed_corpus.feeds.add(site.url("/feeds/growing.xml"))
    seed_corpus.alerts.subscribe(A, A, "低空经济 <b>&")
    site.grow("a5")
    seed_corpus.feeds.update()
    [alert] = seed_corpus.alerts.due()
    html = render.telegram_alert(alert)
    assert "&lt;b&gt;&amp;" in html and "<b>&" not in html
    assert render.tg_len(html) <= render.TG_MAX_MESSAGE and "锡山区" in render.tg_plain(html)
    assert "低空经济" in render.alert_text(alert) and "== chat 1001" in render.alert_text(alert)

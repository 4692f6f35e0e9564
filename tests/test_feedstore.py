"""The feed tables in the real SQLite store: created on first use, kept across reopening."""

from __future__ import annotations

from pathlib import Path

import pytest

from policybot.feedstore import FeedStore, ItemStatus
from policybot.store import SCHEMA_VERSION, Store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / ".policybot" / "store.sqlite3"


def test_tables_appear_on_first_use_without_changing_the_version_or_the_generation(db: Path) -> None:
    store = Store(db)
    generation = store.generation()
    feeds = FeedStore(store)
    feeds.add_feed("无锡发布", "http://a.example/rss.xml")
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.generation() == generation  # feed bookkeeping never makes readers reload the index
    store.close()
    again = FeedStore(Store(db))
    assert [f.name for f in again.feeds()] == ["无锡发布"]


def test_names_and_urls_are_unique_and_feeds_are_found_by_either(db: Path) -> None:
    feeds = FeedStore(Store(db))
    first = feeds.add_feed("a", "http://a.example/rss.xml")
    assert first is not None and first.taken == 0 and first.checked_at is None
    assert feeds.add_feed("a", "http://b.example/rss.xml") is None
    assert feeds.add_feed("b", "http://a.example/rss.xml") is None
    assert feeds.find_feed("a") == first and feeds.find_feed("http://a.example/rss.xml") == first
    assert feeds.find_feed("nope") is None
    feeds.remove_feed(first.id)
    assert feeds.feeds() == []


def test_a_claim_keeps_a_second_checker_off_until_released_or_expired(db: Path) -> None:
    one, two = FeedStore(Store(db)), FeedStore(Store(db))
    feed = one.add_feed("a", "http://a.example/rss.xml")
    assert feed is not None
    assert one.claim(feed.id, 60) and not two.claim(feed.id, 60)
    one.record_check(feed.id, kind="rss", etag='"v1"', last_modified="Wed, 10 Jul 2024 08:00:00 GMT",
                     error=None, taken=2)
    assert two.claim(feed.id, -1)  # released; and this claim expires at once
    assert one.claim(feed.id, 60)
    one.record_check(feed.id, kind=None, etag='"v1"', last_modified=None, error="boom", taken=0)
    row = two.find_feed("a")
    assert row is not None
    assert (row.kind, row.etag, row.last_modified, row.taken, row.last_error) == ("rss", '"v1"', None, 2, "boom")
    assert row.last_new_at is not None and row.checked_at is not None and row.checked_at >= row.last_new_at


def test_items_count_attempts_and_arrivals_are_numbered(db: Path) -> None:
    feeds = FeedStore(Store(db))
    feed = feeds.add_feed("a", "http://a.example/rss.xml")
    assert feed is not None
    feeds.record_item("http://a.example/1", feed.id, title="一", date=None, status=ItemStatus.FAILED, error="404")
    feeds.record_item("http://a.example/1", feed.id, title="一", date=None, status=ItemStatus.ADDED, article_id="x1",
                      arrived=True)
    feeds.record_item("http://a.example/2", feed.id, title="二", date="2024-07-02", status=ItemStatus.ADDED,
                      article_id="x2", arrived=True)
    known = feeds.known_links(["http://a.example/1", "http://a.example/2", "http://a.example/3"])
    assert set(known) == {"http://a.example/1", "http://a.example/2"}
    assert (known["http://a.example/1"].status, known["http://a.example/1"].attempts) == (ItemStatus.ADDED, 2)
    assert feeds.arrivals_after(0) == [(1, "x1"), (2, "x2")] and feeds.arrivals_after(1) == [(2, "x2")]
    assert feeds.last_arrival() == 2


def test_subscriptions_are_bounded_start_now_and_alert_once(db: Path) -> None:
    feeds = FeedStore(Store(db))
    feed = feeds.add_feed("a", "http://a.example/rss.xml")
    assert feed is not None
    feeds.record_item("http://a.example/old", feed.id, title="旧", date=None, status=ItemStatus.ADDED, article_id="old",
                      arrived=True)
    sub = feeds.subscribe(42, 42, "低空经济", limit=2)
    assert not isinstance(sub, str) and sub.seen_seq == 1  # older arrivals are not news to it
    assert feeds.subscribe(42, 42, "低空经济", limit=2) == "exists"
    assert not isinstance(feeds.subscribe(42, 42, "氢能", limit=2), str)
    assert feeds.subscribe(42, 42, "人才", limit=2) == "limit"
    assert not isinstance(feeds.subscribe(7, 7, "人才", limit=2), str)

    other_process = FeedStore(Store(db))
    assert feeds.mark_alerted(sub.id, 5, ["a5"])
    assert not other_process.mark_alerted(sub.id, 5, ["a5"])  # recorded once, so sent once
    assert feeds.already_alerted(sub.id, ["a5", "a6"]) == {"a5"}
    feeds.unmark_alerted(sub.id, 1, ["a5"])
    assert feeds.already_alerted(sub.id, ["a5"]) == set()
    assert [s.seen_seq for s in feeds.subscriptions(42)] == [1, 1]

    assert feeds.drop_chat(42) == 2
    assert [s.chat_id for s in feeds.subscriptions()] == [7]

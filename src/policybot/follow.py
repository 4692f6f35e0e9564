"""Following sources: feeds and list pages, checked for new articles (`policybot update`, the bot's job).

A check reads the feed with a conditional request (the validators of its last
answer), then fetches each listed link it has never seen — through the same
path as `policybot add URL`, so the URL rules hold — and adds the page with the
feed's name as its source (the page's own publisher becomes its 来源) and the
item's date when the page gives none. Each link's outcome is stored, so nothing
is fetched twice: not a link seen before (from any feed), not a link that is
already an article's URL, and a page whose text is already stored is recorded
as a duplicate. A link that fails is tried again at the next checks, at most
`MAX_ATTEMPTS` times. One broken item never stops a check, one broken feed
never stops an update.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from .errors import InputError, NotFoundError, PolicybotError
from .feedstore import FeedRow, FeedStore, ItemRow, ItemStatus
from .ingest.article import Article, ArticleMeta
from .ingest.feeds import FeedItem, FeedPage, normalize_link, read_feed
from .ingest.fetch import Validators, fetch_url
from .ingest.urlsafety import policy_for

if TYPE_CHECKING:
    from .corpus import Corpus

log = logging.getLogger("policybot.feeds")

Progress = Callable[[str], None]
#: New links fetched from one feed per check; the rest wait for the next check.
MAX_NEW_ITEMS = 30
#: A link whose page failed this many checks is not tried again.
MAX_ATTEMPTS = 3
#: Longest a check may hold a feed before another checker may take it over (seconds).
CLAIM_SECONDS = 900.0
MAX_NAME_CHARS = 40


class CheckStatus(StrEnum):
    """How one check of a feed went."""

    NEW = "new"  # it brought articles
    UNCHANGED = "unchanged"  # read (or 304), nothing new
    FAILED = "failed"  # the feed could not be read
    BUSY = "busy"  # another checker holds it


@dataclass
class FeedCheck:
    """What one check of one feed did."""

    name: str
    url: str
    status: CheckStatus = CheckStatus.UNCHANGED
    added: list[str] = field(default_factory=list)  # article ids
    duplicates: int = 0
    failed_items: list[tuple[str, str]] = field(default_factory=list)  # (link, reason)
    error: str | None = None


@dataclass(frozen=True)
class UpdateReport:
    """What `update` did to every feed."""

    checks: list[FeedCheck]

    @property
    def ok(self) -> bool:
        """Every feed was read (items that failed do not count against it)."""
        return not self.failed

    @property
    def added(self) -> list[str]:
        return [a for c in self.checks for a in c.added]

    @property
    def failed(self) -> list[FeedCheck]:
        """The feeds that could not be read."""
        return [c for c in self.checks if c.status == CheckStatus.FAILED]

    @property
    def busy(self) -> list[FeedCheck]:
        """The feeds skipped because another checker held them."""
        return [c for c in self.checks if c.status == CheckStatus.BUSY]


def _quiet(_: str) -> None:
    pass


class Feeds:
    """The sources a home follows (reached as `Corpus.feeds`)."""

    def __init__(self, corpus: "Corpus") -> None:
        self.corpus = corpus

    @property
    def _store(self) -> FeedStore:
        return FeedStore(self.corpus.store)  # this thread's connection

    # ---- managing --------------------------------------------------------------------------------

    def add(self, url: str, name: str | None = None) -> tuple[FeedRow, FeedPage]:
        """Follow a feed or list page (read once now, to check it is one; its articles come at `update`)."""
        link = normalize_link(url)
        if link is None:
            raise InputError(f"{url[:100]} is not an http(s) address", "give the feed's http(s):// address")
        if name is not None and not name.strip():
            raise InputError("the feed's name is empty", "give a short name, e.g. --name 无锡发布")
        store = self._store
        if store.find_feed(link) is not None:
            raise InputError(f"{link} is already followed", "see `policybot feeds list`")
        if name and store.find_feed(name.strip()) is not None:
            raise InputError(f"a feed named {name.strip()!r} exists", "choose another --name")
        page = self._read(link, None)[0]
        assert page is not None  # nothing was asked conditionally, so there is no 304
        chosen = " ".join((name or page.title or urlsplit(link).hostname or link).split())[:MAX_NAME_CHARS]
        row = store.add_feed(self._free_name(store, chosen, explicit=name is not None), link)
        if row is None:
            raise InputError(f"{link} is already followed", "see `policybot feeds list`")
        log.info("following %s (%s, %d items): %s", row.name, page.kind, len(page.items), link)
        return row, page

    @staticmethod
    def _free_name(store: FeedStore, name: str, explicit: bool) -> str:
        if explicit or store.find_feed(name) is None:
            return name
        number = 2
        while store.find_feed(f"{name} {number}") is not None:
            number += 1
        return f"{name} {number}"

    def remove(self, name_or_url: str) -> FeedRow:
        """Stop following a feed (its articles stay)."""
        store = self._store
        row = store.find_feed(name_or_url) or store.find_feed(normalize_link(name_or_url) or name_or_url)
        if row is None:
            raise NotFoundError(f"no feed named or at {name_or_url[:100]!r}", "see `policybot feeds list`")
        store.remove_feed(row.id)
        return row

    def followed(self) -> list[FeedRow]:
        return self._store.feeds()

    # ---- checking --------------------------------------------------------------------------------

    def update(self, progress: Progress = _quiet) -> UpdateReport:
        """Check every feed once; a failing feed is recorded and the others still checked."""
        rows = self._store.feeds()
        checks = []
        for number, row in enumerate(rows, 1):
            progress(f"[{number}/{len(rows)}] {row.name} …")
            checks.append(self.check(row))
        return UpdateReport(checks)

    def check(self, feed: FeedRow) -> FeedCheck:
        """Read one feed (conditionally) and take its new items."""
        result = FeedCheck(feed.name, feed.url)
        store = self._store
        if not store.claim(feed.id, CLAIM_SECONDS):
            result.status = CheckStatus.BUSY
            return result
        kind, validators = None, Validators(feed.etag, feed.last_modified)
        try:
            page, validators = self._read(feed.url, validators)
            if page is not None:
                kind = page.kind
                if not self._take(store, feed, page.items, result):
                    validators = Validators()  # items wait for the next check: ask for the whole feed then
        except PolicybotError as exc:
            result.status, result.error = CheckStatus.FAILED, str(exc)
        except Exception as exc:  # a bug must not stop the other feeds; it is logged in full
            log.exception("checking %s failed", feed.url)
            result.status, result.error = CheckStatus.FAILED, f"internal error ({type(exc).__name__})"
        finally:
            store.record_check(feed.id, kind=kind, etag=validators.etag, last_modified=validators.last_modified,
                               error=result.error, taken=len(result.added))
        if result.status != CheckStatus.FAILED and result.added:
            result.status = CheckStatus.NEW
        return result

    def _read(self, url: str, known: Validators | None) -> tuple[FeedPage | None, Validators]:
        """The feed's page, or None when the server says it has not changed since `known`; and the
        validators to send next time."""
        settings = self.corpus.settings
        fetched = fetch_url(url, timeout=settings.url_timeout, max_bytes=settings.url_max_bytes, if_changed=known,
                            allowed=policy_for(settings.allow_private_urls))
        if fetched.not_modified:
            old = known or Validators()
            return None, Validators(fetched.validators.etag or old.etag,
                                    fetched.validators.last_modified or old.last_modified)
        return read_feed(fetched.data, fetched.url, fetched.charset, fetched.content_type), fetched.validators

    def _take(self, store: FeedStore, feed: FeedRow, items: list[FeedItem], result: FeedCheck) -> bool:
        """Fetch and add the items never seen before (and those to try again), at most MAX_NEW_ITEMS;
        True when none is left for a later check."""
        links = [i.link for i in items]
        known = store.known_links(links)
        stored = store.stored_urls(links)
        todo = []
        for item in items:
            seen = known.get(item.link)
            if item.link in stored and seen is None:
                store.record_item(item.link, feed.id, title=item.title, date=item.date, status=ItemStatus.DUPLICATE,
                                  article_id=stored[item.link])
            elif seen is None or _retry(seen):
                todo.append((item, seen))
        settled = [self._take_one(store, feed, item, seen, result) for item, seen in todo[:MAX_NEW_ITEMS]]
        return len(todo) <= MAX_NEW_ITEMS and all(settled)

    def _take_one(self, store: FeedStore, feed: FeedRow, item: FeedItem, seen: ItemRow | None,
                  result: FeedCheck) -> bool:
        """Fetch and add one item; False when it failed and is to be tried again."""
        try:
            loaded = self.corpus.load_inputs([item.link], ArticleMeta())
            articles = [_as_from_feed(a, feed.name, item) for a, _ in loaded]
            outcomes = self.corpus.add_articles(articles, origins=[item.link] * len(articles))
        except PolicybotError as exc:
            attempts = (seen.attempts if seen else 0) + 1
            status = ItemStatus.GAVE_UP if attempts >= MAX_ATTEMPTS else ItemStatus.FAILED
            store.record_item(item.link, feed.id, title=item.title, date=item.date, status=status, error=str(exc))
            result.failed_items.append((item.link, str(exc)))
            log.info("item %s of %s failed (%d/%d): %s", item.link, feed.name, attempts, MAX_ATTEMPTS, exc)
            return status == ItemStatus.GAVE_UP
        for outcome in outcomes:
            added = outcome.status == "added"  # an AddResult status
            store.record_item(item.link, feed.id, title=item.title, date=item.date,
                              status=ItemStatus.ADDED if added else ItemStatus.DUPLICATE, article_id=outcome.article_id, arrived=added)
            if added:
                result.added.append(outcome.article_id)
            else:
                result.duplicates += 1
        return True


def _retry(seen: ItemRow) -> bool:
    return seen.status == ItemStatus.FAILED and seen.attempts < MAX_ATTEMPTS


def _as_from_feed(article: Article, feed_name: str, item: FeedItem) -> Article:
    """The feed's name as source (the page's own publisher kept as its 来源), the item's date if the page has none."""
    origin = article.origin or (article.source if article.source and article.source != feed_name else None)
    return dataclasses.replace(article, source=feed_name, origin=origin, date=article.date or item.date)

"""Alerts: a chat's standing questions, answered from the articles feeds just brought.

A subscription ("低空经济", or a whole question) is matched with the same search
as questions — its "no answer" rule included — but only over the articles that
arrived since it was last matched. Each due subscription gets at most one alert
per check, holding the best passages among all the new articles. An alert is
recorded in the store *before* it is sent, so a crash or a restart can never
send it twice; a send that fails for a passing reason is un-recorded and tried
at the next check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import InputError, NotFoundError
from .feedstore import FeedStore, SubscriptionRow
from .search.ranking import Answer

if TYPE_CHECKING:
    from .corpus import Corpus

#: Subscriptions one chat may hold.
MAX_SUBSCRIPTIONS = 10
MAX_QUERY_CHARS = 200
#: Passages in one alert.
ALERT_PASSAGES = 3


@dataclass(frozen=True)
class Alert:
    """What one subscription gets from one check; an empty answer means nothing new matched."""

    subscription: SubscriptionRow
    answer: Answer
    seen_seq: int  # the newest arrival it was matched against
    article_ids: tuple[str, ...]  # the articles its passages come from

    @property
    def worth_sending(self) -> bool:
        return bool(self.answer.results)


class Alerts:
    """Subscriptions and the alerts they are due (reached as `Corpus.alerts`)."""

    def __init__(self, corpus: "Corpus") -> None:
        self.corpus = corpus

    @property
    def _store(self) -> FeedStore:
        return FeedStore(self.corpus.store)  # this thread's connection

    def subscribe(self, chat_id: int, user_id: int | None, query: str) -> SubscriptionRow:
        """A new standing question for a chat; it sees the articles that arrive from now on."""
        query = " ".join(query.split())
        if not query:
            raise InputError("the subscription is empty", "give a topic or a question, e.g. 低空经济")
        if len(query) > MAX_QUERY_CHARS:
            raise InputError(f"the subscription is {len(query)} characters long",
                             f"keep it under {MAX_QUERY_CHARS} characters")
        made = self._store.subscribe(chat_id, user_id, query, MAX_SUBSCRIPTIONS)
        if made == "exists":
            raise InputError(f"already subscribed to {query!r}", "see your subscriptions")
        if made == "limit":
            raise InputError(f"a chat may hold {MAX_SUBSCRIPTIONS} subscriptions", "remove one first")
        assert not isinstance(made, str)
        return made

    def subscriptions(self, chat_id: int | None = None) -> list[SubscriptionRow]:
        """A chat's subscriptions, oldest first (every chat's when `chat_id` is None)."""
        return self._store.subscriptions(chat_id)

    def unsubscribe(self, chat_id: int, which: str) -> SubscriptionRow:
        """Remove a chat's subscription, given as its number in the list (1 = oldest) or its text."""
        rows = self.subscriptions(chat_id)
        which = " ".join(which.split())
        chosen = next((r for r in rows if r.query == which), None)
        if chosen is None and which.isdigit() and 1 <= int(which) <= len(rows):
            chosen = rows[int(which) - 1]
        if chosen is None:
            raise NotFoundError(f"no subscription {which[:60]!r}", "give its number in the list, or its text")
        self._store.unsubscribe(chosen.id)
        return chosen

    def drop_chat(self, chat_id: int) -> int:
        """Forget a chat's subscriptions (it blocked the bot, or is gone)."""
        return self._store.drop_chat(chat_id)

    def due(self) -> list[Alert]:
        """One alert for every subscription with arrivals it was not matched against yet."""
        store = self._store
        answers: dict[tuple[str, tuple[str, ...]], Answer] = {}  # many chats ask the same
        alerts = []
        for sub in store.subscriptions():
            arrivals = store.arrivals_after(sub.seen_seq)
            if not arrivals:
                continue
            ids = [a for _, a in arrivals]
            fresh = tuple(sorted(set(ids) - store.already_alerted(sub.id, ids)))
            key = (sub.query, fresh)
            if key not in answers:
                answers[key] = (self.corpus.ask(sub.query, ALERT_PASSAGES, article_ids=fresh) if fresh
                                else Answer(sub.query))
            answer = answers[key]
            used = tuple(dict.fromkeys(r.passage.article_id for r in answer.results))
            alerts.append(Alert(sub, answer, arrivals[-1][0], used))
        return alerts

    def claim(self, alert: Alert) -> bool:
        """Record the alert as sent (before sending it); False when it was already recorded or the
        subscription is gone — then it must not be sent."""
        return self._store.mark_alerted(alert.subscription.id, alert.seen_seq, alert.article_ids)

    def release(self, alert: Alert) -> None:
        """Un-record a claimed alert whose sending failed for a passing reason."""
        self._store.unmark_alerted(alert.subscription.id, alert.subscription.seen_seq, alert.article_ids)

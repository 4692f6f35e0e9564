"""What the handlers share: per-user throttling, state behind buttons, and one `BotState` per Application.

`BotState` is made by `app.build_application` and kept in `bot_data[STATE]`;
`state_of(context)` gives it to a handler. Everything in it is used only on
the event loop thread, except the corpus (thread-safe, used from worker
threads) and `examples` (replaced whole from a worker thread).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict

from telegram import User
from telegram.ext import Application, ContextTypes

from ..chat.session import Chats
from ..config import Settings
from ..corpus import Corpus

Context = ContextTypes.DEFAULT_TYPE

#: The key of the one `BotState` in `bot_data`.
STATE = "policybot"
#: Questions and undo records kept for buttons (oldest forgotten first) ...
REMEMBERED = 10_000
#: ... and the characters they may hold in all (a question can be 4,096 characters long).
REMEMBERED_CHARS = 2_000_000
#: Users whose question rate is tracked; beyond this, users with no question waiting are forgotten.
THROTTLED_USERS = 10_000
#: Passages per answer page at most (POLICYBOT_TOP_K chooses within 1 … this).
MAX_PAGE_SIZE = 8


@dataclasses.dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float
    pending: int = 0
    notified: bool = False
    #: A dropped button press was told "slow down" since the last one let through.
    refused: bool = False


class Throttle:
    """A token bucket per user: a burst of questions is answered at once, then `rate` per second.

    Questions over the rate wait their turn (the user is told "请稍候" once per
    streak); beyond `max_pending` waiting questions, new ones are dropped.
    Other users are never affected. Used only on the event loop thread.
    """

    def __init__(self, rate: float = 1.0, burst: int = 3, max_pending: int = 10,
                 max_users: int = THROTTLED_USERS) -> None:
        self.rate = rate
        self.burst = burst
        self.max_pending = max_pending
        self.max_users = max_users
        self._users: dict[int, _Bucket] = {}

    def _bucket(self, user_id: int, now: float) -> _Bucket:
        bucket = self._users.get(user_id)
        if bucket is None:
            if len(self._users) >= self.max_users:
                self._forget_idle()
            bucket = self._users[user_id] = _Bucket(float(self.burst), now)
        return bucket

    def reserve(self, user_id: int) -> float | None:
        """Seconds this question must wait (0: go ahead), or None to drop it."""
        now = time.monotonic()
        bucket = self._bucket(user_id, now)
        if bucket.pending >= self.max_pending:
            return None
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate) - 1.0
        bucket.stamp = now
        bucket.pending += 1
        bucket.refused = False
        return 0.0 if bucket.tokens >= 0 else -bucket.tokens / self.rate

    def take(self, user_id: int) -> bool:
        """Something that is worth answering only now (an inline query, typed as the user goes):
        True to go ahead, using up a token; False when the user is over the limit."""
        now = time.monotonic()
        bucket = self._bucket(user_id, now)
        tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if tokens < 1.0:
            bucket.tokens = tokens
            return False
        bucket.tokens = tokens - 1.0
        bucket.refused = False
        return True

    def tell_refused(self, user_id: int) -> bool:
        """True the first time a button press is dropped since one was let through (tell the user then;
        answering every dropped press would itself be a flood of Bot API calls)."""
        bucket = self._users[user_id]
        first = not bucket.refused
        bucket.refused = True
        return first

    def notify_once(self, user_id: int) -> bool:
        """True the first time in a streak of waiting questions (say "请稍候" then)."""
        bucket = self._users[user_id]
        first = not bucket.notified
        bucket.notified = True
        return first

    def release(self, user_id: int) -> None:
        """A reserved question is done (answered, failed or dropped)."""
        bucket = self._users.get(user_id)
        if bucket is not None:
            bucket.pending = max(0, bucket.pending - 1)
            if bucket.pending == 0:
                bucket.notified = False

    def _forget_idle(self) -> None:
        self._users = {k: b for k, b in self._users.items() if b.pending}


class Recent:
    """State behind buttons (a question for 更多, the article ids for 撤销添加) under short keys:
    the newest `max_items` entries, holding at most `max_chars` characters in all."""

    def __init__(self, max_items: int = REMEMBERED, max_chars: int = REMEMBERED_CHARS) -> None:
        self.max_items = max_items
        self.max_chars = max_chars
        self.chars = 0
        self._items: OrderedDict[str, str | list[str]] = OrderedDict()

    @staticmethod
    def _size(value: str | list[str]) -> int:
        return len(value) if isinstance(value, str) else sum(len(v) for v in value)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> str | list[str] | None:
        return self._items.get(key)

    def pop(self, key: str) -> str | list[str] | None:
        value = self._items.pop(key, None)
        if value is not None:
            self.chars -= self._size(value)
        return value

    def remember(self, key: str, value: str | list[str]) -> None:
        """Keep `value` under `key` as the newest entry, forgetting the oldest ones beyond the limits."""
        self.pop(key)
        self._items[key] = value
        self.chars += self._size(value)
        while len(self._items) > self.max_items or (self.chars > self.max_chars and len(self._items) > 1):
            self.chars -= self._size(self._items.popitem(last=False)[1])


@dataclasses.dataclass(slots=True)
class BotState:
    """Everything the handlers share, one per Application."""

    settings: Settings
    corpus: Corpus
    throttle: Throttle = dataclasses.field(default_factory=Throttle)
    #: question key -> question, for 更多 / 上一页
    questions: Recent = dataclasses.field(default_factory=Recent)
    #: undo token -> ids of the articles an /add just added, for 撤销添加
    undo: Recent = dataclasses.field(default_factory=Recent)
    #: admins' private chats whose command menu already shows /add and /remove (this run)
    admin_menus: set[int] = dataclasses.field(default_factory=set)
    #: held while the corpus folder is synced (one sync at a time)
    sync_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    #: time.monotonic() of the last sync started
    last_sync: float = 0.0
    #: (store generation, example questions for /start) — rebuilt when the corpus changes
    examples: tuple[int, list[str]] | None = None
    #: a feed check (with its alerts) is running; the next one waits for the next turn
    feeds_checking: bool = False
    #: inline queries come as the user types: their own, roomier bucket
    inline_throttle: Throttle = dataclasses.field(default_factory=lambda: Throttle(rate=2.0, burst=6))
    #: every chat's last question, for follow-ups ("那梁溪呢?"); made from the corpus
    chats: Chats = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.chats = self.corpus.chats()

    @property
    def page_size(self) -> int:
        """Passages per answer page."""
        return min(max(self.settings.top_k, 1), MAX_PAGE_SIZE)

    def is_admin(self, user: User | None) -> bool:
        """Whether this Telegram user may add and remove articles."""
        return user is not None and user.id in self.settings.admin_ids


def state_of(holder: Context | Application) -> BotState:
    """The `BotState` of a handler's context or of an Application."""
    return holder.bot_data[STATE]

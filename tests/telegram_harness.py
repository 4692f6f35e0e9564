"""Running the real python-telegram-bot Application against the strict FakeBotAPI, for tests.

`RunningBot` starts the bot's Application (long polling, its own event loop)
in a background thread, pointed at a `FakeBotAPI` through TELEGRAM_API_URL;
the helpers talk to it the way Telegram users would (send text, press
buttons, wait for replies). The `api` and `bot` fixtures are in conftest.py.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from pathlib import Path
from typing import Any

from conftest import make_corpus
from fakebotapi import FakeBotAPI
from policybot.config import Settings
from policybot.bot.app import ALLOWED_UPDATES, build_application
from policybot.bot.state import Throttle, state_of

ADMIN = 1001
USER = 2002
OTHER = 3003
GROUP = -5005
QUESTION = "宜兴发展哪些新赛道?"
NEW_TRACKS = "合成生物、氢能和储能、低空经济"
OFF_TOPIC = "北京冬奥会中国队获得了多少枚金牌?"
SEED_TITLE = "《发力“新质”,无锡各板块这样干!》"


class RunningBot:
    """The bot's Application polling the fake from a background thread with its own event loop."""

    def __init__(self, api: FakeBotAPI, home: Path, admins: tuple[int, ...] = (ADMIN,),
                 throttle: Throttle | None = None, env: dict[str, str] | None = None) -> None:
        # The test web pages are on 127.0.0.1: the bot runs as an intranet deployment would.
        env = {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": api.root,
               "POLICYBOT_ADMIN_IDS": ",".join(map(str, admins)), "POLICYBOT_ALLOW_PRIVATE_URLS": "1", **(env or {})}
        self.settings = Settings.from_env(env=env, home=home)
        self.app = build_application(self.settings, throttle=throttle)
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="bot", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surfaced in __enter__ / __exit__
            self._failure = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with self.app:
            await self.app.post_init(self.app)
            await self.app.start()
            await self.app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
            self._ready.set()
            await self._stop.wait()
            await self.app.updater.stop()
            await self.app.stop()

    def __enter__(self) -> RunningBot:
        self._thread.start()
        assert self._ready.wait(60), "the bot did not start"
        if self._failure:
            raise self._failure
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(20)
        assert not self._thread.is_alive(), "the bot did not stop"
        if self._failure and not exc_info[0]:
            raise self._failure

    @property
    def corpus(self) -> Any:
        return state_of(self.app).corpus


# ---- helpers ----------------------------------------------------------------------------------


def say(api: FakeBotAPI, user: int, text: str, count: int = 1, timeout: float = 10, **kw: Any) -> list[dict]:
    """Send a text as `user` and wait for `count` bot messages in that chat; return their records."""
    chat = kw.get("chat_id") or user
    since = len(api.calls)
    api.send_text(user, text, **kw)
    return api.wait_for_messages(chat, count, timeout=timeout, since=since)


def reply(api: FakeBotAPI, user: int, text: str, **kw: Any) -> dict:
    """The bot's one reply to a text."""
    return say(api, user, text, **kw)[0]


def buttons(message: dict) -> dict[str, str]:
    """Button label -> callback_data of a message (record or Message dict)."""
    message = message.get("result", message)
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row if "callback_data" in b}


def press(api: FakeBotAPI, user: int, message: dict, label: str) -> dict:
    """Press a button and wait until its callback query is answered; return the answer record."""
    data = buttons(message)[label]
    since = len(api.calls)
    query_id = api.press_button(user, message, data)["callback_query"]["id"]
    return api.wait_for(lambda r: r["method"] == "answerCallbackQuery"
                        and r["params"].get("callback_query_id") == query_id, since=since)


def wait_edit(api: FakeBotAPI, since: int) -> dict:
    return api.wait_for(lambda r: r["method"] == "editMessageText" and r["ok"], since=since)


def current(api: FakeBotAPI, chat: int, message: dict) -> dict:
    """A bot message as it is now (after edits)."""
    mid = message.get("result", message)["message_id"]
    return next(m for m in api.messages(chat) if m["message_id"] == mid)


def bold(message: dict) -> list[str]:
    """Texts of the bold entities of a message."""
    message = message.get("result", message)
    text16 = message["text"].encode("utf-16-le")
    return [text16[2 * e["offset"]:2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in message.get("entities", []) if e["type"] == "bold"]


def n_articles(home: Path) -> int:
    return len(make_corpus(home).articles())


# ---- raw and forged updates (what a modified client or an odd Telegram update can bring) ---------


def push_update(api: FakeBotAPI, kind: str, payload: Any) -> dict:
    """Queue a raw update (anything Telegram could send, even odd ones) for the bot's next poll."""
    with api._cond:  # the fake's own lock; its public helpers only build well-formed updates
        return api._push_update(kind, payload)


def forge_query(api: FakeBotAPI, user: int, username: str | None = None, **fields: Any) -> str:
    """Queue a callback_query from `user` made of `fields` (message, data, game_short_name, ...),
    whatever the message's buttons are: a modified client can send any data for any message it
    can see, and the message may be gone. Returns the query id."""
    with api._cond:
        query_id = str(4_000_000_000_000 + next(api._ids))
        api._callbacks[query_id] = {"answered": False, "answer": None}
        query = {"id": query_id, "from": api._user(user, username), "chat_instance": "1", **fields}
        api._push_update("callback_query", query)
    return query_id


def forge_press(api: FakeBotAPI, user: int, message: dict, data: str, username: str | None = None) -> str:
    """A button press with arbitrary callback `data` on a bot message (see `forge_query`)."""
    message = copy.deepcopy(message.get("result", message))
    return forge_query(api, user, username, message=message, data=data,
                       chat_instance=str(abs(message["chat"]["id"]) * 7 + 1))


def wait_answer(api: FakeBotAPI, query_id: str, since: int = 0, timeout: float = 10) -> dict:
    """The bot's answerCallbackQuery for a query."""
    return api.wait_for(lambda r: r["method"] == "answerCallbackQuery"
                        and r["params"].get("callback_query_id") == query_id, since=since, timeout=timeout)

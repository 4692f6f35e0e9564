"""The Telegram bot's Application: which handler gets which update, start-up, errors, and running it.

Only `policybot.bot` imports `telegram` (python-telegram-bot 22). The package's rooms:

* `texts` — what the bot says in its own words, and the command menus;
* `state` — throttling, state behind buttons, and the `BotState` every handler shares;
* `callbacks` — what each button carries, and the patterns that route a press;
* `pages` — a reply's HTML (from `render`) with its buttons, built in worker threads;
* `handlers` — questions (read with the chat's previous one), answer buttons, /start, /sources, /stats;
  `admin` — /add, uploads, /remove, undo; `feedback` — 👍/👎 and /unanswered; `inline` — inline mode;
* `background` — work besides replying (syncing the corpus folder);
* `feeds` — following sources: the JobQueue's feed check, alerts, and the feed and subscription commands;
* `app` (here) — the wiring: a new command or button is one line in `_add_handlers`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          Defaults, InlineQueryHandler, MessageHandler, filters)

from .. import render
from ..config import Settings
from ..corpus import Corpus
from ..errors import ConfigError, PolicybotError
from . import admin, callbacks, feedback, feeds, handlers, inline, texts
from .replies import throttled
from .state import STATE, BotState, Context, Throttle, state_of

log = logging.getLogger("policybot.telegram")

ALLOWED_UPDATES = ["message", "callback_query", "inline_query"]


async def on_error(update: object, context: Context) -> None:
    """Log the failure with its traceback and tell the user something short; the bot keeps running."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await context.bot.send_message(update.effective_chat.id, render.telegram_text(texts.SORRY))
    except TelegramError as exc:
        log.warning("could not tell chat %s about the error: %s", update.effective_chat.id, exc)


async def _post_init(application: Application) -> None:
    """Bring the corpus up to date with corpus/, warm it up, and register the command menu."""
    state = state_of(application)
    corpus = state.corpus

    def prepare() -> int:
        corpus.sync(progress=log.info, warn=lambda m: log.warning("%s", m))
        corpus.ask("政策")  # loads jieba and the index before the first user waits for them
        state.chats.warm_up()  # and the place names follow-ups are read with
        return corpus.counts().articles

    n_articles = await asyncio.to_thread(prepare)
    state.last_sync = time.monotonic()
    await application.bot.set_my_commands([BotCommand(c, d) for c, d in texts.PUBLIC_COMMANDS])
    log.info("policybot is up as @%s: %d articles in %s, %d admin(s)", application.bot.username, n_articles,
             state.settings.home, len(state.settings.admin_ids))


def _add_handlers(application: Application) -> None:
    """Route updates: commands, then messages by chat type and kind, then buttons by their data."""
    new = filters.UpdateType.MESSAGE
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    for names, callback in ((("start", "help"), handlers.cmd_start), (("ask",), handlers.cmd_ask),
                            (("sources",), handlers.cmd_sources), (("stats",), handlers.cmd_stats),
                            (("add",), admin.cmd_add), (("remove",), admin.cmd_remove),
                            (("unanswered",), feedback.cmd_unanswered), *feeds.COMMANDS):
        application.add_handler(CommandHandler(list(names), callback, filters=new))
    for message_filter, callback in (
            (new & private & filters.COMMAND, handlers.on_unknown_command),
            (new & private & filters.TEXT & ~filters.COMMAND, handlers.on_private_text),
            (new & groups & filters.TEXT & ~filters.COMMAND, handlers.on_group_text),
            (new & filters.Document.ALL, admin.on_document),
            (new & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.on_other_private)):
        application.add_handler(MessageHandler(message_filter, callback))
    # A query with neither data nor a game (a forged empty button) counts as matching *every* pattern
    # in python-telegram-bot, so it is caught first; a game query too (the bot has no games).
    # Every press counts against its presser's limit (`throttled`), the one questions use.
    application.add_handler(CallbackQueryHandler(throttled(handlers.on_stale_button), pattern=lambda data: False,
                                                 game_pattern=""))
    for pattern, callback in ((callbacks.MORE, handlers.on_more), (callbacks.ORIGINAL, handlers.on_original),
                              (callbacks.PASSAGE, handlers.on_passage_nav),
                              (callbacks.SOURCES, handlers.on_sources_page), (callbacks.UNDO, admin.on_undo),
                              (callbacks.FEEDBACK, feedback.on_feedback)):
        application.add_handler(CallbackQueryHandler(throttled(callback), pattern=pattern))
    application.add_handler(CallbackQueryHandler(throttled(handlers.on_stale_button)))
    application.add_handler(InlineQueryHandler(inline.on_inline_query))
    application.add_error_handler(on_error)
    feeds.schedule(application)


class _Application(Application):
    """python-telegram-bot's Application without one leak: even with no persistence configured, it
    notes the chat and user id of every update for a persistence update that never comes (two sets
    that only grow, ~200 bytes per new user). With no persistence there is nothing to note."""

    def _mark_for_persistence_update(self, *, update: object | None = None, job: object | None = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)  # type: ignore[arg-type]


#: What @BotFather hands out: the bot's numeric id, a colon, and a secret of letters, digits, '_' and '-'.
TOKEN_SHAPE = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,200}")


def check_token(token: str) -> None:
    """A missing or malformed token, said in one line before any network call."""
    if not token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set",
            "create a bot with @BotFather in Telegram (/newbot), then put TELEGRAM_BOT_TOKEN=<token> in .env "
            "(copy .env.example) or export it in the environment")
    if not TOKEN_SHAPE.fullmatch(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token",
                          "a token looks like 123456789:AAF… — copy it again from @BotFather (/mybots → API Token)")


class _OneLineNetworkErrors(logging.Filter):
    """Network failures and a refused token are the environment, not a bug: log their message, not the
    traceback (python-telegram-bot logs each failed start-up attempt with its whole chain). A failed
    start-up is not logged at all: `run_bot` reports it as one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], (NetworkError, InvalidToken)):
            if "Bootstrap" in record.getMessage():
                return False
            record.msg = f"{record.getMessage()} ({record.exc_info[1]})"
            record.args = None
            record.exc_info = None
        return True


def build_application(settings: Settings, throttle: Throttle | None = None) -> Application:
    """The bot's Application: HTML replies without link previews, rate limiter, concurrent updates."""
    check_token(settings.telegram_token)
    root = settings.telegram_api_url.rstrip("/")
    defaults = Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True),
                        allow_sending_without_reply=True)
    application = (ApplicationBuilder().application_class(_Application).token(settings.telegram_token)
                   .base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
                   .defaults(defaults)
                   .rate_limiter(AIORateLimiter(max_retries=3))
                   .concurrent_updates(True)
                   .post_init(_post_init)
                   .build())
    # The corpus opens nothing until first used; _post_init brings it up to date before polling starts.
    application.bot_data[STATE] = BotState(settings, Corpus(settings), throttle or Throttle())
    _add_handlers(application)
    return application


def run_bot(settings: Settings) -> int:
    """`policybot bot` / `python bot.py`: run the bot with long polling until Ctrl-C or SIGTERM."""
    application = build_application(settings)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines would log the token in URLs
    for handler in logging.getLogger().handlers:
        handler.addFilter(_OneLineNetworkErrors())
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=3)
    except InvalidToken:
        raise ConfigError("Telegram did not accept TELEGRAM_BOT_TOKEN",
                          "copy the token again from @BotFather (/mybots → API Token) into .env") from None
    except NetworkError as exc:
        raise PolicybotError(f"cannot reach the Telegram Bot API at {settings.telegram_api_url} ({exc})",
                             "check the network connection, or TELEGRAM_API_URL for a self-hosted server") from None
    return 0


__all__ = ["ALLOWED_UPDATES", "build_application", "run_bot"]

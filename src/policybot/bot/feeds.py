"""Following sources in the bot: the repeating feed check, alerts to subscribers, and their commands.

Feeds are checked every POLICYBOT_FEED_INTERVAL minutes by a JobQueue job. The
check and the matching run in worker threads, so questions are answered
meanwhile; one check runs at a time. Admins manage feeds (/feeds,
/feed_add URL [名称], /feed_remove 名称); in a private chat anyone may subscribe
(/subscribe 低空经济, /subscriptions, /unsubscribe 编号). Every alert is recorded
in the store before it is sent (`Corpus.alerts`), so a restart alerts nobody
twice; a chat that blocked the bot or is gone loses its subscriptions quietly.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable, TypeVar

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application

from .. import render
from ..corpus import Alert
from ..errors import PolicybotError
from . import texts
from .replies import command_rest, refuse
from .state import Context, state_of

log = logging.getLogger("policybot.telegram")
T = TypeVar("T")

FEED_JOB = "feeds"
#: Seconds after start-up before the first check (or the interval, if shorter).
FIRST_CHECK = 60.0


def schedule(application: Application) -> None:
    """The repeating check on the Application's JobQueue (none when the interval is 0)."""
    minutes = state_of(application).settings.feed_interval
    if minutes > 0:
        seconds = minutes * 60
        application.job_queue.run_repeating(check_feeds, interval=seconds, first=min(seconds, FIRST_CHECK),
                                            name=FEED_JOB)


# ---- the check ------------------------------------------------------------------------------------


async def check_feeds(context: Context) -> None:
    """Check every feed once, then send the alerts that are due (one check at a time)."""
    state = state_of(context)
    if state.feeds_checking:
        return
    state.feeds_checking = True
    try:
        report = await asyncio.to_thread(state.corpus.feeds.update)
        log.info("feeds: %s", render.update_summary(report))
        await send_alerts(context)
    except Exception:  # a background chore must never take the bot down
        log.exception("checking feeds failed")
    finally:
        state.feeds_checking = False


async def send_alerts(context: Context) -> None:
    """One message to each subscription new articles match; each recorded before it is sent."""
    alerts = state_of(context).corpus.alerts
    for alert in await asyncio.to_thread(alerts.due):
        if await asyncio.to_thread(alerts.claim, alert) and alert.worth_sending:
            await _deliver(context, alert)


async def _deliver(context: Context, alert: Alert) -> None:
    alerts = state_of(context).corpus.alerts
    chat = alert.subscription.chat_id
    try:
        await context.bot.send_message(chat, render.telegram_alert(alert))
    except Forbidden as exc:  # blocked, or left / removed from the group
        dropped = await asyncio.to_thread(alerts.drop_chat, chat)
        log.info("chat %s cannot be reached (%s): %d subscription(s) dropped", chat, exc, dropped)
    except BadRequest as exc:
        if "chat not found" in str(exc).lower():
            await asyncio.to_thread(alerts.drop_chat, chat)
        log.warning("alert to chat %s refused: %s", chat, exc)  # the same message would be refused again
    except (RetryAfter, NetworkError) as exc:
        await asyncio.to_thread(alerts.release, alert)
        log.warning("alert to chat %s not sent (%s); trying again at the next check", chat, exc)


# ---- admins: feeds ----------------------------------------------------------------------------


async def cmd_feeds(update: Update, context: Context) -> None:
    """/feeds: the followed sources and how their checks went (admins only)."""
    if await refuse(update, context):
        return
    rows = await asyncio.to_thread(state_of(context).corpus.feeds.followed)
    await update.effective_message.reply_text(render.telegram_feeds(rows))


async def _done(message: Message, work: Callable[[], T], reply: Callable[[T], str]) -> T | None:
    """Run `work` in a worker thread and reply with `reply(result)`, or with why it did nothing."""
    try:
        result = await asyncio.to_thread(work)
    except PolicybotError as exc:
        await message.reply_text(render.telegram_feed_refused(exc))
        return None
    await message.reply_text(reply(result))
    return result


async def cmd_feed_add(update: Update, context: Context) -> None:
    """/feed_add URL [名称]: follow a feed or list page (admins only), then check it at once."""
    if await refuse(update, context):
        return
    message = update.effective_message
    words = command_rest(message.text).split(maxsplit=1)
    if not words:
        await message.reply_text(render.telegram_text(texts.FEED_ADD_USAGE))
        return
    feeds = state_of(context).corpus.feeds
    added = await _done(message, lambda: feeds.add(words[0], words[1] if len(words) > 1 else None),
                        lambda found: render.telegram_feed_added(found[0], found[1].kind, len(found[1].items)))
    if added is not None:
        context.job_queue.run_once(check_feeds, 0.5)


async def cmd_feed_remove(update: Update, context: Context) -> None:
    """/feed_remove 名称|URL: stop following a source (admins only; its articles stay)."""
    if await refuse(update, context):
        return
    message = update.effective_message
    which = command_rest(message.text)
    if not which:
        await message.reply_text(render.telegram_text(texts.FEED_REMOVE_USAGE))
        return
    feeds = state_of(context).corpus.feeds
    await _done(message, lambda: feeds.remove(which), render.telegram_feed_removed)


# ---- everyone: subscriptions ----------------------------------------------------------------------


async def cmd_subscribe(update: Update, context: Context) -> None:
    """/subscribe 低空经济: be sent the passages of new articles that answer it (private chats)."""
    message = update.effective_message
    if message.chat.type != ChatType.PRIVATE:
        await message.reply_text(render.telegram_text(texts.SUBSCRIBE_PRIVATE))
        return
    query = command_rest(message.text)
    if not query:
        await message.reply_text(render.telegram_text(texts.SUBSCRIBE_USAGE))
        return
    user_id = update.effective_user.id if update.effective_user else None
    alerts = state_of(context).corpus.alerts
    await _done(message, lambda: alerts.subscribe(message.chat.id, user_id, query), render.telegram_subscribed)


async def cmd_subscriptions(update: Update, context: Context) -> None:
    """/subscriptions: this chat's subscriptions, numbered."""
    message = update.effective_message
    alerts = state_of(context).corpus.alerts
    await _done(message, lambda: alerts.subscriptions(message.chat.id), render.telegram_subscriptions)


async def cmd_unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe 编号|内容: stop a subscription."""
    message = update.effective_message
    which = command_rest(message.text)
    if not which:
        await message.reply_text(render.telegram_text(texts.UNSUBSCRIBE_USAGE))
        return
    alerts = state_of(context).corpus.alerts
    await _done(message, lambda: alerts.unsubscribe(message.chat.id, which), render.telegram_unsubscribed)


#: (command names, handler) pairs `app` routes, before its catch-all for unknown commands.
COMMANDS = ((("feeds",), cmd_feeds), (("feed_add",), cmd_feed_add), (("feed_remove",), cmd_feed_remove),
            (("subscribe",), cmd_subscribe), (("subscriptions",), cmd_subscriptions),
            (("unsubscribe",), cmd_unsubscribe))

"""Small helpers the handlers share: editing a button's message, reading a command, refusing non-admins."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from .. import render
from . import texts
from .pages import Page
from .state import Context, state_of

log = logging.getLogger("policybot.telegram")

_COMMAND_PREFIX = re.compile(r"^/\w+(?:@\w+)?\s*")


def command_rest(text: str | None) -> str:
    """What follows `/command` (or `/command@bot`), newlines kept."""
    text = text or ""
    match = _COMMAND_PREFIX.match(text)
    return (text[match.end():] if match else text).strip()


async def edit(query: CallbackQuery, page: Page, done: str | None = None, gone: str = texts.EXPIRED) -> None:
    """Edit a button's message in place, then answer the query with `done` (an identical double-tap
    is not an error; a message deleted meanwhile gets the answer `gone`)."""
    try:
        await query.edit_message_text(page.html, reply_markup=page.markup)
    except BadRequest as exc:
        reason = str(exc).lower()
        if "message to edit not found" in reason or "can't be edited" in reason:
            log.info("button on a message that is gone: %s", exc)
            done = gone
        elif "not modified" not in reason:
            raise
    await query.answer(done)


def accessible(query: CallbackQuery) -> Message | None:
    """The button's message, or None if Telegram no longer shows it to the bot (python-telegram-bot
    22 gives an inaccessible message as a `Message` dated 0, not as an `InaccessibleMessage`)."""
    message = query.message
    return message if isinstance(message, Message) and message.is_accessible else None


async def refuse(update: Update, context: Context) -> bool:
    """Politely refuse non-admins; True if refused."""
    if state_of(context).is_admin(update.effective_user):
        return False
    user = update.effective_user
    log.info("refused an admin action from user %s", user.id if user else None)
    await update.effective_message.reply_text(render.telegram_text(texts.NOT_ADMIN))
    return True


def throttled(callback: Callable[[Update, Context], Awaitable[None]]) -> Callable[[Update, Context], Awaitable[None]]:
    """A button handler run within the presser's limit, the one questions use (`Throttle.reserve`).

    Presses over the rate wait their turn like questions; beyond the few a user may have waiting,
    a press is dropped: its presser is told once per streak, and nothing else is called, so a flood
    of forged presses neither searches nor spends the bot's Bot API budget, and other users' answers
    never queue behind it.
    """

    @functools.wraps(callback)
    async def within_limit(update: Update, context: Context) -> None:
        throttle = state_of(context).throttle
        user = update.effective_user
        who = user.id if user is not None else 0
        delay = throttle.reserve(who)
        if delay is None:
            if throttle.tell_refused(who):
                await update.callback_query.answer(texts.SLOW_DOWN)
            return
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            await callback(update, context)
        finally:
            throttle.release(who)

    return within_limit

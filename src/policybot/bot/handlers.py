"""Handlers for everyone: questions (private text, group mentions, /ask), answer buttons, /start, /sources, /stats.

Handlers stay thin: searching runs in a worker thread (`asyncio.to_thread`)
through a `pages` builder, and every reply is HTML from `render`. The admins'
handlers are in `admin`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable

from telegram import BotCommand, BotCommandScopeChat, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from .. import render
from ..errors import InputError
from . import texts
from .background import schedule_sync
from ..chat.session import Query, Reply
from . import callbacks
from .callbacks import normalize_question, question_key
from .pages import answer_page, follow_up_note, passage_page, reply_page, sources_page, welcome_facts
from .replies import accessible, command_rest, edit
from .state import BotState, Context, Recent, state_of

log = logging.getLogger("policybot.telegram")

#: How an answer's first line starts (the question follows), so 更多 can recover it after a restart.
QUESTION_LINE = "🔎 "


# ---- questions ------------------------------------------------------------------------------


def chat_key(update: Update) -> Hashable:
    """Whose conversation a message continues: the chat's in a private chat, each user's own in a group."""
    chat, user = update.effective_chat, update.effective_user
    return chat.id if chat.type == ChatType.PRIVATE or user is None else (chat.id, user.id)


async def _answer(update: Update, context: Context, question: str) -> None:
    """Answer a question (read with the chat's previous one) with the top passages, throttling users
    who ask too fast."""
    message = update.effective_message
    question = normalize_question(question)
    if message is None or not question:
        return
    state = state_of(context)
    user = update.effective_user
    who = user.id if user else message.chat.id
    delay = state.throttle.reserve(who)
    if delay is None:
        log.info("dropped a question from %s: too many waiting", who)
        return
    try:
        if delay > 0:
            if state.throttle.notify_once(who):
                await message.reply_text(render.telegram_text(texts.WAIT))
            await asyncio.sleep(delay)
        try:
            reply = await asyncio.to_thread(_reply, state, chat_key(update), question)
        except InputError as exc:  # a written limit that is no date (从:2024-13): say how to write it
            await message.reply_text(render.telegram_question_refused(exc))
            return
        if reply.query is not None and reply.answer is not None:
            state.questions.remember(callbacks.query_key(reply.query), _stored(reply.query))
        page = await asyncio.to_thread(reply_page, state.corpus, reply, state.page_size)
        await message.reply_text(page.html, reply_markup=page.markup)
    finally:
        state.throttle.release(who)
    schedule_sync(context)


def _reply(state: BotState, key: Hashable, question: str) -> Reply:
    """Read and answer a question in a worker thread; a question that got no passage is noted for /unanswered."""
    reply = state.chats.reply(key, question, state.page_size)
    if reply.answer is not None and not reply.answer.results and not reply.continues:
        state.corpus.feedback.note_unanswered(reply.answer.question)
    return reply


def _stored(query: Query) -> str | list[str]:
    """What `state.questions` keeps for a 更多 button: a plain question's text, a follow-up's parts."""
    return query.question if not query.hints and not query.focus else callbacks.query_parts(query)


def _addressed_question(message: Message, bot_id: int, bot_username: str) -> str | None:
    """The question in a group message that mentions or replies to the bot; None if not for us."""
    text = message.text or ""
    addressed = False
    for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        mention = entity.type == MessageEntity.MENTION and value.lower() == f"@{bot_username}".lower()
        if mention or (entity.user is not None and entity.user.id == bot_id):
            addressed = True
            text = text.replace(value, " ")
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot_id:
        addressed = True
    return text if addressed else None


async def on_private_text(update: Update, context: Context) -> None:
    """Any text in a private chat is a question (a forwarded post from an admin gets the /add hint)."""
    message = update.effective_message
    if message.forward_origin is not None and state_of(context).is_admin(update.effective_user):
        await message.reply_text(render.telegram_text(texts.FORWARD_HINT))
        return
    await _answer(update, context, message.text or "")


async def on_group_text(update: Update, context: Context) -> None:
    """In groups, answer messages that mention the bot or reply to it."""
    question = _addressed_question(update.effective_message, context.bot.id, context.bot.username)
    if question is not None:
        await _answer(update, context, question)


async def cmd_ask(update: Update, context: Context) -> None:
    """/ask 问题: ask a question (the way to ask in groups)."""
    question = command_rest(update.effective_message.text)
    if not question:
        await update.effective_message.reply_text(render.telegram_text(texts.ASK_USAGE))
        return
    await _answer(update, context, question)


def query_of(key: str, message: Message | None, remembered: Recent) -> Query | None:
    """The question behind a 更多 or 👍 button: remembered, or (a plain question) read back from the
    answer's first line after a restart."""
    stored = remembered.get(key)
    if stored is None and message is not None and message.text:
        first_line = message.text.split("\n", 1)[0]
        if first_line.startswith(QUESTION_LINE):
            candidate = normalize_question(first_line[len(QUESTION_LINE):])
            stored = candidate if question_key(candidate) == key else None
    return callbacks.query_from(stored) if stored is not None else None


async def on_more(update: Update, context: Context) -> None:
    """更多 / 上一页: edit the answer to show another page of passages."""
    query = update.callback_query
    message = accessible(query)
    state = state_of(context)
    key, offset = context.match.group(1), int(context.match.group(2))
    asked = query_of(key, message, state.questions)
    if asked is None or message is None:
        await query.answer(texts.EXPIRED)
        return
    state.questions.remember(key, _stored(asked))
    answer, more = await asyncio.to_thread(state.chats.page, asked, state.page_size, offset)
    if not answer.results:
        await query.answer(texts.NO_MORE)
        return
    state.chats.showed(chat_key(update), asked, answer)
    note = follow_up_note(asked.question) if asked.hints or asked.focus else None
    await edit(query, answer_page(answer, more, offset, key, state.page_size, note))


async def on_original(update: Update, context: Context) -> None:
    """原文: send the whole passage with its neighbours, as a reply to the answer."""
    query = update.callback_query
    message = accessible(query)
    page = await asyncio.to_thread(passage_page, state_of(context).corpus, int(context.match.group(1)))
    if page is None or message is None:
        await query.answer(texts.PASSAGE_GONE if page is None else texts.EXPIRED)
        return
    await query.answer()
    await message.reply_text(page.html, reply_markup=page.markup, do_quote=True)


async def on_passage_nav(update: Update, context: Context) -> None:
    """‹ 上一段 / 下一段 ›: move the passage view through the article."""
    query = update.callback_query
    page = await asyncio.to_thread(passage_page, state_of(context).corpus, int(context.match.group(1)))
    if page is None or accessible(query) is None:
        await query.answer(texts.PASSAGE_GONE if page is None else texts.EXPIRED)
        return
    await edit(query, page)


# ---- information ----------------------------------------------------------------------------


async def cmd_start(update: Update, context: Context) -> None:
    """/start and /help: what the bot knows, how to ask, example questions from the corpus."""
    state = state_of(context)
    n_articles, newest, examples = await asyncio.to_thread(welcome_facts, state)
    admin = state.is_admin(update.effective_user)
    mb = state.settings.max_upload_bytes // (1024 * 1024)
    await update.effective_message.reply_text(
        render.telegram_welcome(n_articles, newest, examples, admin, mb, context.bot.username))
    if admin and update.effective_chat.type == ChatType.PRIVATE:
        await _admin_menu(update, context)


async def _admin_menu(update: Update, context: Context) -> None:
    """Show /add and /remove in an admin's command menu (once per run, in their private chat)."""
    shown = state_of(context).admin_menus
    chat_id = update.effective_chat.id
    if chat_id in shown:
        return
    shown.add(chat_id)
    try:
        await context.bot.set_my_commands([BotCommand(c, d) for c, d in texts.ADMIN_COMMANDS],
                                          scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("could not set the admin command menu for chat %s: %s", chat_id, exc)


async def cmd_sources(update: Update, context: Context) -> None:
    """/sources: the article list, paged with buttons."""
    page = await asyncio.to_thread(sources_page, state_of(context).corpus, 0)
    await update.effective_message.reply_text(page.html, reply_markup=page.markup)


async def on_sources_page(update: Update, context: Context) -> None:
    """‹ / › under /sources: show another page of the article list."""
    query = update.callback_query
    if accessible(query) is None:
        await query.answer(texts.EXPIRED)
        return
    page = await asyncio.to_thread(sources_page, state_of(context).corpus, int(context.match.group(1)))
    await edit(query, page)


async def cmd_stats(update: Update, context: Context) -> None:
    """/stats: corpus figures."""
    stats = await asyncio.to_thread(state_of(context).corpus.stats)
    await update.effective_message.reply_text(render.telegram_stats(stats))


async def on_other_private(update: Update, context: Context) -> None:
    """Non-text in a private chat: ask for text (an admin forwarding a captioned post gets the /add hint)."""
    message = update.effective_message
    forwarded = (message.forward_origin is not None and bool(message.caption)
                 and state_of(context).is_admin(update.effective_user))
    await message.reply_text(render.telegram_text(texts.FORWARD_HINT if forwarded else texts.NON_TEXT))


async def on_unknown_command(update: Update, context: Context) -> None:
    """An unknown /command in a private chat: point to /help."""
    await update.effective_message.reply_text(render.telegram_text(texts.UNKNOWN_COMMAND))


async def on_stale_button(update: Update, context: Context) -> None:
    """A button this version of the bot does not know: say it has expired."""
    await update.callback_query.answer(texts.EXPIRED)

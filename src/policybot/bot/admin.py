"""Handlers for admins: /add (text, a URL, a reply to a forwarded post or a file), uploads, /remove, 撤销添加.

Who is an admin is checked on every action (`replies.refuse`), in any chat.
Reading and storing run in a worker thread through `Corpus.add_bytes` /
`Corpus.add_url`; a failure is a short reply with advice, never a crash.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from datetime import timedelta, timezone
from typing import Callable

from telegram import Document, MessageOrigin, MessageOriginChannel, MessageOriginChat, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest

from .. import render
from ..corpus import AddResult, AddStatus, Corpus
from ..errors import NotFoundError, PolicybotError
from . import texts
from .pages import Page, undo_markup
from .replies import accessible, command_rest, edit, refuse
from .state import Context, state_of

log = logging.getLogger("policybot.telegram")

#: Forwarded posts are dated in China Standard Time (the corpus is Chinese policy news).
CHINA_TZ = timezone(timedelta(hours=8))
#: What pasted text and a replied-to post are called in error messages (they have no file name).
PASTED_TEXT = "消息"
REPLIED_POST = "转发的消息"

_ADD_CAPTION = re.compile(r"^/add(?:@\w+)?(?:\s|$)", re.IGNORECASE)
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def _origin_meta(origin: MessageOrigin | None) -> dict[str, str]:
    """Publisher, date and link of a forwarded post, when Telegram tells us."""
    if origin is None:
        return {}
    meta = {"date": origin.date.astimezone(CHINA_TZ).strftime("%Y-%m-%d")}
    if isinstance(origin, MessageOriginChannel):
        meta["source"] = origin.chat.title or ""
        if origin.chat.username:
            meta["url"] = f"https://t.me/{origin.chat.username}/{origin.message_id}"
    elif isinstance(origin, MessageOriginChat):
        meta["source"] = origin.sender_chat.title or ""
    return {k: v for k, v in meta.items() if v}


async def _add(update: Update, context: Context, add: Callable[[Corpus], list[AddResult]], origin: str) -> None:
    """Add articles in a worker thread, and reply with what happened (and a 撤销添加 button)."""
    message = update.effective_message
    state = state_of(context)
    await context.bot.send_chat_action(message.chat.id, ChatAction.TYPING)
    try:
        results = await asyncio.to_thread(add, state.corpus)
    except PolicybotError as exc:
        log.info("not added (%s): %s", origin, exc)
        await message.reply_text(render.telegram_not_added(exc))
        return
    added = [r.article_id for r in results if r.status is AddStatus.ADDED]
    log.info("added %d article(s) from %s", len(added), origin)
    markup = None
    if added:
        token = secrets.token_urlsafe(6)
        state.undo.remember(token, added)
        markup = undo_markup(token)
    await message.reply_text(render.telegram_added(results), reply_markup=markup)


async def _add_document(update: Update, context: Context, document: Document, title: str | None) -> None:
    """Download an uploaded file (checked for type and size first) and add its articles."""
    message = update.effective_message
    name = document.file_name or "file"
    limit = state_of(context).settings.max_upload_bytes
    if not Corpus.can_read(name):
        await message.reply_text(render.telegram_unreadable_file(name))
        return
    if document.file_size is not None and document.file_size > limit:
        await message.reply_text(render.telegram_file_too_big(name, document.file_size, limit))
        return
    try:
        file = await document.get_file(read_timeout=60)
        data = bytes(await file.download_as_bytearray(read_timeout=120))
    except BadRequest as exc:
        await message.reply_text(render.telegram_download_refused(str(exc)))
        return
    if len(data) > limit:
        await message.reply_text(render.telegram_download_over_limit(limit))
        return
    origin = f"telegram:{name}"
    await _add(update, context, lambda corpus: corpus.add_bytes(data, name, origin=origin, title=title), origin)


async def cmd_add(update: Update, context: Context) -> None:
    """/add text, /add URL, or /add replying to a (forwarded) post or a file: add articles (admins only)."""
    if await refuse(update, context):
        return
    message = update.effective_message
    rest = command_rest(message.text)
    title = rest.split("\n", 1)[0] or None
    reply = message.reply_to_message
    if reply is not None and reply.document is not None:
        await _add_document(update, context, reply.document, title)
        return
    if reply is not None and (reply.text or reply.caption):
        data = (reply.text or reply.caption or "").encode("utf-8")
        fallback = _origin_meta(reply.forward_origin)
        await _add(update, context, lambda corpus: corpus.add_bytes(
            data, REPLIED_POST, origin="telegram:reply", title=title, **fallback), "telegram:reply")
        return
    if not rest:
        await message.reply_text(render.telegram_text(texts.ADD_USAGE))
        return
    if _URL.fullmatch(rest):
        await _add(update, context, lambda corpus: corpus.add_url(rest), rest)
        return
    await _add(update, context, lambda corpus: corpus.add_bytes(rest.encode("utf-8"), PASTED_TEXT,
                                                                origin="telegram:text"), "telegram:text")


async def on_document(update: Update, context: Context) -> None:
    """An uploaded file: add it (admins; in groups only with the caption /add)."""
    message = update.effective_message
    captioned = bool(_ADD_CAPTION.match(message.caption or ""))
    if message.chat.type != ChatType.PRIVATE and not captioned:
        return
    if await refuse(update, context):
        return
    title = command_rest(message.caption).split("\n", 1)[0] if captioned else ""
    await _add_document(update, context, message.document, title or None)


async def cmd_remove(update: Update, context: Context) -> None:
    """/remove ID: remove an article (admins only)."""
    if await refuse(update, context):
        return
    message = update.effective_message
    words = command_rest(message.text).split()
    if not words:
        await message.reply_text(render.telegram_text(texts.REMOVE_USAGE))
        return
    article_id = words[0]
    try:
        row = await asyncio.to_thread(state_of(context).corpus.remove, article_id)
    except NotFoundError:
        await message.reply_text(render.telegram_no_such_article(article_id))
        return
    log.info("removed article %s", row.id)
    await message.reply_text(render.telegram_removed(row))


def _remove_all(corpus: Corpus, article_ids: list[str]) -> int:
    """Remove articles (those already gone are skipped); how many were removed."""
    removed = 0
    for article_id in article_ids:
        try:
            corpus.remove(article_id)
            removed += 1
        except NotFoundError:
            pass
    return removed


async def on_undo(update: Update, context: Context) -> None:
    """撤销添加: remove the articles an /add just added (admins only, checked on the presser)."""
    query = update.callback_query
    state = state_of(context)
    if not state.is_admin(update.effective_user):
        await query.answer(texts.NOT_ADMIN, show_alert=True)
        return
    ids = state.undo.pop(context.match.group(1)) if accessible(query) else None
    if ids is None:
        await query.answer(texts.ALREADY_UNDONE)
        return
    removed = await asyncio.to_thread(_remove_all, state.corpus, list(ids))
    await edit(query, Page(render.telegram_undone(removed), None), texts.UNDONE, texts.UNDONE)

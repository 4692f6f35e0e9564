"""The Telegram bot: long polling, cited answers, paging, and adding articles from the chat.

This is the only module that imports `telegram` (python-telegram-bot 22). The
handlers are thin: searching and changing the corpus run in worker threads
(`asyncio.to_thread`) against the one `Corpus` kept in `bot_data`, and every
reply is rendered by `render.telegram_*` (HTML parse mode, all corpus and
user text escaped, always within Telegram's 4096-character limit). Button
callback data stays far below 64 bytes: questions are kept server-side under
a short hash of their text (and recovered from the answer's first line after a
restart), passages are referred to by their numeric id.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from datetime import timedelta, timezone
from pathlib import PurePosixPath
from typing import Callable

from telegram import (BotCommand, BotCommandScopeChat, CallbackQuery, Document, InlineKeyboardButton,
                      InlineKeyboardMarkup, LinkPreviewOptions, Message, MessageEntity, MessageOrigin,
                      MessageOriginChannel, MessageOriginChat, Update)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          ContextTypes, Defaults, MessageHandler, filters)

from .. import render
from ..config import Settings
from ..corpus import AddResult, AddStatus, Corpus
from ..errors import ConfigError, NotFoundError, PolicybotError
from ..ingest.article import Article, ArticleMeta
from ..search.ranking import Answer
from ..ingest.sources import SUPPORTED_SUFFIXES, articles_from_bytes, read_url

log = logging.getLogger("policybot.telegram")

Context = ContextTypes.DEFAULT_TYPE

#: Passages per answer page unless POLICYBOT_TOP_K says otherwise ("更多" shows the next ones).
PAGE_SIZE = 3
#: Articles per /sources page.
SOURCES_PER_PAGE = 8
#: How often (seconds) files dropped into corpus/ by hand are looked for while the bot runs.
SYNC_INTERVAL = 60.0
#: Questions and undo records kept for buttons (oldest forgotten first) ...
REMEMBERED = 10_000
#: ... and the characters they may hold in all (a question can be 4,096 characters long).
REMEMBERED_CHARS = 2_000_000
#: Users whose question rate is tracked; beyond this, users with no question waiting are forgotten.
THROTTLED_USERS = 10_000
#: Forwarded posts are dated in China Standard Time (the corpus is Chinese policy news).
CHINA_TZ = timezone(timedelta(hours=8))
ALLOWED_UPDATES = ["message", "callback_query"]

PUBLIC_COMMANDS = [
    ("start", "能问什么、怎么问"),
    ("help", "帮助和示例问题"),
    ("ask", "提问,例如 /ask 宜兴发展哪些新赛道"),
    ("sources", "文章列表"),
    ("stats", "语料统计"),
]
ADMIN_COMMANDS = PUBLIC_COMMANDS + [
    ("add", "添加文章:文字、网址,或回复一条转发的文章"),
    ("remove", "删除文章:/remove ID"),
]

WAIT = "请稍候,问题有点多,我按顺序回答。"
SORRY = "抱歉,处理这条消息时出了点问题,请稍后再试。"
NOT_ADMIN = "抱歉,只有管理员可以添加或删除文章。"
EXPIRED = "这个按钮已过期,请重新提问。"
NON_TEXT = "请用文字提问,例如:宜兴发展哪些新赛道?发送 /help 查看更多示例。"
UNKNOWN_COMMAND = "不认识这个命令。发送 /help 查看用法。"
ASK_USAGE = "用法:/ask 问题,例如 /ask 宜兴发展哪些新赛道?"
ADD_USAGE = ("用法:/add 文章文字;/add 网址;回复一条(转发的)文章发 /add;"
             "或直接发送 .txt .md .html .jsonl 文件。")
REMOVE_USAGE = "用法:/remove 文章ID(用 /sources 查看 ID)。"
FORWARD_HINT = "这是一条转发的消息。要把它加入文章库,请回复它并发送 /add;要提问,请直接输入问题。"

_QUESTION_LINE = "🔎 "
_ADD_CAPTION = re.compile(r"^/add(?:@\w+)?(?:\s|$)", re.IGNORECASE)
_COMMAND_PREFIX = re.compile(r"^/\w+(?:@\w+)?\s*")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


# ---- per-user throttling --------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float
    pending: int = 0
    notified: bool = False


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

    def reserve(self, user_id: int) -> float | None:
        """Seconds this question must wait (0: go ahead), or None to drop it."""
        now = time.monotonic()
        bucket = self._users.get(user_id)
        if bucket is None:
            if len(self._users) >= self.max_users:
                self._forget_idle()
            bucket = self._users[user_id] = _Bucket(float(self.burst), now)
        if bucket.pending >= self.max_pending:
            return None
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate) - 1.0
        bucket.stamp = now
        bucket.pending += 1
        return 0.0 if bucket.tokens >= 0 else -bucket.tokens / self.rate

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


# ---- shared state ---------------------------------------------------------------------------


def _corpus(context: Context) -> Corpus:
    return context.bot_data["corpus"]


def _settings(context: Context) -> Settings:
    return context.bot_data["settings"]


def _page_size(context: Context) -> int:
    return min(max(_settings(context).top_k, 1), 8)


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


def normalize_question(text: str) -> str:
    """One line, single spaces: how a question is shown, keyed and searched."""
    return " ".join(text.split())


def question_key(question: str) -> str:
    """A short, stable key for a question (8 characters of a hash) for callback data."""
    digest = hashlib.blake2s(question.encode("utf-8"), digest_size=6).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def _is_admin(update: Update, context: Context) -> bool:
    user = update.effective_user
    return user is not None and user.id in _settings(context).admin_ids


def _command_rest(text: str | None) -> str:
    """What follows `/command` (or `/command@bot`), newlines kept."""
    text = text or ""
    match = _COMMAND_PREFIX.match(text)
    return (text[match.end():] if match else text).strip()


# ---- pages (built in worker threads) ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Page:
    """A rendered message and its buttons."""

    html: str
    markup: InlineKeyboardMarkup | None
    count: int = 0


def answer_page(corpus: Corpus, question: str, offset: int, key: str, size: int = PAGE_SIZE) -> Page:
    """Results offset+1 … offset+size of a question, with 原文 / 更多 buttons."""
    answer = corpus.ask(question, size + 1, offset)
    results = answer.results[:size]
    html = render.telegram_answer(Answer(answer.question, results))
    rows: list[list[InlineKeyboardButton]] = []
    if results:
        rows.append([InlineKeyboardButton(f"原文 {r.rank}", callback_data=f"o:{r.passage.id}") for r in results])
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton("‹ 上一页", callback_data=f"m:{key}:{max(0, offset - size)}"))
    if len(answer.results) > size:
        nav.append(InlineKeyboardButton("更多 ›", callback_data=f"m:{key}:{offset + size}"))
    if nav:
        rows.append(nav)
    return Page(html, InlineKeyboardMarkup(rows) if rows else None, len(results))


def passage_page(corpus: Corpus, passage_id: int) -> Page | None:
    """A passage in full between its neighbours, with ‹ / › buttons; None if it is gone."""
    rows = corpus.store.neighbours(passage_id, around=1)
    focus = next((p for p in rows if p.id == passage_id), None)
    if focus is None:
        return None
    nav = []
    before = [p for p in rows if p.ordinal < focus.ordinal]
    after = [p for p in rows if p.ordinal > focus.ordinal]
    if before:
        nav.append(InlineKeyboardButton("‹ 上一段", callback_data=f"p:{before[-1].id}"))
    if after:
        nav.append(InlineKeyboardButton("下一段 ›", callback_data=f"p:{after[0].id}"))
    return Page(render.telegram_passage(rows, passage_id), InlineKeyboardMarkup([nav]) if nav else None, 1)


def sources_page(corpus: Corpus, page: int) -> Page:
    """One page of /sources, with ‹ / › buttons."""
    rows = corpus.articles()
    pages = max(1, -(-len(rows) // SOURCES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("‹ 上一页", callback_data=f"s:{page - 1}"))
    if page + 1 < pages:
        nav.append(InlineKeyboardButton("下一页 ›", callback_data=f"s:{page + 1}"))
    html = render.telegram_sources(rows, page, SOURCES_PER_PAGE)
    return Page(html, InlineKeyboardMarkup([nav]) if nav else None, len(rows))


def example_questions(corpus: Corpus, limit: int = 3, articles: int = 20) -> list[str]:
    """Up to `limit` questions built from the newest articles' headings (or titles) that the corpus answers."""
    per_article: list[list[tuple[str, str]]] = []
    for row in corpus.articles()[:articles]:
        candidates: list[tuple[str, str]] = []
        tops: set[str] = set()
        for p in corpus.store.article_passages(row.id):
            if not p.section or p.section[0] in tops:
                continue
            top = p.section[0]
            tops.add(top)
            last = p.section[-1].rstrip("。!?!?;;,,:: ")
            if len(p.section) > 1 and len(top) <= 10 and 4 <= len(last) <= 18:
                candidates.append((f"{top}如何{last}?", row.id))
            elif len(top) <= 16:
                candidates.append((f"{top}有哪些举措?", row.id))
        if not candidates:
            candidates.append((f"{render.clip(row.title, 30)}讲了什么?", row.id))
        per_article.append(candidates)
    picked: list[str] = []
    checked = 0
    for round_ in range(max((len(c) for c in per_article), default=0)):
        for candidates in per_article:
            if round_ >= len(candidates) or len(picked) >= limit or checked >= 4 * limit:
                continue
            question, article_id = candidates[round_]
            checked += 1
            answer = corpus.ask(question, 1)
            if answer.results and answer.results[0].passage.article_id == article_id:
                picked.append(question)
    return picked


def _welcome_facts(corpus: Corpus, bot_data: dict) -> tuple[int, str | None, list[str]]:
    """Article count, newest date and example questions (cached until the corpus changes)."""
    store = corpus.store
    generation = store.generation()
    cached = bot_data.get("examples")
    if cached is None or cached[0] != generation:
        cached = (generation, example_questions(corpus))
        bot_data["examples"] = cached
    return store.counts()[0], store.date_range()[1], cached[1]


# ---- sending --------------------------------------------------------------------------------


async def _edit(query: CallbackQuery, page: Page, done: str | None = None, gone: str = EXPIRED) -> None:
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


def _accessible(query: CallbackQuery) -> Message | None:
    """The button's message, or None if Telegram no longer shows it to the bot (python-telegram-bot
    22 gives an inaccessible message as a `Message` dated 0, not as an `InaccessibleMessage`)."""
    message = query.message
    return message if isinstance(message, Message) and message.is_accessible else None


def _sync_if_due(corpus: Corpus, lock: threading.Lock) -> None:
    """Index files dropped into corpus/ by hand (one sync at a time)."""
    if not lock.acquire(blocking=False):
        return
    try:
        corpus.sync(progress=log.info, warn=log.warning)
    except Exception:  # a background chore must never take the bot down
        log.exception("syncing the corpus folder failed")
    finally:
        lock.release()


def _schedule_sync(context: Context) -> None:
    now = time.monotonic()
    if now - context.bot_data.get("last_sync", 0.0) < SYNC_INTERVAL:
        return
    context.bot_data["last_sync"] = now
    context.application.create_task(
        asyncio.to_thread(_sync_if_due, _corpus(context), context.bot_data["sync_lock"]))


# ---- questions ------------------------------------------------------------------------------


async def _answer(update: Update, context: Context, question: str) -> None:
    """Answer a question with the top passages, throttling users who ask too fast."""
    message = update.effective_message
    question = normalize_question(question)
    if message is None or not question:
        return
    user = update.effective_user
    who = user.id if user else message.chat.id
    throttle: Throttle = context.bot_data["throttle"]
    delay = throttle.reserve(who)
    if delay is None:
        log.info("dropped a question from %s: too many waiting", who)
        return
    try:
        if delay > 0:
            if throttle.notify_once(who):
                await message.reply_text(WAIT)
            await asyncio.sleep(delay)
        key = question_key(question)
        context.bot_data["questions"].remember(key, question)
        page = await asyncio.to_thread(answer_page, _corpus(context), question, 0, key, _page_size(context))
        await message.reply_text(page.html, reply_markup=page.markup)
    finally:
        throttle.release(who)
    _schedule_sync(context)


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
    if message.forward_origin is not None and _is_admin(update, context):
        await message.reply_text(FORWARD_HINT)
        return
    await _answer(update, context, message.text or "")


async def on_group_text(update: Update, context: Context) -> None:
    """In groups, answer messages that mention the bot or reply to it."""
    question = _addressed_question(update.effective_message, context.bot.id, context.bot.username)
    if question is not None:
        await _answer(update, context, question)


async def cmd_ask(update: Update, context: Context) -> None:
    """/ask 问题: ask a question (the way to ask in groups)."""
    question = _command_rest(update.effective_message.text)
    if not question:
        await update.effective_message.reply_text(render.tg_escape(ASK_USAGE))
        return
    await _answer(update, context, question)


async def on_more(update: Update, context: Context) -> None:
    """更多 / 上一页: edit the answer to show another page of passages."""
    query = update.callback_query
    message = _accessible(query)
    key, offset = context.match.group(1), int(context.match.group(2))
    question = context.bot_data["questions"].get(key)
    if question is None and message is not None and message.text:
        first_line = message.text.split("\n", 1)[0]
        if first_line.startswith(_QUESTION_LINE):
            candidate = normalize_question(first_line[len(_QUESTION_LINE):])
            question = candidate if question_key(candidate) == key else None
    if question is None or message is None:
        await query.answer(EXPIRED)
        return
    context.bot_data["questions"].remember(key, question)
    page = await asyncio.to_thread(answer_page, _corpus(context), question, offset, key, _page_size(context))
    if not page.count:
        await query.answer("没有更多了。")
        return
    await _edit(query, page)


async def on_original(update: Update, context: Context) -> None:
    """原文: send the whole passage with its neighbours, as a reply to the answer."""
    query = update.callback_query
    message = _accessible(query)
    page = await asyncio.to_thread(passage_page, _corpus(context), int(context.match.group(1)))
    if page is None or message is None:
        await query.answer("这段内容已不在文章库里了。" if page is None else EXPIRED)
        return
    await query.answer()
    await message.reply_text(page.html, reply_markup=page.markup, do_quote=True)


async def on_passage_nav(update: Update, context: Context) -> None:
    """‹ 上一段 / 下一段 ›: move the passage view through the article."""
    query = update.callback_query
    page = await asyncio.to_thread(passage_page, _corpus(context), int(context.match.group(1)))
    if page is None or _accessible(query) is None:
        await query.answer("这段内容已不在文章库里了。" if page is None else EXPIRED)
        return
    await _edit(query, page)


# ---- information ----------------------------------------------------------------------------


async def cmd_start(update: Update, context: Context) -> None:
    """/start and /help: what the bot knows, how to ask, example questions from the corpus."""
    n_articles, newest, examples = await asyncio.to_thread(_welcome_facts, _corpus(context), context.bot_data)
    admin = _is_admin(update, context)
    mb = _settings(context).max_upload_bytes // (1024 * 1024)
    await update.effective_message.reply_text(render.telegram_welcome(n_articles, newest, examples, admin, mb))
    if admin and update.effective_chat.type == ChatType.PRIVATE:
        await _admin_menu(update, context)


async def _admin_menu(update: Update, context: Context) -> None:
    """Show /add and /remove in an admin's command menu (once per run, in their private chat)."""
    shown: set[int] = context.bot_data["admin_menus"]
    chat_id = update.effective_chat.id
    if chat_id in shown:
        return
    shown.add(chat_id)
    try:
        await context.bot.set_my_commands([BotCommand(c, d) for c, d in ADMIN_COMMANDS],
                                          scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("could not set the admin command menu for chat %s: %s", chat_id, exc)


async def cmd_sources(update: Update, context: Context) -> None:
    """/sources: the article list, paged with buttons."""
    page = await asyncio.to_thread(sources_page, _corpus(context), 0)
    await update.effective_message.reply_text(page.html, reply_markup=page.markup)


async def on_sources_page(update: Update, context: Context) -> None:
    """‹ / › under /sources: show another page of the article list."""
    query = update.callback_query
    if _accessible(query) is None:
        await query.answer(EXPIRED)
        return
    page = await asyncio.to_thread(sources_page, _corpus(context), int(context.match.group(1)))
    await _edit(query, page)


async def cmd_stats(update: Update, context: Context) -> None:
    """/stats: corpus figures."""
    stats = await asyncio.to_thread(_corpus(context).stats)
    await update.effective_message.reply_text(render.telegram_stats(stats))


async def on_other_private(update: Update, context: Context) -> None:
    """Non-text in a private chat: ask for text (an admin forwarding a captioned post gets the /add hint)."""
    message = update.effective_message
    forwarded = message.forward_origin is not None and bool(message.caption) and _is_admin(update, context)
    await message.reply_text(render.tg_escape(FORWARD_HINT if forwarded else NON_TEXT))


async def on_unknown_command(update: Update, context: Context) -> None:
    """An unknown /command in a private chat: point to /help."""
    await update.effective_message.reply_text(render.tg_escape(UNKNOWN_COMMAND))


async def on_stale_button(update: Update, context: Context) -> None:
    """A button this version of the bot does not know: say it has expired."""
    await update.callback_query.answer(EXPIRED)


# ---- adding and removing (admins) -----------------------------------------------------------


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


def _fill(articles: list[Article], fallback: dict[str, str], title: str | None) -> list[Article]:
    """Fill fields the text itself did not give (the text's own publisher and date win)."""
    filled = []
    for article in articles:
        changes = {k: v for k, v in fallback.items() if not getattr(article, k)}
        if title and len(articles) == 1:
            changes["title"] = title
        filled.append(dataclasses.replace(article, **changes) if changes else article)
    return filled


async def _add(update: Update, context: Context, load: Callable[[], list[Article]], origin: str) -> None:
    """Load articles in a worker thread, store them, and reply with what happened."""
    message = update.effective_message
    corpus = _corpus(context)
    await context.bot.send_chat_action(message.chat.id, ChatAction.TYPING)

    def work() -> list[AddResult]:
        articles = load()
        return corpus.add_articles(articles, origins=[origin] * len(articles))

    try:
        results = await asyncio.to_thread(work)
    except PolicybotError as exc:
        log.info("not added (%s): %s", origin, exc)
        await message.reply_text(render.telegram_not_added(exc))
        return
    added = [r.article_id for r in results if r.status is AddStatus.ADDED]
    log.info("added %d article(s) from %s", len(added), origin)
    markup = None
    if added:
        key = secrets.token_urlsafe(6)
        context.bot_data["undo"].remember(key, added)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("撤销添加", callback_data=f"u:{key}")]])
    await message.reply_text(render.telegram_added(results), reply_markup=markup)


async def _refuse(update: Update, context: Context) -> bool:
    """Politely refuse non-admins; True if refused."""
    if _is_admin(update, context):
        return False
    user = update.effective_user
    log.info("refused an admin action from user %s", user.id if user else None)
    await update.effective_message.reply_text(render.tg_escape(NOT_ADMIN))
    return True


async def _add_document(update: Update, context: Context, document: Document, title: str | None) -> None:
    """Download an uploaded file (checked for type and size first) and add its articles."""
    message = update.effective_message
    name = document.file_name or "file"
    suffix = PurePosixPath(name).suffix.lower()
    limit = _settings(context).max_upload_bytes
    if suffix not in SUPPORTED_SUFFIXES:
        await message.reply_text(render.tg_fit(
            f"⚠️ 没有添加:{render.tg_escape(render.clip(name, 80))} 不是 .txt .md .html .jsonl 文件。"))
        return
    if document.file_size is not None and document.file_size > limit:
        await message.reply_text(render.tg_fit(
            f"⚠️ 没有添加:{render.tg_escape(render.clip(name, 80))} 有 {document.file_size / 1024 / 1024:.1f} MB,"
            f"超过 {limit // (1024 * 1024)} MB 的上限。请拆成几个小文件再发。"))
        return
    try:
        file = await document.get_file(read_timeout=60)
        data = bytes(await file.download_as_bytearray(read_timeout=120))
    except BadRequest as exc:
        await message.reply_text(render.tg_fit(f"⚠️ 没有添加:Telegram 不让下载这个文件({render.tg_escape(str(exc))})。"))
        return
    if len(data) > limit:
        await message.reply_text(f"⚠️ 没有添加:文件超过 {limit // (1024 * 1024)} MB 的上限。")
        return
    await _add(update, context, lambda: _fill(articles_from_bytes(data, name, ArticleMeta(), suffix=suffix), {}, title),
               f"telegram:{name}")


async def cmd_add(update: Update, context: Context) -> None:
    """/add text, /add URL, or /add replying to a (forwarded) post or a file: add articles (admins only)."""
    if await _refuse(update, context):
        return
    message = update.effective_message
    rest = _command_rest(message.text)
    reply = message.reply_to_message
    if reply is not None and reply.document is not None:
        await _add_document(update, context, reply.document, rest.split("\n", 1)[0] or None)
        return
    if reply is not None and (reply.text or reply.caption):
        text = reply.text or reply.caption or ""
        fallback = _origin_meta(reply.forward_origin)
        title = rest.split("\n", 1)[0] or None
        await _add(update, context, lambda: _fill(articles_from_bytes(text.encode("utf-8"), "转发的消息", ArticleMeta()),
                                                  fallback, title), "telegram:reply")
        return
    if not rest:
        await message.reply_text(render.tg_escape(ADD_USAGE))
        return
    if _URL.fullmatch(rest):
        settings = _settings(context)
        await _add(update, context, lambda: read_url(rest, ArticleMeta(), settings.url_timeout, settings.url_max_bytes),
                   rest)
        return
    await _add(update, context, lambda: articles_from_bytes(rest.encode("utf-8"), "消息", ArticleMeta()),
               "telegram:text")


async def on_document(update: Update, context: Context) -> None:
    """An uploaded file: add it (admins; in groups only with the caption /add)."""
    message = update.effective_message
    captioned = bool(_ADD_CAPTION.match(message.caption or ""))
    if message.chat.type != ChatType.PRIVATE and not captioned:
        return
    if await _refuse(update, context):
        return
    title = _command_rest(message.caption).split("\n", 1)[0] if captioned else ""
    await _add_document(update, context, message.document, title or None)


async def cmd_remove(update: Update, context: Context) -> None:
    """/remove ID: remove an article (admins only)."""
    if await _refuse(update, context):
        return
    message = update.effective_message
    words = _command_rest(message.text).split()
    if not words:
        await message.reply_text(render.tg_escape(REMOVE_USAGE))
        return
    article_id = words[0]
    try:
        row = await asyncio.to_thread(_corpus(context).remove, article_id)
    except NotFoundError:
        await message.reply_text(render.tg_fit(
            f"没有 ID 为 <code>{render.tg_escape(render.clip(article_id, 80))}</code> 的文章。用 /sources 查看 ID。"))
        return
    log.info("removed article %s", row.id)
    await message.reply_text(render.tg_fit(
        f"🗑 已删除 {render.tg_escape('《' + render.clip(row.title, 80) + '》')}"
        f"(<code>{render.tg_escape(row.id)}</code>),它不会再出现在回答里。"))


async def on_undo(update: Update, context: Context) -> None:
    """撤销添加: remove the articles an /add just added (admins only, checked on the presser)."""
    query = update.callback_query
    if not _is_admin(update, context):
        await query.answer(NOT_ADMIN, show_alert=True)
        return
    ids = context.bot_data["undo"].pop(context.match.group(1)) if _accessible(query) else None
    if ids is None:
        await query.answer("已经撤销过了,或这个按钮已过期。")
        return
    corpus = _corpus(context)

    def remove_all() -> int:
        removed = 0
        for article_id in ids:
            try:
                corpus.remove(article_id)
                removed += 1
            except NotFoundError:
                pass
        return removed

    removed = await asyncio.to_thread(remove_all)
    await _edit(query, Page(f"↩️ 已撤销:删除了刚才添加的 {removed} 篇文章。", None), "已撤销。", "已撤销。")


# ---- errors and wiring ----------------------------------------------------------------------


async def on_error(update: object, context: Context) -> None:
    """Log the failure with its traceback and tell the user something short; the bot keeps running."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await context.bot.send_message(update.effective_chat.id, render.tg_escape(SORRY))
    except TelegramError as exc:
        log.warning("could not tell chat %s about the error: %s", update.effective_chat.id, exc)


async def _post_init(application: Application) -> None:
    """Open the corpus (indexing new files in corpus/), warm it up, and register the command menu."""
    settings: Settings = application.bot_data["settings"]
    corpus = application.bot_data.get("corpus") or Corpus(settings)

    def prepare() -> int:
        corpus.sync(progress=log.info, warn=lambda m: log.warning("%s", m))
        corpus.ask("政策")  # loads jieba and the index before the first user waits for them
        return corpus.store.counts()[0]

    n_articles = await asyncio.to_thread(prepare)
    application.bot_data["corpus"] = corpus
    application.bot_data["last_sync"] = time.monotonic()
    await application.bot.set_my_commands([BotCommand(c, d) for c, d in PUBLIC_COMMANDS])
    log.info("policybot is up as @%s: %d articles in %s, %d admin(s)", application.bot.username, n_articles,
             settings.home, len(settings.admin_ids))


def _add_handlers(application: Application) -> None:
    new = filters.UpdateType.MESSAGE
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    for names, callback in ((("start", "help"), cmd_start), (("ask",), cmd_ask), (("sources",), cmd_sources),
                            (("stats",), cmd_stats), (("add",), cmd_add), (("remove",), cmd_remove)):
        application.add_handler(CommandHandler(list(names), callback, filters=new))
    application.add_handler(MessageHandler(new & private & filters.COMMAND, on_unknown_command))
    application.add_handler(MessageHandler(new & private & filters.TEXT & ~filters.COMMAND, on_private_text))
    application.add_handler(MessageHandler(new & groups & filters.TEXT & ~filters.COMMAND, on_group_text))
    application.add_handler(MessageHandler(new & filters.Document.ALL, on_document))
    application.add_handler(MessageHandler(new & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, on_other_private))
    # A query with neither data nor a game (a forged empty button) counts as matching *every* pattern
    # in python-telegram-bot, so it is caught first; a game query too (the bot has no games).
    application.add_handler(CallbackQueryHandler(on_stale_button, pattern=lambda data: False, game_pattern=""))
    application.add_handler(CallbackQueryHandler(on_more, pattern=r"^m:([\w-]{1,16}):(\d{1,6})$"))
    application.add_handler(CallbackQueryHandler(on_original, pattern=r"^o:(\d{1,18})$"))
    application.add_handler(CallbackQueryHandler(on_passage_nav, pattern=r"^p:(\d{1,18})$"))
    application.add_handler(CallbackQueryHandler(on_sources_page, pattern=r"^s:(\d{1,6})$"))
    application.add_handler(CallbackQueryHandler(on_undo, pattern=r"^u:([\w-]{1,16})$"))
    application.add_handler(CallbackQueryHandler(on_stale_button))
    application.add_error_handler(on_error)


class _Application(Application):
    """python-telegram-bot's Application without one leak: even with no persistence configured, it
    notes the chat and user id of every update for a persistence update that never comes (two sets
    that only grow, ~200 bytes per new user). With no persistence there is nothing to note."""

    def _mark_for_persistence_update(self, *, update: object | None = None, job: object | None = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)  # type: ignore[arg-type]


def build_application(settings: Settings, throttle: Throttle | None = None) -> Application:
    """The bot's Application: HTML replies without link previews, rate limiter, concurrent updates."""
    if not settings.telegram_token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set",
            "create a bot with @BotFather in Telegram (/newbot), then put TELEGRAM_BOT_TOKEN=<token> in .env "
            "(copy .env.example) or export it in the environment")
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
    application.bot_data.update(settings=settings, throttle=throttle or Throttle(), questions=Recent(),
                                undo=Recent(), admin_menus=set(), sync_lock=threading.Lock(), last_sync=0.0)
    _add_handlers(application)
    return application


def run_bot(settings: Settings) -> int:
    """`policybot bot` / `python bot.py`: run the bot with long polling until Ctrl-C or SIGTERM."""
    application = build_application(settings)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines would log the token in URLs
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=3)
    except InvalidToken:
        raise ConfigError("Telegram did not accept TELEGRAM_BOT_TOKEN",
                          "copy the token again from @BotFather (/mybots → API Token) into .env") from None
    except NetworkError as exc:
        raise PolicybotError(f"cannot reach the Telegram Bot API at {settings.telegram_api_url} ({exc})",
                             "check the network connection, or TELEGRAM_API_URL for a self-hosted server") from None
    return 0


__all__ = ["Recent", "Throttle", "answer_page", "build_application", "example_questions", "passage_page", "run_bot",
           "sources_page"]

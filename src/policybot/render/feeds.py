"""Following sources as text: `feeds list`, `update`'s summary and `--notify`, and the bot's feed,
subscription and alert replies (Telegram HTML; feed names, URLs, errors and corpus text all escaped)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Sequence

from .common import clip
from .messages import BOT_LANGUAGE, text, translate
from .terminal import safe_terminal, terminal
from .tg_html import TG_MAX_MESSAGE, tg_escape, tg_fit, tg_len, tg_link
from .tg_replies import TG_FIELD_CHARS, TG_TITLE_CHARS, telegram_answer

if TYPE_CHECKING:
    from ..alerts import Alert
    from ..feedstore import FeedRow, SubscriptionRow
    from ..follow import UpdateReport

TG_ERROR_CHARS = 160


def _when(stamp: float | None, lang: str) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else text("cli.feeds.list.never", lang)


def translated_error(line: str, lang: str) -> str:
    """A stored error line ("what — what to do", in English) in `lang`."""
    message, separator, hint = line.partition(" — ")
    shown = translate(message, lang)
    return shown + text("cli.hint_separator", lang) + translate(hint, lang) if separator else shown


# ---- terminal ------------------------------------------------------------------------------------


def feed_lines(rows: Sequence["FeedRow"], lang: str) -> str:
    """`policybot feeds list`: name and URL, then last checked, last new article, articles taken, last error."""
    if not rows:
        return text("cli.feeds.list.empty", lang)
    blocks = []
    for row in rows:
        if row.last_error:
            state = text("cli.feeds.list.failing", lang, error=translated_error(row.last_error, lang))
        else:
            state = text("cli.feeds.list.ok" if row.checked_at else "cli.feeds.list.unchecked", lang)
        facts = text("cli.feeds.list.line", lang, checked=_when(row.checked_at, lang),
                     new=_when(row.last_new_at, lang), taken=row.taken, state=" ".join(state.split()))
        blocks.append(safe_terminal(f"{row.name}  {row.url}") + "\n" + safe_terminal(facts))
    return "\n".join(blocks)


def update_summary(report: "UpdateReport", lang: str = "en") -> str:
    """`policybot update`'s one summary line."""
    parts = [text("cli.update.summary", lang, feeds=len(report.checks), new=len(report.added))]
    counts = (("duplicates", sum(c.duplicates for c in report.checks)),
              ("items_failed", sum(len(c.failed_items) for c in report.checks)),
              ("busy", len(report.busy)), ("feeds_failed", len(report.failed)))
    parts += [text(f"cli.update.{key}", lang, n=n) for key, n in counts if n]
    return safe_terminal(text("cli.update.separator", lang).join(parts))


def alert_text(alert: "Alert", lang: str = "en") -> str:
    """What `update --notify` prints for one subscription."""
    sub = alert.subscription
    return safe_terminal(text("cli.update.alert", lang, chat=sub.chat_id, query=sub.query)) + "\n" + \
        terminal(alert.answer)


# ---- Telegram ------------------------------------------------------------------------------------


def _tg_when(stamp: float | None) -> str:
    return time.strftime("%m-%d %H:%M", time.localtime(stamp)) if stamp else "从未"


def telegram_feeds(rows: Sequence["FeedRow"], limit: int = TG_MAX_MESSAGE) -> str:
    """/feeds: each followed source with its last check, last new article, articles taken and last error."""
    if not rows:
        return "还没有关注任何来源。用法:/feed_add 网址 [名称](RSS、Atom 或文章列表页)。"
    lines = [f"📡 关注的来源(共 {len(rows)} 个)"]
    for i, row in enumerate(rows, 1):
        name = tg_link(tg_escape(clip(row.name, TG_TITLE_CHARS)), row.url)
        error = translated_error(row.last_error, BOT_LANGUAGE) if row.last_error else ""
        state = f"⚠️ {tg_escape(clip(error, TG_ERROR_CHARS))}" if error else "正常"
        lines.append(f"{i}. <b>{name}</b>\n    检查于 {_tg_when(row.checked_at)} · 新文章于 {_tg_when(row.last_new_at)}"
                     f" · 已获取 {row.taken} 篇 · {state}")
    return tg_fit("\n\n".join(lines), limit)


def telegram_feed_added(row: "FeedRow", kind: str, items: int) -> str:
    kinds = {"rss": "RSS", "atom": "Atom", "html": "文章列表页"}
    return tg_fit(f"✅ 已关注 <b>{tg_escape(clip(row.name, TG_TITLE_CHARS))}</b>({kinds.get(kind, tg_escape(kind))},"
                  f"现有 {items} 条)。马上开始获取文章,之后定时检查。")


def telegram_feed_removed(row: "FeedRow") -> str:
    return tg_fit(f"🗑 已取消关注 <b>{tg_escape(clip(row.name, TG_TITLE_CHARS))}</b>。已获取的文章仍然保留。")


def telegram_feed_refused(error: Exception) -> str:
    """Why a feed or subscription command did nothing, in the bot's language."""
    return tg_fit(f"⚠️ 没有成功:{tg_escape(translated_error(str(error), BOT_LANGUAGE))}")


def telegram_subscribed(sub: "SubscriptionRow") -> str:
    return tg_fit(f"🔔 已订阅「{tg_escape(clip(sub.query, TG_FIELD_CHARS))}」。有相关的新文章时,我会把相关段落发给你。\n"
                  "/subscriptions 查看订阅,/unsubscribe 编号 取消。")


def telegram_subscriptions(rows: Sequence["SubscriptionRow"]) -> str:
    if not rows:
        return "你还没有订阅。用法:/subscribe 关键词或问题,例如 /subscribe 低空经济"
    lines = ["🔔 你的订阅:"] + [f"{i}. {tg_escape(clip(r.query, TG_FIELD_CHARS))}" for i, r in enumerate(rows, 1)]
    return tg_fit("\n".join(lines) + "\n\n取消订阅:/unsubscribe 编号")


def telegram_unsubscribed(sub: "SubscriptionRow") -> str:
    return tg_fit(f"已取消订阅「{tg_escape(clip(sub.query, TG_FIELD_CHARS))}」。")


def telegram_alert(alert: "Alert", limit: int = TG_MAX_MESSAGE) -> str:
    """One subscription's alert: the matching passages of the new articles, cited like answers."""
    query = tg_escape(clip(alert.subscription.query, TG_FIELD_CHARS))
    head = "🔔 <b>订阅提醒</b>:新到的文章里有你订阅的内容"
    tail = f"不想再收到:/unsubscribe {query}"
    body = telegram_answer(alert.answer, limit - tg_len(head) - tg_len(tail) - 4)
    return f"{head}\n\n{body}\n\n{tail}"

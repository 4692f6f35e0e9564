"""Telegram text for the chat features: inline results (`@bot 宜兴 新赛道`) and /unanswered.

Inline results have three parts: a plain-text title and description Telegram
shows in the list (no HTML there, only clipped), and the message sent when one
is picked — HTML like every other reply, corpus text escaped, fit to 4,096.
"""

from __future__ import annotations

import re
import time
from typing import Protocol, Sequence

from ..search.results import Result
from ..store import ArticleRow, PassageRow
from .common import citation, clip, highlight
from .tg_html import tg_bold, tg_escape, tg_fit, tg_link
from .tg_replies import TG_PASSAGE_CHARS, TG_QUESTION_CHARS, TG_TITLE_CHARS, telegram_citation, telegram_question

#: Plain-text caps of an inline result's title and description (Telegram shows a line or two).
INLINE_TITLE_CHARS = 100
INLINE_DESCRIPTION_CHARS = 160
_SENTENCE_END = re.compile(r"(?<=[。!?!?;;])")


def inline_title(result: Result) -> str:
    """The answering sentence, plain: of the snippet's sentences, the one holding most of the asked words."""
    sentences = [s for s in _SENTENCE_END.split(result.snippet.strip()) if s.strip()] or [result.snippet]
    best = max(sentences, key=lambda s: sum(1 for w in result.matched if w and w.lower() in s.lower()))
    return clip(" ".join(best.split()), INLINE_TITLE_CHARS) or "…"


def inline_description(p: PassageRow) -> str:
    """The passage's citation, plain."""
    return clip(citation(p), INLINE_DESCRIPTION_CHARS)


def inline_message(question: str, result: Result) -> str:
    """What is sent when a passage is picked: the question, the whole passage (asked words bold), its citation."""
    body = highlight(clip(result.passage.text, TG_PASSAGE_CHARS), result.matched, tg_bold, tg_escape)
    return tg_fit(f"{telegram_question(question)}\n\n{body}\n—— {telegram_citation(result.passage)}")


def inline_article_title(row: ArticleRow) -> str:
    return clip(f"《{' '.join(row.title.split())}》", INLINE_TITLE_CHARS)


def inline_article_description(row: ArticleRow) -> str:
    facts = [row.date or "日期不详", row.source, f"{row.n_passages} 段"]
    return clip(" · ".join(str(f) for f in facts if f), INLINE_DESCRIPTION_CHARS)


def inline_article_message(row: ArticleRow, first: PassageRow | None) -> str:
    """A newest article picked from an empty inline query: its title, facts, first passage and id."""
    title = tg_link(tg_escape(f"《{clip(row.title, TG_TITLE_CHARS)}》"), row.url)
    lines = [f"📄 <b>{title}</b>", tg_escape(inline_article_description(row))]
    if first is not None:
        lines.append(tg_escape(clip(first.text, TG_PASSAGE_CHARS)))
    lines.append(f"文章 ID:<code>{tg_escape(row.id)}</code>")
    return tg_fit("\n\n".join(lines))


class UnansweredRow(Protocol):
    question: str
    count: int
    last_at: float


def telegram_unanswered(rows: Sequence[UnansweredRow]) -> str:
    """/unanswered: the commonest questions that got no passage, to know what to add."""
    if not rows:
        return "还没有找不到答案的问题。"
    lines = ["❓ <b>没找到答案的问题</b>(次数 · 最近一次),可据此补充文章:"]
    for row in rows:
        when = time.strftime("%Y-%m-%d", time.localtime(row.last_at))
        lines.append(f"{row.count} 次 · {when} · {tg_escape(clip(row.question, TG_QUESTION_CHARS))}")
    return tg_fit("\n".join(lines))

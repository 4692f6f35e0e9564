"""What users tell the bot: 👍 / 👎 under each answer, and the admins' /unanswered.

A press stores the question, the passage shown first (by article id and
paragraph), the chat and the time (`Corpus.feedback`); `policybot feedback
export` writes them out. Questions that got no passage are counted as they
are asked (handlers._reply); /unanswered lists the commonest.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from .. import render
from ..corpus import Corpus
from . import texts
from .handlers import query_of
from .replies import accessible, refuse
from .state import Context, state_of

log = logging.getLogger("policybot.telegram")

#: Questions /unanswered lists.
UNANSWERED_SHOWN = 20


def _rate(corpus: Corpus, question: str, passage_id: int, up: bool, chat_id: int | None) -> bool:
    """Store one rating (worker thread); False if the passage is gone."""
    rows = corpus.neighbours(passage_id, around=0)
    if not rows:
        return False
    corpus.feedback.rate(question, rows[0].article_id, rows[0].ordinal, 1 if up else -1, chat_id)
    return True


async def on_feedback(update: Update, context: Context) -> None:
    """👍 / 👎: store the rating of the first passage the answer shows."""
    query = update.callback_query
    state = state_of(context)
    up, passage_id, key = context.match.group(1) == "+", int(context.match.group(2)), context.match.group(3)
    message = accessible(query)
    asked = query_of(key, message, state.questions)
    if asked is None or message is None:
        await query.answer(texts.EXPIRED)
        return
    stored = await asyncio.to_thread(_rate, state.corpus, asked.question, passage_id, up, message.chat.id)
    log.info("rating %s on passage %s", "+1" if up else "-1", passage_id)
    await query.answer((texts.THANKS_UP if up else texts.THANKS_DOWN) if stored else texts.PASSAGE_GONE)


async def cmd_unanswered(update: Update, context: Context) -> None:
    """/unanswered (admins): the commonest questions that got no passage."""
    if await refuse(update, context):
        return
    corpus = state_of(context).corpus
    rows = await asyncio.to_thread(lambda: corpus.feedback.unanswered(UNANSWERED_SHOWN))
    await update.effective_message.reply_text(render.telegram_unanswered(rows))

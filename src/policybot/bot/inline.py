"""Inline mode: `@bot 宜兴 新赛道` in any chat offers the top passages; picking one sends it, cited.

Telegram sends an inline query as the user types; each is answered with up to
`INLINE_RESULTS` articles (Bot API InlineQueryResultArticle): the answering
sentence as the title, the citation as the description, and the whole passage
with its citation as the message. An empty query offers the newest articles.
Result ids are short and unique ("p" + passage id, "a" + a hash of the article
id). Inline mode must be switched on with @BotFather (/setinline); the bot asks
for inline_query updates (`app.ALLOWED_UPDATES`).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update

from .. import render
from ..errors import InputError
from ..corpus import Corpus
from .callbacks import normalize_question, question_key
from .state import Context, state_of

log = logging.getLogger("policybot.telegram")

#: Results offered per inline query (Telegram allows 50; a phone shows a handful).
INLINE_RESULTS = 5
#: Telegram may serve the same results for this long to anyone typing the same query.
INLINE_CACHE_SECONDS = 60
#: Longest query searched (Telegram allows 256 characters).
INLINE_QUERY_CHARS = 256


def passage_results(corpus: Corpus, question: str) -> list[InlineQueryResultArticle]:
    """The top passages for a question as inline results (worker thread); none while a written
    limit is still being typed (从:202 is no date yet)."""
    try:
        answer = corpus.ask(question, INLINE_RESULTS)
    except InputError:
        return []
    return [InlineQueryResultArticle(
        id=f"p{r.passage.id}", title=render.inline_title(r), description=render.inline_description(r.passage),
        input_message_content=InputTextMessageContent(render.inline_message(answer.question, r)))
        for r in answer.results]


def newest_articles(corpus: Corpus) -> list[InlineQueryResultArticle]:
    """The newest articles, for an empty query (worker thread)."""
    results = []
    for row in corpus.articles()[:INLINE_RESULTS]:
        passages = corpus.passages_of(row.id)
        results.append(InlineQueryResultArticle(
            id=f"a{question_key(row.id)}", title=render.inline_article_title(row),
            description=render.inline_article_description(row),
            input_message_content=InputTextMessageContent(
                render.inline_article_message(row, passages[0] if passages else None))))
    return results


async def on_inline_query(update: Update, context: Context) -> None:
    """Answer an inline query (within the user's own inline limit; over it the query is not answered)."""
    inline = update.inline_query
    state = state_of(context)
    if not state.inline_throttle.take(inline.from_user.id):
        log.info("dropped an inline query from %s: over the limit", inline.from_user.id)
        return
    question = normalize_question(inline.query)[:INLINE_QUERY_CHARS]
    if question:
        results = await asyncio.to_thread(passage_results, state.corpus, question)
    else:
        results = await asyncio.to_thread(newest_articles, state.corpus)
    await inline.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=False)

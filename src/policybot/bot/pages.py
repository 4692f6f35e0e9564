"""Pages: a reply's HTML (from `render`) with its buttons. Built in worker threads (they search and read).

A page that other features point at (an answer, a passage, the article list)
is built here once, so a button, a command and later an inline result show
the same thing.
"""

from __future__ import annotations

import dataclasses

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from .. import render
from ..chat.session import Reply
from ..corpus import Answer, Corpus
from ..render import messages
from . import callbacks, texts
from .state import BotState

#: Passages per answer page unless POLICYBOT_TOP_K says otherwise ("更多" shows the next ones).
PAGE_SIZE = 3
#: Articles per /sources page.
SOURCES_PER_PAGE = 8


@dataclasses.dataclass(frozen=True)
class Page:
    """A rendered message and its buttons."""

    html: str
    markup: InlineKeyboardMarkup | None
    count: int = 0


def _markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def answer_page(answer: Answer, more: bool, offset: int, key: str, size: int = PAGE_SIZE,
                note: str | None = None) -> Page:
    """Results offset+1 … offset+size of a question (`answer`, already searched), with 原文 / 更多
    buttons and 👍 / 👎 for the first passage shown; `note` says which question a follow-up was read as."""
    results = answer.results[:size]
    html = render.telegram_answer(answer, shown=size, note=note)
    originals = [InlineKeyboardButton(texts.ORIGINAL.format(rank=r.rank),
                                      callback_data=callbacks.original(r.passage.id)) for r in results]
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(texts.PREVIOUS_PAGE, callback_data=callbacks.more(key, max(0, offset - size))))
    if more:
        nav.append(InlineKeyboardButton(texts.MORE, callback_data=callbacks.more(key, offset + size)))
    rating = [InlineKeyboardButton(label, callback_data=callbacks.feedback(up, results[0].passage.id, key))
              for up, label in ((True, texts.HELPFUL), (False, texts.NOT_HELPFUL))] if results else []
    return Page(html, _markup([originals, nav, rating]), len(results))


def follow_up_note(question: str) -> str:
    """What a follow-up's answer says under its question line."""
    return messages.text("followup.answered_as", messages.BOT_LANGUAGE, question=question)


def reply_page(corpus: Corpus, reply: Reply, size: int = PAGE_SIZE) -> Page:
    """The page for one message read in its chat's context (`Chats.reply`)."""
    lang = messages.BOT_LANGUAGE
    if reply.no_context:
        return Page(render.telegram_text(messages.text("followup.no_context", lang)), None)
    if reply.opens:
        page = passage_page(corpus, reply.passage_id) if reply.passage_id is not None else None
        return page or Page(render.telegram_text(
            messages.text("followup.no_item", lang, n=reply.read.item, shown=reply.shown)), None)
    answer, query = reply.answer, reply.query
    assert answer is not None and query is not None
    if reply.continues and not answer.results:
        return Page(render.telegram_text(messages.text("followup.no_more", lang, question=answer.question)), None)
    note = None
    if reply.answered_as:
        note = follow_up_note(reply.answered_as)
    elif reply.continues:
        note = messages.text("followup.more_of", lang, question=answer.question, first=reply.offset + 1,
                             last=reply.offset + len(answer.results[:size]))
    return answer_page(answer, reply.more, reply.offset, callbacks.query_key(query), size, note)


def passage_page(corpus: Corpus, passage_id: int) -> Page | None:
    """A passage in full between its neighbours, with ‹ / › buttons; None if it is gone."""
    rows = corpus.neighbours(passage_id, around=1)
    focus = next((p for p in rows if p.id == passage_id), None)
    if focus is None:
        return None
    nav = []
    before = [p for p in rows if p.ordinal < focus.ordinal]
    after = [p for p in rows if p.ordinal > focus.ordinal]
    if before:
        nav.append(InlineKeyboardButton(texts.PREVIOUS_PASSAGE, callback_data=callbacks.passage(before[-1].id)))
    if after:
        nav.append(InlineKeyboardButton(texts.NEXT_PASSAGE, callback_data=callbacks.passage(after[0].id)))
    return Page(render.telegram_passage(rows, passage_id), _markup([nav]), 1)


def sources_page(corpus: Corpus, page: int) -> Page:
    """One page of /sources, with ‹ / › buttons."""
    rows = corpus.articles()
    pages = max(1, -(-len(rows) // SOURCES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(texts.PREVIOUS_PAGE, callback_data=callbacks.sources(page - 1)))
    if page + 1 < pages:
        nav.append(InlineKeyboardButton(texts.NEXT_PAGE, callback_data=callbacks.sources(page + 1)))
    html = render.telegram_sources(rows, page, SOURCES_PER_PAGE)
    return Page(html, _markup([nav]), len(rows))


def undo_markup(token: str) -> InlineKeyboardMarkup:
    """The 撤销添加 button under an /add report."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.UNDO_ADD, callback_data=callbacks.undo(token))]])


def _candidate_questions(corpus: Corpus, article_id: str, title: str) -> list[str]:
    """Questions built from an article's headings (one per top heading), or else from its title."""
    candidates: list[str] = []
    tops: set[str] = set()
    for p in corpus.passages_of(article_id):
        if not p.section or p.section[0] in tops:
            continue
        top = p.section[0]
        tops.add(top)
        last = p.section[-1].rstrip("。!?!?;;,,:: ")
        if len(p.section) > 1 and len(top) <= 10 and 4 <= len(last) <= 18:
            candidates.append(texts.EXAMPLE_HOW.format(top=top, last=last))
        elif len(top) <= 16:
            candidates.append(texts.EXAMPLE_MEASURES.format(top=top))
    return candidates or [texts.EXAMPLE_ABOUT.format(title=render.clip(title, 30))]


def example_questions(corpus: Corpus, limit: int = 3, articles: int = 20) -> list[str]:
    """Up to `limit` questions built from the newest articles' headings (or titles) that the corpus answers."""
    per_article = [(row.id, _candidate_questions(corpus, row.id, row.title)) for row in corpus.articles()[:articles]]
    picked: list[str] = []
    checked = 0
    for round_ in range(max((len(c) for _, c in per_article), default=0)):
        for article_id, candidates in per_article:
            if round_ >= len(candidates) or len(picked) >= limit or checked >= 4 * limit:
                continue
            question = candidates[round_]
            checked += 1
            answer = corpus.ask(question, 1)
            if answer.results and answer.results[0].passage.article_id == article_id:
                picked.append(question)
    return picked


def welcome_facts(state: BotState) -> tuple[int, str | None, list[str]]:
    """Article count, newest date and example questions (cached until the corpus changes)."""
    corpus = state.corpus
    generation = corpus.generation()
    cached = state.examples
    if cached is None or cached[0] != generation:
        cached = (generation, example_questions(corpus))
        state.examples = cached
    return corpus.counts().articles, corpus.newest_date(), cached[1]

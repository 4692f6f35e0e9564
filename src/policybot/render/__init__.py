"""Answers as text for people and machines: a terminal, JSON, and Telegram HTML.

Corpus text is untrusted: every renderer escapes it for its medium (control
characters for terminals, entities for HTML) before adding its own markup.
All Telegram HTML is built here (`tg_html` for the markup rules, `tg_replies`
for each reply); the bot only chooses which reply to send.
"""

from __future__ import annotations

from .as_json import json_line, to_json
from .common import ELLIPSIS, NO_ANSWER, citation, citation_parts, clip, highlight
from .feeds import (alert_text, feed_lines, telegram_alert, telegram_feed_added, telegram_feed_refused,
                    telegram_feed_removed, telegram_feeds, telegram_subscribed, telegram_subscriptions,
                    telegram_unsubscribed, translated_error, update_summary)
from .terminal import (BOLD, DIM, RESET, article_lines, human_size, safe_terminal, stats_lines, terminal,
                       terminal_passage)
from .tg_html import (TG_ELLIPSIS, TG_MAX_MESSAGE, tg_bold, tg_escape, tg_fit, tg_len, tg_link, tg_plain, tg_safe_url,
                      utf16_units)
from .tg_replies import (TG_FIELD_CHARS, TG_NEIGHBOUR_CHARS, TG_PASSAGE_CHARS, TG_QUESTION_CHARS, TG_SNIPPET_CHARS,
                         TG_TITLE_CHARS, telegram_added, telegram_answer, telegram_citation,
                         telegram_download_over_limit, telegram_download_refused, telegram_file_too_big,
                         telegram_no_such_article, telegram_not_added, telegram_passage, telegram_question,
                         telegram_question_refused,
                         telegram_removed, telegram_sources, telegram_stats, telegram_text, telegram_undone,
                         telegram_unreadable_file, telegram_welcome)
from .tg_chat import (INLINE_TITLE_CHARS, inline_article_description, inline_article_message, inline_article_title,
                      inline_description, inline_message, inline_title, telegram_unanswered)

__all__ = [
    "BOLD", "INLINE_TITLE_CHARS", "DIM", "ELLIPSIS", "NO_ANSWER", "RESET", "TG_ELLIPSIS", "TG_FIELD_CHARS", "TG_MAX_MESSAGE",
    "TG_NEIGHBOUR_CHARS", "TG_PASSAGE_CHARS", "TG_QUESTION_CHARS", "TG_SNIPPET_CHARS", "TG_TITLE_CHARS",
    "article_lines", "citation", "citation_parts", "clip", "highlight", "human_size", "inline_article_description",
    "inline_article_message", "inline_article_title", "inline_description", "inline_message", "inline_title",
    "json_line", "safe_terminal", "stats_lines",
    "telegram_added", "telegram_answer", "telegram_citation", "telegram_download_over_limit",
    "telegram_download_refused", "telegram_file_too_big", "telegram_no_such_article", "telegram_not_added",
    "telegram_passage", "telegram_question", "telegram_question_refused", "telegram_removed", "telegram_sources", "telegram_stats",
    "telegram_text", "telegram_unanswered", "telegram_undone", "telegram_unreadable_file", "telegram_welcome",
    "terminal", "terminal_passage", "tg_bold", "tg_escape", "tg_fit", "tg_len", "tg_link", "tg_plain", "tg_safe_url", "to_json", "utf16_units",
    # following sources (render/feeds.py)
    "alert_text", "feed_lines", "telegram_alert", "telegram_feed_added", "telegram_feed_refused",
    "telegram_feed_removed", "telegram_feeds", "telegram_subscribed", "telegram_subscriptions",
    "telegram_unsubscribed", "translated_error", "update_summary",
]

"""Whole articles' normalized texts for the article signal, kept across questions."""

from __future__ import annotations

import threading

from ..segment.segmenter import normalize_for_terms
from ..store import PassageRow, Store

#: Characters of normalized article text kept across questions (oldest dropped first): a memory
#: budget, not a ranking choice. Normalizing a long article is what the article signal costs.
ARTICLE_CACHE_CHARS = 8_000_000


class ArticleTexts:
    """Normalized title and text of each article, cached by (article id, content hash)."""

    def __init__(self, max_chars: int = ARTICLE_CACHE_CHARS) -> None:
        self.max_chars = max_chars
        self._texts: dict[tuple[str, str], str] = {}  # insertion order: oldest first
        self._chars = 0
        self._lock = threading.Lock()

    @property
    def chars(self) -> int:
        """Characters held now."""
        return self._chars

    def keys(self) -> list[tuple[str, str]]:
        """The (article id, content hash) pairs held, oldest first."""
        with self._lock:
            return list(self._texts)

    def of(self, store: Store, rows: dict[str, PassageRow]) -> dict[str, str]:
        """The normalized text of each article (keyed by id; a passage of it in `rows` gives its title)."""
        texts: dict[str, str] = {}
        for article_id, content_hash in store.article_hashes(list(rows)).items():
            key = (article_id, content_hash)
            text = self._texts.get(key)
            if text is None:
                text = normalize_for_terms(rows[article_id].title + "\n" + (store.article_text(article_id) or ""))
                self.remember(key, text)
            texts[article_id] = text
        return texts

    def remember(self, key: tuple[str, str], text: str) -> None:
        """Keep a text, dropping the oldest ones to stay within the budget (one larger than it is not kept)."""
        with self._lock:
            if key in self._texts or len(text) > self.max_chars:
                return
            while self._texts and self._chars + len(text) > self.max_chars:
                self._chars -= len(self._texts.pop(next(iter(self._texts))))
            self._texts[key] = text
            self._chars += len(text)

"""Which stored article an incoming one is, and what adding it does.

The rules (README, `policybot add --help`):

- An article keeps one id for its life: the `--id` or JSONL ``"id"`` it was
  given, else the first 12 hex digits of its text's hash when first added.
- An incoming article *is* a stored one when it names it: the same id, or
  the same source — a file path or URL added before (its key), or a file in
  the corpus folder.
- The same text is the same article, whatever its title or publisher: adding
  it again says "already there" and names the article.
- Adding an article that is there with other text changes nothing unless
  ``--replace`` is given; then it is replaced in place: same id, new text, in
  one transaction.
- Nothing is ever deleted to make room: a replacement whose text is another
  article's text is refused, naming that article.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from .ingest.article import Article


class AddStatus(StrEnum):
    """What adding one article did (or, for SKIPPED, why it was not read)."""

    ADDED = "added"
    REPLACED = "replaced"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Decision:
    """The action, the article id it concerns, and (for duplicates and conflicts) why, in one line."""

    action: AddStatus
    article_id: str
    reason: str = ""


class _Row(Protocol):
    id: str
    title: str


class Lookup(Protocol):
    """What `decide` asks the store."""

    def article(self, article_id: str) -> _Row | None: ...

    def article_by_hash(self, content_hash: str) -> _Row | None: ...

    def article_by_key(self, key: str) -> _Row | None: ...


def decide(store: Lookup, article: Article, replace: bool, where: str = "") -> Decision:
    """What adding `article` (read from `where`) does to the store."""
    target = store.article(article.article_id) if article.article_id else None
    if target is None and article.key:
        target = store.article_by_key(article.key)
    same = store.article_by_hash(article.content_hash)
    if target is None:
        if same is not None:
            return Decision(AddStatus.DUPLICATE, same.id, _same_text(same))
        return Decision(AddStatus.ADDED, _new_id(store, article))
    if same is not None and same.id != target.id:
        return Decision(AddStatus.CONFLICT, target.id,
                        f"its text is already article {same.id} 《{same.title}》; nothing was deleted — "
                        f"remove one of them first, or replace {same.id}")
    if not replace:
        if same is not None:
            return Decision(AddStatus.DUPLICATE, target.id, _same_text(target))
        return Decision(AddStatus.CONFLICT, target.id,
                        f"{where or 'it'} was added before as {target.id} with other text — "
                        f"add it again with --replace to update {target.id} in place")
    return Decision(AddStatus.REPLACED, target.id)


def _same_text(row: _Row) -> str:
    return f"same text as {row.id} 《{row.title}》, whatever the title or publisher"


def _new_id(store: Lookup, article: Article) -> str:
    if article.article_id:
        return article.article_id
    # Another text may already hold this hash prefix as its id (1 in 2^48): take more digits.
    for length in (12, 16, 24, 64):
        candidate = article.content_hash[:length]
        if store.article(candidate) is None:
            return candidate
    return article.content_hash

"""What a reader of a passage sees around it in its article, for the article signal.

Not the whole article: its title, its first passages (where news name the place, the
body and the subject) and the passages next to the candidate. The work per question is
bounded however long one article is (a 50 MB article costs what a short one does).
"""

from __future__ import annotations

from ..store import PassageRow, Store
from .signals import normalized


def around(row: PassageRow, head: int, near: int) -> list[int]:
    """Positions read around a passage: the first `head` of its article and `near` on each side."""
    return sorted(set(range(head)) | set(range(max(0, row.ordinal - near), row.ordinal + near + 1)))


def contexts(store: Store, rows: list[PassageRow], head: int, near: int) -> dict[int, str]:
    """Passage id -> the normalized title and passages a reader sees around it."""
    wanted = {row.id: around(row, head, near) for row in rows}
    texts = store.passage_texts([(row.article_id, at) for row in rows for at in wanted[row.id]])
    return {row.id: "\n".join([normalized(row.title)] + [normalized(texts[(row.article_id, at)])
                                                        for at in wanted[row.id] if (row.article_id, at) in texts])
            for row in rows}

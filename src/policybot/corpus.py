"""The library's front door: a home's articles, its index, and questions against it.

The CLI and the Telegram bot are thin shells around `Corpus`. It owns the
store (one SQLite connection per thread), the segmenter, and the current index
snapshot, which it reloads when another process or thread commits a change.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Collection, Sequence

from .chat.session import Chats
from .feedbackstore import FeedbackLog
from .segment import bulk
from . import index as idx
from .alerts import Alert, Alerts
from .config import Settings
from .errors import InputError, NotFoundError, PolicybotError
from .follow import Feeds
from .ingest.article import Article, ArticleMeta, parse_date
from .search.params import RankingParams
from .search.limits import filters_of, read_limits
from .search.ranking import Answer, Filters, Searcher
from .segment.segmenter import Segmenter, get_segmenter, retrievable_text
from .ingest.sources import (SUPPORTED_SUFFIXES, articles_from_bytes, iter_files, read_file, read_stdin, read_url,
                             valid_article_id)
from .ingest.urlsafety import policy_for
from .ingest.sources import load
from .identity import AddStatus, decide
from .store import ArticleRow, FileInfo, IndexedText, PassageRow, Store, make_folder

Progress = Callable[[str], None]
#: Articles written per transaction (and per index segment) during large imports.
BATCH_ARTICLES = 500
#: An article longer than this (characters) is segmented and indexed a slice at a time ...
HUGE_ARTICLE = 1_000_000
#: ... of about this many characters.
HUGE_SLICE = 250_000


def _size(article: Article) -> int:
    return len(article.text)


def _slices(lengths: Sequence[int], budget: int) -> Iterator[tuple[int, int]]:
    """(start, end) index ranges whose lengths add up to about `budget` (at least one item each)."""
    start, total = 0, 0
    for i, length in enumerate(lengths):
        if total and total + length > budget:
            yield start, i
            start, total = i, 0
        total += length
    if start < len(lengths):
        yield start, len(lengths)


@dataclass(frozen=True)
class AddResult:
    """What happened to one article handed to `add` (SKIPPED: an input or line that could not be used)."""

    status: AddStatus
    article_id: str
    title: str
    date: str | None
    passages: int
    origin: str = ""
    #: Why, for a duplicate, a conflict or a skipped input (one line).
    reason: str = ""

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"status": str(self.status), "id": self.article_id, "title": self.title,
                                   "date": self.date, "passages": self.passages, "origin": self.origin}
        return data | ({"reason": self.reason} if self.reason else {})

    @property
    def counts_as_skipped(self) -> bool:
        """Not stored, and not because it was there already: `add` exits 1."""
        return self.status in (AddStatus.SKIPPED, AddStatus.CONFLICT)


def _quiet(_: str) -> None:
    pass


def check_limits(since: date | str | None, until: date | str | None, source: str | None) -> None:
    """Raise InputError for a `since`/`until` that is no date, or a `since` after `until`."""
    Filters.of(since, until, source)


def _merged(written: Filters, flags: Filters) -> Filters:
    """Limits written in a question, each overridden by the flag of the same name."""
    return Filters(flags.since or written.since, flags.until or written.until, flags.source or written.source)


class Corpus:
    """Articles and their index in one home directory."""

    def __init__(self, settings: Settings, segmenter: Segmenter | None = None,
                 params: RankingParams | None = None) -> None:
        """`params`: the ranking's weights and thresholds (default `RankingParams()`)."""
        self.settings = settings
        self._segmenter = segmenter
        self._params = params
        self._searcher: Searcher | None = None
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()
        self._snapshot: idx.Snapshot | None = None
        self._last_sync = 0.0

    # ---- plumbing ----------------------------------------------------------

    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self._segmenter = get_segmenter(self.settings.state_dir / "cache")
        return self._segmenter

    @property
    def searcher(self) -> Searcher:
        """One searcher for the corpus (it caches article texts across questions)."""
        if self._searcher is None:
            self._searcher = Searcher(self.segmenter, self._params)
        return self._searcher

    @property
    def store(self) -> Store:
        """This thread's connection to the store."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.settings.db_path)
            self._local.store = store
        return store

    def snapshot(self) -> idx.Snapshot:
        """The current index, reloaded if the store changed since the last look."""
        generation = self.store.generation()
        current = self._snapshot
        if current is not None and current.generation == generation:
            return current
        with self._snapshot_lock:
            current = self._snapshot
            if current is not None and current.generation == generation:
                return current
            with self.store.read() as conn:
                generation = self.store.generation()
                self._snapshot = idx.load_snapshot(conn, generation, current)
            return self._snapshot

    # ---- questions ---------------------------------------------------------

    def ask(self, question: str, k: int | None = None, offset: int = 0, *, today: date | None = None,
            since: date | str | None = None, until: date | str | None = None, source: str | None = None,
            article_ids: Collection[str] | None = None) -> Answer:
        """Cited passages answering a question.

        `today`: what relative time words (今年, 上个月, 最新) are read against (default: the
        settings' `today`, else the system date). `since`/`until` (YYYY-MM-DD, YYYY-MM or YYYY,
        both included) and `source` (part of a publisher's name) limit which articles may
        answer; a bad date is an InputError. The same limits may be written into the question
        (`来源:新闻联播 从:2024-01 到:2024-06`, `search.limits`); a flag wins over a written one. With `article_ids`, only those articles answer (the
        same search and "no answer" rule: alerts match new articles so).
        """
        written = read_limits(question)  # 来源:… 从:… 到:… typed into the question (chats have no flags)
        filters = Filters.of(since, until, source) if written.question == question else \
            _merged(filters_of(written), Filters.of(since, until, source))
        only = None if article_ids is None else self.store.passage_ids_of(article_ids)
        answer = self.searcher.ask(self.store, self.snapshot(), written.question, k or self.settings.top_k, offset,
                                   today=today or self.settings.today or date.today(), filters=filters, only=only)
        return answer if written.question == question else dataclasses.replace(answer, question=question.strip())

    # ---- following sources ---------------------------------------------------

    @property
    def feeds(self) -> Feeds:
        """The feeds and list pages this home follows (`policybot feeds`, `update`, the bot's check)."""
        return Feeds(self)

    @property
    def alerts(self) -> Alerts:
        """Subscriptions, and the alerts new articles make due."""
        return Alerts(self)

    # ---- adding ------------------------------------------------------------

    def _read_url(self, url: str, meta: ArticleMeta) -> list[Article]:
        return read_url(url, meta, self.settings.url_timeout, self.settings.url_max_bytes,
                        policy_for(self.settings.allow_private_urls))

    def add(self, inputs: Sequence[str], meta: ArticleMeta | None = None, replace: bool = False,
            progress: Progress = _quiet, strict: bool = False) -> list[AddResult]:
        """Add articles from paths, URLs or '-' (stdin): each stands alone, what cannot be used is SKIPPED.

        `strict`: the first input or line that cannot be used raises, and nothing is stored.
        """
        loaded = load(inputs, meta or ArticleMeta(), self.settings.max_input_bytes, self._read_url)
        if strict and loaded.skipped:
            raise loaded.skipped[0].error
        skipped = [AddResult(AddStatus.SKIPPED, "", "", None, 0, s.where, str(s)) for s in loaded.skipped]
        return skipped + self.add_articles([a for a, _ in loaded.articles], replace=replace, progress=progress,
                                           origins=[where for _, where in loaded.articles])

    def load_inputs(self, inputs: Sequence[str], meta: ArticleMeta | None = None) -> list[tuple[Article, str]]:
        """Read inputs without storing them: (article, where it came from) pairs, each file or URL
        article carrying its key; the first input that cannot be used raises (feeds read links so)."""
        loaded = load(inputs, meta or ArticleMeta(), self.settings.max_input_bytes, self._read_url)
        if loaded.skipped:
            raise loaded.skipped[0].error
        return loaded.articles

    def add_articles(self, articles: Sequence[Article], replace: bool = False, progress: Progress = _quiet,
                     origins: Sequence[str] | None = None,
                     files: Sequence[FileInfo | None] | None = None,
                     drop_ids: Sequence[str] = ()) -> list[AddResult]:
        """Store and index articles, a batch per transaction (each article whole or not at all).

        An article over HUGE_ARTICLE characters is written alone, its passages segmented and
        indexed a slice at a time (memory stays a few times its size, not its terms' size).
        """
        origins = list(origins) if origins else [""] * len(articles)
        files = list(files) if files else [None] * len(articles)
        results: list[AddResult] = []
        start = 0
        for end in [i for i, a in enumerate(articles) if _size(a) > HUGE_ARTICLE] + [len(articles)]:
            if end > start:
                results += self._add_batches(articles[start:end], replace, progress, origins[start:end],
                                             files[start:end], drop_ids if start == 0 else ())
            if end < len(articles):
                drops = drop_ids if end == 0 else ()
                results.append(self._add_huge(articles[end], replace, origins[end], files[end], drops, progress))
            start = end + 1
        return results

    def _add_huge(self, article: Article, replace: bool, origin: str, file_info: FileInfo | None,
                  drop_ids: Sequence[str], progress: Progress) -> AddResult:
        """One very long article in one transaction, indexed a slice of passages at a time."""
        with self._write_lock, self.store.write() as conn:
            if drop_ids:
                idx.remove_passages(conn, self.store.delete_articles(drop_ids))
            result, rowids, old_rowids = self._insert(article, replace, file_info, origin)
            idx.remove_passages(conn, old_rowids)
            passages = article.passages if rowids else ()
            done = 0
            for lo, hi in _slices([len(p.text) for p in passages], HUGE_SLICE):
                terms = [self.segmenter.terms(retrievable_text(article.title, p.section, p.text))
                         for p in passages[lo:hi]]
                idx.add_passages(conn, rowids[lo:hi], terms)
                done = hi
                progress(f"indexed {done}/{len(passages)} passages of {origin or article.title}")
            idx.merge_if_needed(conn)
        return result

    def _add_batches(self, articles: Sequence[Article], replace: bool, progress: Progress, origins: Sequence[str],
                     files: Sequence[FileInfo | None], drop_ids: Sequence[str]) -> list[AddResult]:
        results: list[AddResult] = []
        total = len(articles)
        started = time.monotonic()
        # Segmentation (the slow part) may run in worker processes, ahead of the writes.
        with bulk.batch_terms(self.segmenter, articles, BATCH_ARTICLES) as segmented:
            for start, terms in zip(range(0, total, BATCH_ARTICLES), segmented):
                batch = articles[start:start + BATCH_ARTICLES]
                batch_files = files[start:start + BATCH_ARTICLES] if files else [None] * len(batch)
                batch_origins = origins[start:start + BATCH_ARTICLES] if origins else [""] * len(batch)
                with self._write_lock, self.store.write() as conn:
                    if drop_ids and start == 0:
                        idx.remove_passages(conn, self.store.delete_articles(drop_ids))
                    rowids: list[int] = []
                    term_lists: list[list[str]] = []
                    removed: list[int] = []
                    for article, article_terms, file_info, origin in zip(batch, terms, batch_files, batch_origins):
                        result, new_rowids, old_rowids = self._insert(article, replace, file_info, origin)
                        results.append(result)
                        rowids += new_rowids
                        removed += old_rowids
                        if new_rowids:
                            term_lists += article_terms
                    idx.remove_passages(conn, removed)
                    if rowids:
                        idx.add_passages(conn, rowids, term_lists)
                    idx.merge_if_needed(conn)
                done = min(start + BATCH_ARTICLES, total)
                if total > BATCH_ARTICLES or time.monotonic() - started > 2:
                    progress(f"indexed {done}/{total} articles")
        return results

    def _insert(self, article: Article, replace: bool, file_info: FileInfo | None,
                origin: str) -> tuple[AddResult, list[int], list[int]]:
        """Store one article as `identity.decide` says; returns its result, new passage rowids and replaced ones."""
        store = self.store
        decision = decide(store, article, replace, origin)
        article_id = decision.article_id
        if decision.action in (AddStatus.DUPLICATE, AddStatus.CONFLICT):
            if decision.action is AddStatus.DUPLICATE and article.key:
                store.set_key(article.key, article_id)  # this file or URL now names that article too
            row = store.article(article_id)
            title, date = (row.title, row.date) if row else (article.title, article.date)
            return AddResult(decision.action, article_id, title, date, 0, origin, decision.reason), [], []
        if decision.action is AddStatus.REPLACED:
            rowids, old_rowids = store.replace_article(article_id, article, file_info)
        else:
            rowids, old_rowids = store.insert_article(article_id, article, file_info), []
        if article.key:
            store.set_key(article.key, article_id)
        return AddResult(decision.action, article_id, article.title, article.date, len(rowids), origin), rowids, old_rowids

    # ---- removing and listing ------------------------------------------------

    def remove(self, article_id: str) -> ArticleRow:
        """Remove an article from the store and from answers, at once."""
        with self._write_lock, self.store.write() as conn:
            row = self.store.article(article_id)
            if row is None:
                raise NotFoundError(f"no article with id {article_id!r}", "see `policybot list` for the ids")
            rowids = self.store.delete_articles([article_id])
            if row.file_path:
                self.store.ignore_file(row.file_path, self._file_signature(self.settings.corpus_dir / row.file_path))
            idx.remove_passages(conn, rowids)
            idx.merge_if_needed(conn)
        return row

    def articles(self) -> list[ArticleRow]:
        return self.store.articles()

    def article(self, article_id: str) -> tuple[ArticleRow, list[PassageRow]]:
        row = self.store.article(article_id)
        if row is None:
            raise NotFoundError(f"no article with id {article_id!r}", "see `policybot list` for the ids")
        return row, self.store.article_passages(article_id)

    def stats(self) -> dict[str, object]:
        """Corpus figures for `stats` and the bot's /stats."""
        n_articles, n_passages, n_chars = self.store.counts()
        oldest, newest = self.store.date_range()
        snap = self.snapshot()
        n_segments = len(snap.segments)
        return {
            "home": str(self.settings.home), "articles": n_articles, "passages": n_passages,
            "characters": n_chars, "oldest": oldest, "newest": newest,
            "terms": int((snap.stats.df > 0).sum()), "index_segments": n_segments,
            "store_bytes": self._store_bytes(),
        }

    def _store_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.settings.state_dir.glob("store.sqlite3*") if p.is_file())

    # ---- the corpus folder -------------------------------------------------

    @staticmethod
    def _file_signature(path: Path) -> str:
        try:
            st = path.stat()
        except OSError:
            return "missing"
        return f"{st.st_mtime_ns}:{st.st_size}"

    def sync(self, progress: Progress = _quiet, warn: Progress = _quiet, min_interval: float = 0.0) -> int:
        """Index files added to or edited in the corpus folder; drop deleted ones. Returns changes made."""
        now = time.monotonic()
        if min_interval and now - self._last_sync < min_interval:
            return 0
        self._last_sync = now
        root = self.settings.corpus_dir
        make_folder(root)
        on_disk = {str(p.relative_to(root)): p for p in iter_files(root)}
        known = self.store.file_states()
        ignored = self.store.ignored_files()
        changes = 0
        for rel, state in known.items():
            if rel not in on_disk:
                self._drop_articles(state.article_ids)
                changes += 1
        todo: list[tuple[str, Path, int, int]] = []
        for rel, path in on_disk.items():
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:  # the store keeps names as UTF-8 text
                warn(f"skipped {ascii(str(path))[1:-1]}: its name is not valid UTF-8 — rename the file")
                continue
            st = path.stat()
            state = known.get(rel)
            if state and (state.mtime_ns, state.size) == (st.st_mtime_ns, st.st_size):
                continue
            if ignored.get(rel) == f"{st.st_mtime_ns}:{st.st_size}":
                continue
            todo.append((rel, path, st.st_mtime_ns, st.st_size))
        if todo:
            progress(f"indexing {len(todo)} new or changed file(s) in {root} …")
        for rel, path, mtime, size in todo:
            try:
                articles = read_file(path, ArticleMeta(), self.settings.max_input_bytes)
            except PolicybotError as exc:
                warn(f"skipped {path}: {exc}")
                continue
            files = [FileInfo(rel, part, mtime, size) for part in range(len(articles))]
            # The edited file's old articles go in the same transaction as its new ones, which keep
            # their ids: an article without one of its own takes the id of the one at its place.
            old_ids = known[rel].article_ids if rel in known else []
            stable = [a if a.article_id or part >= len(old_ids) else dataclasses.replace(a, article_id=old_ids[part])
                      for part, a in enumerate(articles)]
            self.add_articles(stable, replace=True, origins=[str(path)] * len(articles), files=files,
                              drop_ids=old_ids)
            changes += 1
        return changes

    def _drop_articles(self, article_ids: Sequence[str]) -> None:
        """Remove articles whose corpus file is gone."""
        with self._write_lock, self.store.write() as conn:
            idx.remove_passages(conn, self.store.delete_articles(article_ids))

    def reindex(self, progress: Progress = _quiet) -> int:
        """Re-segment every passage and rebuild the index from scratch (after a dictionary change).

        Segmenting (the slow part) runs before the write lock is taken, so adds and removals may
        commit meanwhile, from this process or another; inside the write transaction the passages
        are listed again, new ones segmented and removed ones left out: stored and indexed agree.
        """
        store = self.store
        texts = store.indexed_texts()
        terms: dict[int, list[str]] = {}
        for i, text in enumerate(texts, 1):
            terms[text.rowid] = self._indexed_terms(text)
            if i % 20000 == 0:
                progress(f"segmented {i}/{len(texts)} passages")
        progress(f"segmented {len(terms)} passages; writing the index")
        with self._write_lock, store.write() as conn:
            current = store.passage_ids()
            for text in store.indexed_texts([rowid for rowid in current if rowid not in terms]):
                terms[text.rowid] = self._indexed_terms(text)
            store.clear_index()
            if current:
                idx.add_passages(conn, current, [terms[rowid] for rowid in current])
        return len(current)

    def _indexed_terms(self, text: IndexedText) -> list[str]:
        return self.segmenter.terms(retrievable_text(text.title, text.section, text.text))

    # ---- for the shells: plain arguments and rows, nothing from below ----------

    @staticmethod
    def valid_article_id(article_id: str) -> bool:
        """Whether `article_id` may name an article: letters, digits, '.', '_', ':' and '-' (at most 64)."""
        return valid_article_id(article_id)

    @staticmethod
    def can_read(name: str) -> bool:
        """Whether a file called `name` is of a kind `add_bytes` reads (.txt .md .html .jsonl .pdf .docx …)."""
        return Path(name).suffix.lower() in SUPPORTED_SUFFIXES

    def add_inputs(self, inputs: Sequence[str], *, title: str | None = None, source: str | None = None,
                   date: str | None = None, url: str | None = None, article_id: str | None = None,
                   replace: bool = False, strict: bool = False, progress: Progress = _quiet) -> list[AddResult]:
        """`add` with the metadata as plain values; `date` in any common form (InputError when malformed)."""
        meta = ArticleMeta(title=title, source=source, date=parse_date(date) if date else None, url=url,
                           article_id=article_id)
        return self.add(inputs, meta, replace=replace, progress=progress, strict=strict)

    def add_url(self, url: str) -> list[AddResult]:
        """Add the article at an http(s) address, and nothing else (the bot passes user text here)."""
        if not url.lower().startswith(("http://", "https://")):
            raise InputError(f"{url[:60]} is not an http(s) address", "give an http(s):// address")
        return self.add([url], strict=True)  # one input: its problem is the answer

    def add_bytes(self, data: bytes, name: str, *, origin: str, title: str | None = None,
                  source: str | None = None, date: str | None = None, url: str | None = None) -> list[AddResult]:
        """Add the articles in one upload or pasted text, read as its name's suffix says (plain text if none).

        `title` names the article when the input holds just one; `source`, `date` (YYYY-MM-DD) and
        `url` fill in only what the text itself does not say, like a forwarded post's channel and day.
        """
        articles = articles_from_bytes(data, name, ArticleMeta(), suffix=Path(name).suffix.lower())
        fallback = {k: v for k, v in (("source", source), ("date", date), ("url", url)) if v}
        filled = []
        for article in articles:
            changes = {k: v for k, v in fallback.items() if not getattr(article, k)}
            if title and len(articles) == 1:
                changes["title"] = title
            filled.append(dataclasses.replace(article, **changes) if changes else article)
        return self.add_articles(filled, origins=[origin] * len(filled))

    def neighbours(self, passage_id: int, around: int = 1) -> list[PassageRow]:
        """A passage and up to `around` passages either side of it in its article ([] if it is gone)."""
        return self.store.neighbours(passage_id, around)

    def passages_of(self, article_id: str) -> list[PassageRow]:
        """An article's passages in order ([] if there is no such article)."""
        return self.store.article_passages(article_id)

    def counts(self) -> Counts:
        """How many articles, passages and characters are stored."""
        return Counts(*self.store.counts())

    def newest_date(self) -> str | None:
        """The date of the newest dated article."""
        return self.store.date_range()[1]

    def generation(self) -> int:
        """A number that changes whenever the stored articles change (a key for caches built from them)."""
        return self.store.generation()

    def chats(self, ttl: float | None = None) -> Chats:
        """Conversations over this corpus, for follow-up questions (see `policybot.chat`)."""
        return Chats(self) if ttl is None else Chats(self, ttl)

    @property
    def feedback(self) -> FeedbackLog:
        """Ratings of answers and questions that got no passage (this thread's store connection)."""
        log = getattr(self._local, "feedback", None)
        if log is None:
            log = self._local.feedback = FeedbackLog(self.store)
        return log


@dataclass(frozen=True)
class Counts:
    """What the store holds."""

    articles: int
    passages: int
    characters: int


#: What the shells may take from here (Alert: each alert `Corpus.alerts.due()` hands the bot).
__all__ = ["AddResult", "AddStatus", "Alert", "BATCH_ARTICLES", "Corpus", "Counts", "Progress"]

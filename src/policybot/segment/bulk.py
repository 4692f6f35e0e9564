"""Segmenting the passages of many articles (the slow part of `Corpus.add_articles`).

A passage is indexed by `retrievable_text(title, section, text)`: the article's
title and heading path are repeated in every passage. Line breaks are hard
boundaries for `Segmenter.terms` (jieba cuts blocks between them, and no
bigram spans a dropped character), so the terms of the joined text are, as a
multiset, the terms of each line: the title and each heading are segmented once
per article and reused. That premise is checked on the first passage of every
chunk against the joined text; if it ever fails (a future change to `terms`),
the chunk is segmented the plain way.

Large adds are segmented by a process pool (each worker loading jieba from
the home's cache once) a few batches ahead of the caller, who meanwhile writes
the earlier batches; results come back in order, so nothing else changes.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import os
import signal
import threading
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from ..errors import PolicybotError
from ..ingest.article import Article
from .segmenter import Segmenter, retrievable_text

#: Adds with less passage text than this are segmented in-process (starting workers costs ~0.5 s).
PARALLEL_MIN_CHARS = 1_000_000
#: Articles per task sent to a worker.
CHUNK_ARTICLES = 100
#: Environment variable: number of segmenting processes (1 = in-process only).
WORKERS_ENV = "POLICYBOT_WORKERS"


class SegmentingError(PolicybotError):
    """A worker process failed (nothing of the unfinished batches was stored)."""


# (title, [(section, text), ...]) — what segmentation needs of an article.
Item = tuple[str, list[tuple[tuple[str, ...], str]]]


def items_of(articles: Sequence[Article]) -> list[Item]:
    return [(a.title, [(tuple(p.section), p.text) for p in a.passages]) for a in articles]


def _split_terms(segmenter: Segmenter, item: Item) -> list[list[str]]:
    title, passages = item
    memo: dict[str, list[str]] = {}

    def line_terms(line: str) -> list[str]:
        found = memo.get(line)
        if found is None:
            found = memo[line] = segmenter.terms(line)
        return found

    out = []
    for section, text in passages:
        terms = list(line_terms(title))
        for heading in section:
            terms += line_terms(heading)
        terms += segmenter.terms(text)
        out.append(terms)
    return out


def _whole_terms(segmenter: Segmenter, item: Item) -> list[list[str]]:
    title, passages = item
    return [segmenter.terms(retrievable_text(title, section, text)) for section, text in passages]


def segment_items(segmenter: Segmenter, items: Sequence[Item]) -> list[list[list[str]]]:
    """Index terms of every passage of every item (title and headings segmented once per article)."""
    probe = next(((title, [p[0]]) for title, p in items if p), None)
    if probe is not None and Counter(_split_terms(segmenter, probe)[0]) != Counter(_whole_terms(segmenter, probe)[0]):
        return [_whole_terms(segmenter, item) for item in items]
    return [_split_terms(segmenter, item) for item in items]


def worker_count(total_chars: int) -> int:
    """Segmenting processes for an add of this much text: 1 below PARALLEL_MIN_CHARS, else
    $POLICYBOT_WORKERS or the number of CPUs (at most 4)."""
    raw = os.environ.get(WORKERS_ENV, "").strip()
    wanted = int(raw) if raw.isdigit() else min(4, os.cpu_count() or 1)
    return 1 if wanted <= 1 or total_chars < PARALLEL_MIN_CHARS else wanted


# ---- the process pool --------------------------------------------------------
#
# concurrent.futures' ProcessPoolExecutor with the forkserver start method: workers
# are forked from a fresh server process that preloads this module, never from the
# caller, so a threaded caller (the bot) is safe. As with any non-fork start method,
# a worker imports the caller's main module as `__mp_main__`: a script that adds
# articles keeps its work under `if __name__ == "__main__":`.
#
# The pool pickles what it ships between our own processes: each chunk (titles,
# headings and passage texts: tuples and lists of strings) and its term lists. No
# pickle from disk or from anyone else is ever read.

#: The segmenter of a worker process, built once by `_start_worker`.
_worker_segmenter: Segmenter | None = None


def _start_worker(userdict: str, cache_dir: str | None, stopwords: list[str]) -> None:
    """Pool initializer: load the segmenter once; leave Ctrl-C to the parent; die with it."""
    global _worker_segmenter
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the pool on Ctrl-C (see _start_server)
    threading.Thread(target=_exit_with_parent, daemon=True, name="policybot-parent-watch").start()
    segmenter = Segmenter(userdict=Path(userdict), cache_dir=Path(cache_dir) if cache_dir else None)
    segmenter.stopwords = frozenset(stopwords)
    segmenter._jieba()
    _worker_segmenter = segmenter


def _exit_with_parent() -> None:
    """End this worker when the parent process is gone (a killed parent cannot shut the pool down)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()  # returns when the parent's end of the launch pipe closes
        os._exit(1)


def _segment_chunk(items: list[Item]) -> list[list[list[str]]]:
    """A pool task: the terms of one chunk of articles."""
    assert _worker_segmenter is not None, "the pool's initializer sets it"
    return segment_items(_worker_segmenter, items)


def _can_ship(segmenter: Segmenter) -> bool:
    """Only a plain Segmenter can be rebuilt in a worker (a subclass may segment differently), and only
    where there is a fork server (not on Windows)."""
    return type(segmenter) is Segmenter and hasattr(segmenter, "_userdict") and hasattr(segmenter, "_cache_dir") \
        and "forkserver" in multiprocessing.get_all_start_methods()


def _start_server() -> None:
    """Start the fork server (if this process has none yet) with Ctrl-C blocked.

    A blocked signal stays blocked across fork and exec, so workers forked from
    the server never get Ctrl-C, not even before their initializer ignores it
    (else a worker starting at that moment prints a KeyboardInterrupt traceback).
    CPython starts its resource tracker the same way (bpo-33613); it is started
    first because it unblocks the signal when it is done.
    """
    multiprocessing.resource_tracker.ensure_running()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C back until the block ends (it is delivered to the main thread only).

    Starting or feeding the pool talks to the fork server step by step; a
    KeyboardInterrupt in between leaves the server a half request, and it dies
    with an EOFError traceback. Held, the interrupt comes right after the step.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is None:
        yield
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held:
            signal.raise_signal(signal.SIGINT)  # now handled as the caller would have


def start_pool(n: int, segmenter: Segmenter) -> ProcessPoolExecutor:
    """n worker processes that segment like `segmenter` (its dictionary, cache dir and stopwords)."""
    context = multiprocessing.get_context("forkserver")
    # The server imports this module (and jieba) once, instead of the caller's main module.
    context.set_forkserver_preload([__name__, f"{__package__}.fastjieba"])
    _start_server()
    cache_dir = str(segmenter._cache_dir) if segmenter._cache_dir is not None else None
    return ProcessPoolExecutor(n, mp_context=context, initializer=_start_worker,
                               initargs=(str(segmenter._userdict), cache_dir, sorted(segmenter.stopwords)))


def _stopped() -> SegmentingError:
    return SegmentingError("a segmenting worker process stopped before its work was done",
                           "run the add again; with POLICYBOT_WORKERS=1 it segments in-process")


def _chunk_terms(future: Future) -> list[list[list[str]]]:
    """A chunk's terms; a worker that died becomes a SegmentingError."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise _stopped() from None


@contextmanager
def batch_terms(segmenter: Segmenter, articles: Sequence[Article], batch: int,
                workers: int | None = None) -> Iterator[Iterator[list[list[list[str]]]]]:
    """Terms of each batch of `batch` articles, in order (per article, per passage).

    With several workers, chunks are segmented by the process pool, at most
    max(2, workers) batches ahead of the consumer; leaving the `with` block stops the pool.
    """
    total_chars = sum(len(p.text) for a in articles for p in a.passages)
    n = workers if workers is not None else worker_count(total_chars)
    starts = range(0, len(articles), batch)
    if n <= 1 or len(articles) <= CHUNK_ARTICLES or not _can_ship(segmenter):
        yield (segment_items(segmenter, items_of(articles[s:s + batch])) for s in starts)
        return
    with _ctrl_c_held():
        pool = start_pool(n, segmenter)
    try:
        yield _pooled(pool, articles, batch, starts, ahead=max(2, n))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _pooled(pool: ProcessPoolExecutor, articles: Sequence[Article], batch: int, starts: range,
            ahead: int) -> Iterator[list[list[list[str]]]]:
    pending: deque[list[Future]] = deque()
    queue_ = iter(starts)
    chunk = max(1, min(CHUNK_ARTICLES, batch))

    def submit() -> None:
        start = next(queue_, None)
        if start is None:
            return
        try:
            with _ctrl_c_held():  # a submit may start a worker
                pending.append([pool.submit(_segment_chunk, items_of(articles[s:s + chunk]))
                                for s in range(start, min(start + batch, len(articles)), chunk)])
        except BrokenProcessPool:
            raise _stopped() from None

    for _ in range(ahead):
        submit()
    while pending:
        futures = pending.popleft()
        submit()
        yield [terms for future in futures for terms in _chunk_terms(future)]

"""Segmenting the passages of many articles (the slow part of `Corpus.add_articles`).

A passage is indexed by `retrievable_text(title, section, text)`: the article's
title and heading path are repeated in every passage. Line breaks are hard
boundaries for `Segmenter.terms` (jieba cuts blocks between them, and no
bigram spans a dropped character), so the terms of the joined text are, as a
multiset, the terms of each line: the title and each heading are segmented once
per article and reused. That premise is checked on the first passage of every
chunk against the joined text; if it ever fails (a future change to `terms`),
the chunk is segmented the plain way.

Large adds are segmented by worker processes (each loading jieba from the
home's cache) a few batches ahead of the caller, who meanwhile writes the
earlier batches; results come back in order, so nothing else changes.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections import Counter, deque
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from ..errors import PolicybotError
from ..ingest.article import Article
from .segmenter import Segmenter, retrievable_text

#: Adds with less passage text than this are segmented in-process (spawning workers costs ~0.5 s).
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


# ---- worker processes ------------------------------------------------------
#
# Plain subprocesses (`python -m policybot.bulk`) speaking length-prefixed JSON over
# their stdin/stdout: nothing is pickled, and unlike multiprocessing's spawn they
# never re-import the caller's main module, so any script (or a threaded bot) may
# call `Corpus.add_articles`. A worker exits when its stdin closes (also when the
# parent is killed).

_HEADER = 8


def _send(stream, obj) -> None:
    stream.write(_encode(obj))
    stream.flush()


def _receive(stream):
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        return None
    size = int.from_bytes(header, "little")
    data = stream.read(size)
    if len(data) < size:
        return None
    return json.loads(data)


def _worker_main() -> int:
    """A segmenting worker: an init message, then item lists in, term lists out, until EOF."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it closes our stdin
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    init = _receive(stdin)
    if init is None:
        return 0
    segmenter = Segmenter(userdict=Path(init["userdict"]),
                          cache_dir=Path(init["cache_dir"]) if init["cache_dir"] else None)
    segmenter.stopwords = frozenset(init["stopwords"])
    while (items := _receive(stdin)) is not None:
        _send(stdout, segment_items(segmenter, [(title, [(tuple(section), text) for section, text in passages])
                                                for title, passages in items]))
    return 0


def _can_ship(segmenter: Segmenter) -> bool:
    """Only a plain Segmenter can be rebuilt in a worker (a subclass may segment differently)."""
    return type(segmenter) is Segmenter and hasattr(segmenter, "_userdict") and hasattr(segmenter, "_cache_dir")


class _Worker:
    """One worker process, fed by a writer thread and drained by a reader thread.

    The threads only move bytes (blocking pipe I/O releases the GIL), so the
    worker keeps working while the caller's thread writes to the store; the
    caller encodes the chunks and decodes the results.
    """

    def __init__(self, env: dict[str, str], init: bytes) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "policybot.segment.bulk", "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env)
        for stream in (self.proc.stdin, self.proc.stdout):
            _widen_pipe(stream)
        self.inbox: queue.Queue[bytes | None] = queue.Queue()
        self.outbox: queue.Queue[bytes | None] = queue.Queue()
        self.inbox.put(init)
        self.threads = [threading.Thread(target=self._write, daemon=True, name="policybot-segment-in"),
                        threading.Thread(target=self._read, daemon=True, name="policybot-segment-out")]
        for thread in self.threads:
            thread.start()

    def _write(self) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            while (data := self.inbox.get()) is not None:
                stdin.write(data)
                stdin.flush()
        except OSError:
            pass
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def _read(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        try:
            while True:
                header = stdout.read(_HEADER)
                if len(header) < _HEADER:
                    break
                size = int.from_bytes(header, "little")
                data = stdout.read(size)
                if len(data) < size:
                    break
                self.outbox.put(data)
        except OSError:
            pass
        self.outbox.put(None)

    def result(self) -> list[list[list[str]]]:
        data = self.outbox.get()
        if data is None:
            self.outbox.put(None)  # stays dead for later chunks
            raise SegmentingError(f"a segmenting worker process stopped (exit code {self.proc.poll()})",
                                  "run the add again; with POLICYBOT_WORKERS=1 it segments in-process")
        return json.loads(data)

    def stop(self) -> None:
        try:
            while True:  # chunks not sent yet are not wanted any more
                self.inbox.get_nowait()
        except queue.Empty:
            pass
        self.inbox.put(None)

    def wait(self) -> None:
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for thread in self.threads:
            thread.join(timeout=5)
        if self.proc.stdout:
            self.proc.stdout.close()


def _encode(obj) -> bytes:
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return len(data).to_bytes(_HEADER, "little") + data


def _widen_pipe(stream) -> None:
    """A 1 MB pipe buffer, so a chunk or its terms rarely wait for the other side (Linux only)."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass


class _Workers:
    """n worker processes; chunk j goes to worker j % n, so results come back in order."""

    def __init__(self, n: int, segmenter: Segmenter) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        init = _encode({"userdict": str(segmenter._userdict), "stopwords": sorted(segmenter.stopwords),
                        "cache_dir": str(segmenter._cache_dir) if segmenter._cache_dir is not None else None})
        self.workers: list[_Worker] = []
        self.sent = 0
        try:
            for _ in range(n):
                self.workers.append(_Worker(env, init))
        except BaseException:
            self.close()
            raise

    def submit(self, items: list[Item]) -> _Worker:
        """Send a chunk; the returned worker's next `result()` (in submission order) is its terms."""
        worker = self.workers[self.sent % len(self.workers)]
        self.sent += 1
        worker.inbox.put(_encode(items))
        return worker

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        for worker in self.workers:
            worker.wait()


@contextmanager
def batch_terms(segmenter: Segmenter, articles: Sequence[Article], batch: int,
                workers: int | None = None) -> Iterator[Iterator[list[list[list[str]]]]]:
    """Terms of each batch of `batch` articles, in order (per article, per passage).

    With several workers, chunks are segmented by worker processes, at most two
    batches ahead of the consumer; leaving the `with` block stops the workers.
    """
    total_chars = sum(len(p.text) for a in articles for p in a.passages)
    n = workers if workers is not None else worker_count(total_chars)
    starts = range(0, len(articles), batch)
    if n <= 1 or len(articles) <= CHUNK_ARTICLES or not _can_ship(segmenter):
        yield (segment_items(segmenter, items_of(articles[s:s + batch])) for s in starts)
        return
    pool = _Workers(n, segmenter)
    try:
        yield _pooled(pool, articles, batch, starts, ahead=max(2, n))
    finally:
        pool.close()


def _pooled(pool: _Workers, articles: Sequence[Article], batch: int, starts: range,
            ahead: int) -> Iterator[list[list[list[str]]]]:
    pending: deque[list[_Worker]] = deque()
    queue_ = iter(starts)
    chunk = max(1, min(CHUNK_ARTICLES, batch))

    def submit() -> None:
        start = next(queue_, None)
        if start is not None:
            pending.append([pool.submit(items_of(articles[s:s + chunk]))
                            for s in range(start, min(start + batch, len(articles)), chunk)])

    for _ in range(ahead):
        submit()
    while pending:
        workers = pending.popleft()
        submit()
        yield [terms for worker in workers for terms in worker.result()]


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    sys.exit(_worker_main())

"""xwlb mode of bench/eval.py: questions as news readers type them, over all 《新闻联播》 articles.

    python bench/eval.py --xwlb ../shared/data/xwlb_dev_questions.jsonl \
        --news ../shared/data/news/xwlb.jsonl.gz --today-from-question --homes /tmp/homes

A questions file holds one JSON object a line: {"q", "kind", "article_id"?, "date"?,
"gold": [strings the answering paragraph contains]?, "asked_on"?}. Kinds: place_fact,
time_event, relative_time, measures, paraphrase (answerable: a result is a hit when its
text contains a gold string, compared NFKC with whitespace removed), and offtopic (should
get no passage). With --today-from-question a question carrying "asked_on" is asked with
that day as "today" (when `Corpus.ask` takes `today=`).

The news file (jsonl or jsonl.gz: {"id", "title", "date", "source", "url", "text"}) is
added through the normal path, `Corpus.add` of a .jsonl file (a .gz is decompressed to a
temporary file first). The baseline is `jieba.lcut` + `rank_bm25.BM25Okapi` (defaults)
over the stored passages' raw text; its rankings are cached next to a kept home.
"""

from __future__ import annotations

import gzip
import hashlib
import inspect
import json
import re
import shutil
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

KINDS = ("place_fact", "time_event", "relative_time", "measures", "paraphrase")
TIME_KINDS = ("time_event", "relative_time")
DEPTH = 5
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class NewsQuestion:
    q: str
    kind: str
    gold: tuple[str, ...] = ()
    article_id: str = ""
    date: str = ""
    asked_on: str = ""

    @property
    def answerable(self) -> bool:
        return self.kind != "offtopic"


def norm(text: str) -> str:
    """NFKC, whitespace removed (the dev set's definition of 'contains')."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def load_questions(path: Path) -> list[NewsQuestion]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.append(NewsQuestion(r["q"], r["kind"], tuple(r.get("gold") or ()), r.get("article_id", ""),
                                    r.get("date", ""), r.get("asked_on", "")))
    return out


def hit_rank(texts: Sequence[str], gold: Sequence[str]) -> int | None:
    """1-based rank of the first text holding a gold string, or None."""
    wanted = [norm(g) for g in gold if norm(g)]
    for rank, text in enumerate(texts, 1):
        t = norm(text)
        if any(g in t for g in wanted):
            return rank
    return None


def news_jsonl(news: Path, workdir: Path) -> Path:
    """The news file as plain .jsonl (a .gz is decompressed into workdir)."""
    if news.suffix != ".gz":
        return news
    plain = workdir / news.name[:-3]
    with gzip.open(news, "rb") as src, plain.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return plain


def build_news(news: Path, workdir: Path) -> Callable:
    """A builder for eval's cached_corpus: adds the news file with Corpus.add."""
    def build(corpus) -> None:
        path = news_jsonl(news, workdir)
        started = time.monotonic()
        results = corpus.add([str(path)], progress=lambda m: print(f"  {m}", file=sys.stderr))
        print(f"  added {sum(r.status == 'added' for r in results)} articles in {time.monotonic() - started:.0f}s",
              file=sys.stderr)
        if path != news:
            path.unlink()
    return build


# ---- asking ----------------------------------------------------------------

def asker(corpus, today_from_question: bool, today: str | None) -> Callable[[NewsQuestion], list]:
    """Corpus.ask with today= (the question's asked_on, else --today) when the build takes it."""
    takes_today = "today" in inspect.signature(corpus.ask).parameters
    if (today_from_question or today) and not takes_today:
        print("  note: Corpus.ask takes no today=; relative questions are read against the system date",
              file=sys.stderr)

    def ask(q: NewsQuestion) -> list:
        day = (q.asked_on if today_from_question and q.asked_on else None) or today
        if takes_today and day:
            return corpus.ask(q.q, k=DEPTH, today=date.fromisoformat(day)).results
        return corpus.ask(q.q, k=DEPTH).results
    return ask


@dataclass
class Run:
    """One system's answers: the rank of the first hit per answerable question, empties per off-topic."""

    ranks: dict[str, int | None] = field(default_factory=dict)
    rejected: dict[str, bool] = field(default_factory=dict)
    firsts: dict[str, list[str]] = field(default_factory=dict)
    millis: list[float] = field(default_factory=list)


def policybot_run(corpus, qs: Sequence[NewsQuestion], today_from_question: bool, today: str | None) -> Run:
    ask = asker(corpus, today_from_question, today)
    run = Run()
    for q in qs:
        started = time.perf_counter()
        results = ask(q)
        run.millis.append((time.perf_counter() - started) * 1000)
        texts = [r.passage.text for r in results]
        run.firsts[q.q] = [f"{r.passage.article_id} {r.passage.date or ''} {r.passage.text[:70]!r}"
                           for r in results[:3]]
        if q.answerable:
            run.ranks[q.q] = hit_rank(texts, q.gold)
        else:
            run.rejected[q.q] = not texts
    return run


def baseline_run(corpus, qs: Sequence[NewsQuestion], cache: Path | None) -> Run:
    """jieba.lcut + BM25Okapi over the stored passages' text (top DEPTH), cached per home."""
    rows = corpus.store.conn.execute("SELECT p.id, p.text FROM passages p ORDER BY p.id").fetchall()
    cache_file = None
    tops: dict[str, list[int]] = {}
    if cache is not None:
        key = hashlib.sha256(str(corpus.settings.home).encode() + str(len(rows)).encode()).hexdigest()[:12]
        cache_file = cache / f"xwlb-baseline-{key}.json"
        if cache_file.exists():
            tops = json.loads(cache_file.read_text(encoding="utf-8"))
    todo = [q for q in qs if q.q not in tops]
    if todo:
        import jieba
        import numpy as np

        bm25 = _baseline_index(str(corpus.settings.home), rows)
        for q in todo:
            scores = bm25.get_scores(jieba.lcut(q.q))
            tops[q.q] = [int(rows[i][0]) for i in np.argsort(-scores, kind="stable")[:DEPTH]]
        if cache_file is not None:
            cache_file.write_text(json.dumps(tops, ensure_ascii=False), encoding="utf-8")
    texts = dict(rows)
    run = Run()
    for q in qs:
        top = [texts[i] for i in tops[q.q] if i in texts]
        if q.answerable:
            run.ranks[q.q] = hit_rank(top, q.gold)
        else:
            run.rejected[q.q] = False  # BM25 always returns passages
    return run


_BM25: dict[str, object] = {}


def _baseline_index(home: str, rows: list) -> object:
    """BM25Okapi over the passages' jieba words, built once per home and run."""
    if home not in _BM25:
        import jieba
        from rank_bm25 import BM25Okapi

        print(f"  baseline: segmenting {len(rows)} passages …", file=sys.stderr)
        _BM25[home] = BM25Okapi([jieba.lcut(text) for _, text in rows])
    return _BM25[home]


# ---- reporting -------------------------------------------------------------

def by_kind(qs: Sequence[NewsQuestion], run: Run) -> dict[str, dict[str, float]]:
    """hit@1 and hit@5 per kind, for time_event + relative_time together, and overall."""
    groups: dict[str, list[int | None]] = defaultdict(list)
    for q in qs:
        if q.answerable:
            rank = run.ranks[q.q]
            groups[q.kind].append(rank)
            groups["all"].append(rank)
            if q.kind in TIME_KINDS:
                groups["time (both)"].append(rank)
    table = {}
    for name, ranks in groups.items():
        n = len(ranks)
        table[name] = {"n": n, "hit@1": sum(r == 1 for r in ranks) / n,
                       "hit@5": sum(r is not None for r in ranks) / n}
    return table


def report(name: str, qs: Sequence[NewsQuestion], runs: dict[str, Run], show_misses: int = 0) -> dict:
    """Print the table by kind (systems side by side) and off-topic rejections; return the numbers."""
    tables = {system: by_kind(qs, run) for system, run in runs.items()}
    kinds = Counter(q.kind for q in qs)
    print(f"\n{name}: {sum(q.answerable for q in qs)} answerable questions, {kinds['offtopic']} off-topic")
    print(f"{'kind':<16} {'n':>3}  " + "  ".join(f"{s + ' @1':>14} {'@5':>6}" for s in runs))
    order = [k for k in KINDS if k in kinds] + ["time (both)", "all"]
    for kind in order:
        cells = []
        for system in runs:
            m = tables[system].get(kind)
            cells.append(f"{m['hit@1']:>14.3f} {m['hit@5']:>6.3f}" if m else f"{'—':>14} {'—':>6}")
        n = next((t[kind]["n"] for t in tables.values() if kind in t), 0)
        print(f"{kind:<16} {n:>3}  " + "  ".join(cells))
    out: dict[str, object] = {"by_kind": tables}
    for system, run in runs.items():
        if run.rejected:
            got = sum(run.rejected.values())
            print(f"  off-topic, {system}: {got} of {len(run.rejected)} get no passage")
            out[f"offtopic_rejected_{system}"] = got
        if run.millis:
            ms = sorted(run.millis)
            p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
            print(f"  {system} whole answer: p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, "
                  f"max {ms[-1]:.1f} ms over {len(ms)} questions (first pass)")
            out[f"latency_{system}"] = {"p50": statistics.median(ms), "p95": p95, "max": ms[-1]}
    if show_misses and "policybot" in runs:
        print_misses(qs, runs["policybot"], show_misses)
    return out


def print_misses(qs: Sequence[NewsQuestion], run: Run, limit: int) -> None:
    shown = 0
    for q in qs:
        if shown >= limit:
            break
        miss = (q.answerable and run.ranks[q.q] != 1) or (not q.answerable and not run.rejected[q.q])
        if not miss:
            continue
        shown += 1
        rank = run.ranks.get(q.q, "-")
        print(f"  miss [{q.kind}] rank={rank} {q.q}  (gold {q.article_id} {q.date} {q.gold[:1]}"
              f"{' asked ' + q.asked_on if q.asked_on else ''})")
        for line in run.firsts[q.q]:
            print(f"        {line}")

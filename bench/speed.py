#!/usr/bin/env python3
"""Speed and scale of policybot's index: one command, one table (see bench/README.md).

    python bench/speed.py --news ../shared/data/news/xwlb.jsonl.gz \
        --queries ../shared/data/retrieval/*/queries.jsonl

Builds corpora of ~10k, ~135k and ~1M passages through the normal ingestion
path (`ingest.build_article` + `Corpus.add_articles`) in a scratch folder, then
for each: ingestion throughput, index size on disk, cold load and resident
memory of a fresh process, query latency (the search itself, question
segmentation apart), rank_bm25's `BM25Okapi.get_scores` on the same tokens
(speed ratio, and top-10 passages and scores agreeing to 1e-9); at 1M, adding
and removing one article; and `policybot ask` as a whole cold process on the
shipped corpus. The 1M corpus repeats the news articles (each copy with its
own id and a marker line, so its text is new) until there are 1M passages.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import multiprocessing
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "宜兴发展哪些新赛道?"
SIZES = {"10k": 10_000, "135k": 135_000, "1M": 1_000_000}  # passages

TARGETS = {
    "135k": {"search_p50": 1.0, "search_p95": 3.0, "speedup": 300},
    "1M": {"search_p50": 2.0, "search_p95": 6.0, "load": 2.0, "rss": 1536, "add": 1.0},
}


# ---- helpers -----------------------------------------------------------------

def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB, from /proc."""
    now = peak = float("nan")
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return now, peak


def read_news(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_questions(paths: list[Path], n: int, seed: int) -> list[str]:
    """n questions drawn evenly from the files (fixed seed)."""
    pools = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            pools.append([json.loads(line)["question"] for line in f if line.strip()])
    rng = random.Random(seed)
    picked: list[str] = []
    for i, pool in enumerate(pools):
        share = n // len(pools) + (1 if i < n % len(pools) else 0)
        picked += rng.sample(pool, min(share, len(pool)))
    return picked


def records_for(news: list[dict], passages_of: list[int], size: str) -> tuple[list[dict], int]:
    """News records for a corpus of SIZES[size] passages, and how many passages they make.

    The articles in order, then again as copies (id `ID~N`, `（副本 N）` appended to the last
    paragraph so the text differs), until there are enough passages.
    """
    target = SIZES[size]
    out: list[dict] = []
    total = 0
    copy = 0
    while True:
        for record, n in zip(news, passages_of):
            if total >= target:
                return out, total
            if copy == 0:
                out.append(record)
            else:
                out.append(dict(record, id=f"{record['id']}~{copy}", text=f"{record['text']}（副本 {copy}）"))
            total += n
        copy += 1


def build_articles(records: list[dict]) -> list:
    from policybot.ingest.article import ArticleMeta, build_article

    return [build_article(r["text"], ArticleMeta(title=r.get("title"), source=r.get("source"), date=r.get("date"),
                                                 url=r.get("url"), article_id=r["id"])) for r in records]


def store_sizes(db: Path) -> tuple[float, float]:
    """(whole store, index tables) in MB."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            index_bytes = conn.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN ('segments', 'terms', 'index_stats', 'tombstones')"
                " OR name LIKE 'sqlite_autoindex_terms%'").fetchone()[0] or 0
        except sqlite3.OperationalError:
            index_bytes = float("nan")
    finally:
        conn.close()
    whole = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    return whole / 2**20, index_bytes / 2**20


# ---- building ----------------------------------------------------------------

def build(home: Path, records: list[dict], workers: int) -> dict:
    """Ingest records into a new home; returns timings (build_article and add_articles both counted)."""
    from policybot.segment import bulk
    from policybot.config import Settings
    from policybot.corpus import Corpus

    if home.exists():
        shutil.rmtree(home)
    (home / "corpus").mkdir(parents=True)
    os.environ[bulk.WORKERS_ENV] = str(workers)
    corpus = Corpus(Settings.from_env(env={}, home=home))
    corpus.segmenter._jieba()  # loaded once per process either way; not part of the throughput
    chars = sum(len(r["text"]) for r in records)
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    articles = build_articles(records)
    built = time.perf_counter()
    results = corpus.add_articles(articles)
    done = time.perf_counter()
    cpu_s = _cpu_seconds() - cpu_before
    added = [r for r in results if r.status == "added"]
    workers = bulk.worker_count(sum(len(p.text) for a in articles for p in a.passages))
    corpus.store.close()
    return {"articles": len(added), "passages": sum(r.passages for r in added), "chars": chars,
            "seconds": done - started, "build_article_s": built - started, "add_s": done - built,
            "chars_per_s": chars / (done - started), "workers": workers, "cpu_s": cpu_s}


def _cpu_seconds() -> float:
    """CPU time of this process, its finished children and the segmenting workers."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + _live_children_cpu_seconds()


def _live_children_cpu_seconds() -> float:
    """CPU time of live children and of their finished children (Linux /proc; else 0): the segmenting
    workers are children of the multiprocessing fork server, which lives as long as this process."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == os.getpid():
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick


# ---- the fresh query process -------------------------------------------------

def probe(home: Path, questions_file: Path, out_file: Path, add_remove: bool) -> None:
    """Run in a fresh process: cold load, RSS, query latency, top-10s; optionally add/remove one article."""
    started = time.perf_counter()
    from dataclasses import replace

    from policybot import index as idx
    from policybot.search import RankingParams, Searcher
    from policybot.search.query import parse_query
    from policybot.config import Settings
    from policybot.corpus import Corpus

    imported = time.perf_counter()
    corpus = Corpus(Settings.from_env(env={}, home=home))
    t0 = time.perf_counter()
    store = corpus.store
    snapshot = corpus.snapshot()
    load_s = time.perf_counter() - t0
    rss_loaded, _ = rss_mb()
    t0 = time.perf_counter()
    segmenter = corpus.segmenter
    segmenter._jieba()
    jieba_s = time.perf_counter() - t0
    if add_remove:  # its own fresh process, after the rank_bm25 comparison (it changes the store)
        out_file.write_text(json.dumps({"add_probe_load_s": load_s, **_add_remove(corpus)}), encoding="utf-8")
        return
    questions = json.loads(questions_file.read_text(encoding="utf-8"))
    params = RankingParams()
    k = params.candidates
    out: dict = {"import_s": imported - started, "load_s": load_s, "jieba_s": jieba_s, "k": k,
                 "rss_loaded_mb": rss_loaded, "segments": len(snapshot.segments),
                 "n_docs": snapshot.stats.n_docs, "queries": []}
    for question in questions:
        t0 = time.perf_counter()
        terms = parse_query(segmenter, question, params.strip_question_words).terms
        t1 = time.perf_counter()
        ids = idx.term_ids_for(store.conn, terms)
        ranked = snapshot.top([ids.get(t, -1) for t in terms], k)
        t2 = time.perf_counter()
        out["queries"].append({"question": question, "terms": terms, "segment_ms": (t1 - t0) * 1e3,
                               "search_ms": (t2 - t1) * 1e3, "top": ranked[:10]})
    # A second pass: a long-running bot's steady state (per-term bounds cached).
    for entry in out["queries"]:
        t0 = time.perf_counter()
        ids = idx.term_ids_for(store.conn, entry["terms"])
        snapshot.top([ids.get(t, -1) for t in entry["terms"]], k)
        entry["search2_ms"] = (time.perf_counter() - t0) * 1e3
    # The top 10 only (rank_bm25 comparisons elsewhere often use k=10).
    for entry in out["queries"]:
        t0 = time.perf_counter()
        ids = idx.term_ids_for(store.conn, entry["terms"])
        snapshot.top([ids.get(t, -1) for t in entry["terms"]], 10)
        entry["search10_ms"] = (time.perf_counter() - t0) * 1e3
    def time_asks(ask) -> list[float]:
        times = []
        for question in questions[:100]:
            t0 = time.perf_counter()
            ask(question)
            times.append((time.perf_counter() - t0) * 1e3)
        return times

    # The whole in-process answer (candidate features, snippets) for the first 100 questions; then
    # the same questions with the article signal off (a searcher of its own over the same store and
    # snapshot), and on again (SQLite's and the normalized-text caches now warm): what the signal
    # costs a running bot, measured in this process.
    out["ask_ms"] = time_asks(corpus.ask)
    no_article = Searcher(segmenter, replace(corpus.searcher.params, article_weight=0.0))
    out["ask_no_article_ms"] = time_asks(
        lambda q: no_article.ask(corpus.store, corpus.snapshot(), q, corpus.settings.top_k))
    out["ask_again_ms"] = time_asks(corpus.ask)
    out["rss_mb"], out["rss_peak_mb"] = rss_mb()
    out_file.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


def _add_remove(corpus) -> dict:
    """Add the shipped seed article to a loaded corpus and remove it again; then remove an article
    of the largest segment (the costly case) and put it back. Times each, and the snapshot reloads."""
    from policybot.ingest.article import ArticleMeta
    from policybot.ingest.sources import read_file

    seed = next((ROOT / "corpus").glob("*.txt"))
    article = read_file(seed, ArticleMeta(article_id="bench-added"), 10**8)[0]
    t0 = time.perf_counter()
    corpus.add_articles([article])
    t1 = time.perf_counter()
    snapshot = corpus.snapshot()
    t2 = time.perf_counter()
    found = [r.passage.article_id for r in corpus.ask(QUESTION).results]
    segments_after_add = len(snapshot.segments)
    t3 = time.perf_counter()
    corpus.remove("bench-added")
    t4 = time.perf_counter()
    corpus.snapshot()
    t5 = time.perf_counter()
    gone = [r.passage.article_id for r in corpus.ask(QUESTION).results]
    largest = max(corpus.snapshot().segments, key=lambda s: s.n_docs)
    victim = corpus.store.conn.execute("SELECT article_id FROM passages WHERE id = ?",
                                       (int(largest.rowids[len(largest.rowids) // 2]),)).fetchone()[0]
    t6 = time.perf_counter()
    corpus.remove(victim)
    t7 = time.perf_counter()
    corpus.snapshot()
    t8 = time.perf_counter()
    return {"add_s": t1 - t0, "add_reload_s": t2 - t1, "remove_added_s": t4 - t3, "remove_added_reload_s": t5 - t4,
            "remove_s": t7 - t6, "remove_reload_s": t8 - t7, "removed_from_passages": largest.n_docs,
            "added_passages": len(article.passages), "segments_after_add": segments_after_add,
            "added_found": "bench-added" in found, "removed_gone": "bench-added" not in gone}


def run_probe(home: Path, questions: list[str], workdir: Path, add_remove: bool, out_name: str = "probe.json") -> dict:
    qfile, ofile = workdir / "questions.json", workdir / out_name
    qfile.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_probe", str(home), str(qfile), str(ofile)]
    if add_remove:
        cmd.append("--_add-remove")
    subprocess.run(cmd, check=True)
    return json.loads(ofile.read_text(encoding="utf-8"))


# ---- rank_bm25 on the same tokens (in its own process: ~5 GB at 1M) -------------

_ref_segmenter = None


def _ref_init(cache_dir: str) -> None:
    global _ref_segmenter
    from policybot.segment.segmenter import Segmenter

    _ref_segmenter = Segmenter(cache_dir=Path(cache_dir))


def _ref_terms(texts: list[str]) -> list[list[str]]:
    assert _ref_segmenter is not None
    return [[sys.intern(t) for t in _ref_segmenter.terms(text)] for text in texts]


def _passage_texts(db: Path):
    """(rowid, retrievable text) of every passage, in rowid order (what BM25Okapi gets, in order)."""
    from policybot.segment.segmenter import retrievable_text

    conn = sqlite3.connect(db)
    try:
        for rowid, title, section, text in conn.execute(
                "SELECT p.id, a.title, p.section, p.text FROM passages p "
                "JOIN articles a ON a.id = p.article_id ORDER BY p.id"):
            yield rowid, retrievable_text(title, json.loads(section), text)
    finally:
        conn.close()


def reference(db: Path, cache_dir: Path, probe_file: Path, out_file: Path, sample: int, workers: int) -> None:
    """rank_bm25.BM25Okapi over every passage's `Segmenter.terms(retrievable_text(...))`, timed on the
    probe's questions (`sample` of them; 0 = all) and compared with the probe's top 10s."""
    import numpy as np
    from rank_bm25 import BM25Okapi

    t0 = time.perf_counter()
    unique = list(dict.fromkeys(text for _, text in _passage_texts(db)))  # the 1M corpus's copies: once
    chunks = [unique[i:i + 2000] for i in range(0, len(unique), 2000)]
    with multiprocessing.get_context("spawn").Pool(workers, _ref_init, (str(cache_dir),)) as pool:
        segmented = [terms for chunk in pool.imap(_ref_terms, chunks) for terms in chunk]
    memo = dict(zip(unique, segmented))
    del unique, segmented, chunks
    segment_s = time.perf_counter() - t0
    rowids: list[int] = []

    def corpus():
        for rowid, text in _passage_texts(db):
            rowids.append(rowid)
            yield memo[text]

    t0 = time.perf_counter()
    bm25 = BM25Okapi(corpus())
    build_s = time.perf_counter() - t0
    memo.clear()
    order = np.asarray(rowids)
    queries = json.loads(probe_file.read_text(encoding="utf-8"))["queries"]
    chosen = list(range(len(queries)))
    if sample and sample < len(chosen):
        chosen = sorted(random.Random(5).sample(chosen, sample))
    times, worst, identical, agree = [], 0.0, 0, 0
    for i in chosen:
        q = queries[i]
        t0 = time.perf_counter()
        scores = bm25.get_scores(q["terms"])
        times.append((time.perf_counter() - t0) * 1e3)
        ref_order = np.lexsort((order, -scores))[:10]
        ref_top = [(int(order[j]), float(scores[j])) for j in ref_order if scores[j] != 0]
        ours = [(int(r), float(s)) for r, s in q["top"]]
        ok = len(ours) == len(ref_top)
        for (r, s), (_, ref_s) in zip(ours, ref_top):
            j = int(np.searchsorted(order, r))
            delta = max(abs(s - ref_s), abs(float(scores[j]) - s) if j < len(order) and order[j] == r else math.inf)
            worst = max(worst, delta)
            ok = ok and delta < 1e-9
        agree += ok
        identical += [r for r, _ in ours] == [r for r, _ in ref_top]
    out_file.write_text(json.dumps({
        "segment_s": segment_s, "bm25_build_s": build_s, "bm25_ms": times, "queries_compared": len(chosen),
        "chosen": chosen, "max_delta": worst, "agree": agree, "identical_ids": identical,
        "rss_peak_mb": rss_mb()[1]}), encoding="utf-8")


def run_reference(db: Path, cache_dir: Path, probe_file: Path, workdir: Path, sample: int, workers: int) -> dict:
    out = workdir / "reference.json"
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--_reference", str(db), str(cache_dir),
                    str(probe_file), str(out), str(sample), str(workers)], check=True)
    return json.loads(out.read_text(encoding="utf-8"))


# ---- policybot ask, cold ---------------------------------------------------------

def cold_ask(runs: int) -> dict:
    exe = Path(sys.executable).parent / "policybot"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "policybot"]
    env = {k: v for k, v in os.environ.items() if k not in ("POLICYBOT_HOME", "POLICYBOT_WORKERS")}
    times = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        subprocess.run([*cmd, "ask", QUESTION], check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=env)
        times.append(time.perf_counter() - t0)
    return {"first_s": times[0], "runs_s": times[1:]}


# ---- the table -------------------------------------------------------------------

def fmt(value, spec: str = ",.0f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return format(value, spec)


def table(results: dict, ask: dict | None) -> str:
    sizes = [s for s in SIZES if s in results]
    rows: list[tuple[str, list[str], str]] = []

    def row(label: str, key, spec: str = ",.0f", target: str = "") -> None:
        rows.append((label, [fmt(key(results[s]), spec) if key(results[s]) is not None else "—" for s in sizes],
                     target))

    def get(*path):
        def inner(r):
            for p in path:
                if r is None or p not in r:
                    return None
                r = r[p]
            return r
        return inner

    row("articles", get("build", "articles"))
    row("passages", get("build", "passages"))
    row("characters (M)", lambda r: r["build"]["chars"] / 1e6, ",.1f")
    row("ingest, 1 process (M chars/s)", lambda r: r["build1"]["chars_per_s"] / 1e6 if "build1" in r else None,
        ".3f")
    row("ingest, all cores (M chars/s)", lambda r: r["build"]["chars_per_s"] / 1e6, ".3f", "≥ 0.35")
    rows.append(("  wall / CPU seconds, 1 process", [
        f"{results[s]['build1']['seconds']:.0f} / {results[s]['build1']['cpu_s']:.0f}" if "build1" in results[s] else "—"
        for s in sizes], ""))
    rows.append(("  wall / CPU seconds, all cores", [
        f"{results[s]['build']['seconds']:.0f} / {results[s]['build']['cpu_s']:.0f}" for s in sizes], ""))
    row("store on disk (MB)", get("store_mb"), ",.0f")
    row("  index part (MB)", get("index_mb"), ",.0f")
    row("index segments", get("probe", "segments"), ",.0f")
    row("cold load: open + snapshot (s)", get("probe", "load_s"), ".2f", "1M ≤ 2")
    row("RSS after queries (MB)", get("probe", "rss_mb"), ",.0f", "1M ≤ 1536")
    row("question segmentation p50 (ms)", lambda r: percentile(r["seg_ms"], 50), ".2f")
    row("search p50 (ms), top 100, 1st pass", lambda r: percentile(r["search_ms"], 50), ".2f", "135k ≤ 1, 1M ≤ 2")
    row("search p95 (ms)", lambda r: percentile(r["search_ms"], 95), ".2f", "135k ≤ 3, 1M ≤ 6")
    row("search p99 (ms)", lambda r: percentile(r["search_ms"], 99), ".2f")
    row("search p50 / p95, 2nd pass (ms)", lambda r: None, "")
    rows[-1] = ("search p50 / p95, 2nd pass (ms)",
                [f"{percentile(results[s]['search2_ms'], 50):.2f} / {percentile(results[s]['search2_ms'], 95):.2f}"
                 for s in sizes], "")
    rows.append(("search p50 / p95, top 10 only (ms)",
                 [f"{percentile(results[s]['search10_ms'], 50):.2f} / {percentile(results[s]['search10_ms'], 95):.2f}"
                  for s in sizes], ""))
    rows.append(("Corpus.ask p50 / p95, whole answer (ms)",
                 [f"{percentile(results[s]['ask_ms'], 50):.1f} / {percentile(results[s]['ask_ms'], 95):.1f}"
                  for s in sizes], ""))
    rows.append(("  again, article signal off / on (p50 ms)",
                 [f"{percentile(results[s]['ask_no_article_ms'], 50):.1f} / "
                  f"{percentile(results[s]['ask_again_ms'], 50):.1f}" for s in sizes], ""))
    row("rank_bm25 get_scores p50 (ms)", lambda r: percentile(r["cmp"]["bm25_ms"], 50), ",.1f")
    row("  queries timed with rank_bm25", get("cmp", "queries_compared"), ",.0f")
    row("speed-up vs rank_bm25 (p50 / p50)", get("speedup"), ",.0f", "135k ≥ 300")
    rows.append(("top-10 agree (|Δscore| < 1e-9)",
                 [f"{results[s]['cmp']['agree']}/{results[s]['cmp']['queries_compared']}" for s in sizes], "all"))
    rows.append(("  same top-10 ids (else: ties)",
                 [f"{results[s]['cmp']['identical_ids']}/{results[s]['cmp']['queries_compared']}" for s in sizes], ""))
    row("  max |Δscore|", get("cmp", "max_delta"), ".1e")
    row("add 1 article (s)", get("probe", "add_s"), ".3f", "1M ≤ 1")
    row("  snapshot reload after add (s)", get("probe", "add_reload_s"), ".3f")
    row("remove the added article (s)", get("probe", "remove_added_s"), ".3f")
    row("remove an article of the largest segment (s)", get("probe", "remove_s"), ".3f")
    row("  snapshot reload after that (s)", get("probe", "remove_reload_s"), ".3f")
    width = max(len(r[0]) for r in rows) + 2
    colw = max(12, *(len(v) for _, vals, _ in rows for v in vals)) + 2
    lines = [f"{'':<{width}}" + "".join(f"{s:>{colw}}" for s in sizes) + "   target",
             "-" * (width + colw * len(sizes) + 20)]
    for label, values, target in rows:
        lines.append(f"{label:<{width}}" + "".join(f"{v:>{colw}}" for v in values) + f"   {target}")
    loads = [results[s]["loadavg"] for s in sizes if "loadavg" in results[s]]
    if loads:
        lines.append("1-minute load average at the end of each corpus: " + ", ".join(
            f"{s} {results[s]['loadavg']:.1f}" for s in sizes) + f" (on {os.cpu_count()} CPUs; other work slows "
            "everything above)")
    if ask:
        runs = ask["runs_s"]
        lines.append(f"`policybot ask \"{QUESTION}\"`, shipped corpus, cold process: median "
                     f"{statistics.median(runs):.2f} s, max {max(runs):.2f} s over {len(runs)} runs "
                     f"(first run {ask['first_s']:.2f} s)   target ≤ 1.0 s")
    return "\n".join(lines)


# ---- main ------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--news", type=Path, help="news articles, JSONL (.gz): {id, title, date, source, url, text}")
    parser.add_argument("--queries", type=Path, nargs="+", help="queries.jsonl files with a \"question\" field")
    parser.add_argument("--sizes", default="10k,135k,1M", help="comma-separated subset of 10k,135k,1M")
    parser.add_argument("--n-queries", type=int, default=300, help="questions timed (default 300)")
    parser.add_argument("--bm25-sample-1m", type=int, default=20,
                        help="questions timed with rank_bm25 at 1M (default 20)")
    parser.add_argument("--bm25-sample", type=int, default=0,
                        help="questions timed with rank_bm25 at 10k and 135k (default 0: all)")
    parser.add_argument("--single-core-at", default="135k", help="sizes also built with one process (default 135k)")
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1), help="processes for 'all cores'")
    parser.add_argument("--workdir", type=Path, help="where the corpora are built (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the built corpora")
    parser.add_argument("--reuse", action="store_true", help="reuse corpora already built in --workdir")
    parser.add_argument("--no-cold-ask", action="store_true", help="skip timing `policybot ask`")
    parser.add_argument("--json", type=Path, help="also write all measurements here")
    parser.add_argument("--_probe", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--_reference", nargs=6, help=argparse.SUPPRESS)
    parser.add_argument("--_add-remove", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._probe:
        probe(Path(args._probe[0]), Path(args._probe[1]), Path(args._probe[2]), args._add_remove)
        return 0
    if args._reference:
        db, cache_dir, probe_file, out, sample, workers = args._reference
        reference(Path(db), Path(cache_dir), Path(probe_file), Path(out), int(sample), int(workers))
        return 0
    if not args.news or not args.queries:
        parser.error("--news and --queries are required")
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if unknown := set(sizes) - set(SIZES):
        parser.error(f"unknown sizes {sorted(unknown)}; choose from {list(SIZES)}")
    single = {s.strip() for s in args.single_core_at.split(",") if s.strip()}
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="policybot-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    log(f"working in {workdir}; {os.cpu_count()} CPUs")

    from policybot.segment.segmenter import Segmenter

    questions = read_questions(args.queries, args.n_queries, seed=5)
    news = read_news(args.news)
    log(f"{len(news)} news articles, {len(questions)} questions")
    passages_of = [len(a.passages) for a in build_articles(news)]
    cache_dir = workdir / "jieba-cache"
    Segmenter(cache_dir=cache_dir)._jieba()

    results: dict = {}
    for size in sizes:
        records, expected = records_for(news, passages_of, size)
        home = workdir / f"home-{size}"
        db = home / ".policybot" / "store.sqlite3"
        result: dict = {}
        meta = home / "bench-build.json"
        if args.reuse and meta.exists() and db.exists():
            result.update(json.loads(meta.read_text()))
            log(f"{size}: reusing {home}")
        else:
            if size in single:
                log(f"{size}: building with 1 process ({len(records)} articles, ~{expected} passages)")
                result["build1"] = build(workdir / f"home-{size}-1proc", records, 1)
                log(f"{size}: {result['build1']['chars_per_s'] / 1e6:.3f} M chars/s with 1 process")
                shutil.rmtree(workdir / f"home-{size}-1proc")
            log(f"{size}: building with {args.workers} processes")
            result["build"] = build(home, records, args.workers)
            log(f"{size}: {result['build']['passages']} passages in {result['build']['seconds']:.1f} s, "
                f"{result['build']['chars_per_s'] / 1e6:.3f} M chars/s")
            meta.write_text(json.dumps({k: result[k] for k in ("build", "build1") if k in result}))
        result["store_mb"], result["index_mb"] = store_sizes(db)
        log(f"{size}: fresh query process")
        result["probe"] = run_probe(home, questions, workdir, add_remove=False)
        queries = result["probe"]["queries"]
        result["seg_ms"] = [q["segment_ms"] for q in queries]
        result["search_ms"] = [q["search_ms"] for q in queries]
        result["search2_ms"] = [q["search2_ms"] for q in queries]
        result["search10_ms"] = [q["search10_ms"] for q in queries]
        for key in ("ask_ms", "ask_no_article_ms", "ask_again_ms"):
            result[key] = result["probe"][key]
        log(f"{size}: search p50 {percentile(result['search_ms'], 50):.2f} ms, "
            f"p95 {percentile(result['search_ms'], 95):.2f} ms; rank_bm25 on the same tokens")
        sample = args.bm25_sample_1m if size == "1M" else args.bm25_sample
        result["cmp"] = run_reference(db, cache_dir, workdir / "probe.json", workdir, sample, args.workers)
        ours = [result["search_ms"][i] for i in result["cmp"]["chosen"]]
        result["speedup"] = percentile(result["cmp"]["bm25_ms"], 50) / percentile(ours, 50)
        log(f"{size}: rank_bm25 p50 {percentile(result['cmp']['bm25_ms'], 50):.1f} ms, "
            f"{result['cmp']['agree']}/{result['cmp']['queries_compared']} top-10s agree")
        if size == "1M":
            log(f"{size}: adding and removing articles in a fresh process")
            result["probe"].update(run_probe(home, questions, workdir, add_remove=True, out_name="probe-add.json"))
        result["loadavg"] = os.getloadavg()[0]
        results[size] = result
        if not args.keep:
            shutil.rmtree(home)
    ask = None if args.no_cold_ask else cold_ask(5)
    print(table(results, ask))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "cold_ask": ask}, ensure_ascii=False, default=str))
    if not args.keep and not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

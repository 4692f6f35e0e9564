#!/usr/bin/env python3
"""Retrieval evaluation: policybot against a plain jieba + BM25Okapi baseline, side by side.

    python bench/eval.py SETDIR [SETDIR ...] [--limit N] [--no-rule]
    python bench/eval.py --seed-questions PATH [--distractors PATH.jsonl.gz] [--offtopic PATH]
    python bench/eval.py ../shared/data/retrieval/* --no-rule \
        --seed-questions ../shared/data/seed_dev_questions.jsonl \
        --distractors ../shared/data/news/provincial-gov-reports-2025.jsonl.gz

A retrieval set is a folder with

- `passages.jsonl`: {"id", "doc_id", "title", "text"}, one passage per line;
- `queries.jsonl`: {"qid", "question", "gold": [passage ids], "answers": [strings]}.

policybot: the passages of each doc_id are joined with "\n" into one article
(article id = doc_id, title = the passages' title unless that "title" is the
body itself) and added to a temporary home through the normal ingestion path
(`ingest.build_article`, `Corpus.add_articles`); every question goes through
`Corpus.ask` with k=20, so the "no answer" rule applies (a question left
without a passage is a miss; `--no-rule` adds a row without the rule, which is
the rule's recall cost). Ingestion re-splits articles into its own passages,
so a returned passage is mapped back to the gold: it counts when it comes
from a gold passage's article and overlaps that passage's text (`overlaps`:
>= 50% of the shorter text's characters, or a 50-character common run). A
result also counts when one of the passages folded into it as a duplicate
does (the reader is shown the same text, and told others carry it).

baseline: `jieba.lcut` on the raw passages, `rank_bm25.BM25Okapi()` with its
defaults, `jieba.lcut(question)` as the query; gold ids are matched exactly.

Metrics, per question: rank of the first result that is gold. R@k is the
share of questions with a gold result among the first k (DPR-style top-k
accuracy); MRR@10 is the mean of 1/rank over ranks <= 10.

Seed mode: the seed article plus the distractor articles in one home; a
question's gold is a string the right passage contains (whitespace ignored).
Reports hit@1 and hit@3 of both systems (questions marked `needs_section` must
be first) and the share of off-topic questions that get no passage.

`--homes DIR` keeps the built homes and reuses them while ingestion and
segmentation are unchanged; `--set NAME=VALUE` changes a field of
`policybot.search.RankingParams` for one run (ablations, e.g. `--set coverage_weight=0`):
every search of the run is given those parameters.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
import random
import re
import sys
import tempfile
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # runnable from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

from policybot.config import Settings  # noqa: E402
from policybot.corpus import Corpus  # noqa: E402
from policybot.ingest.article import ArticleMeta, build_article  # noqa: E402
from policybot.errors import InputError  # noqa: E402
from policybot.ingest.sources import articles_from_jsonl  # noqa: E402
from policybot.search import RankingParams, Searcher  # noqa: E402
from policybot.search.params import with_overrides  # noqa: E402

KS = (1, 5, 20)
MRR_AT = 10
DEPTH = max(KS)
SEED_ARTICLE = ROOT / "corpus" / "000_9b034201a5caef24.txt"
OFFTOPIC = [ROOT / "tests" / "data" / "offtopic_questions.txt",           # calibrates the "no answer" rule
            ROOT / "tests" / "data" / "offtopic_questions_heldout.txt",   # written after; examined, rule unchanged
            ROOT / "tests" / "data" / "offtopic_questions_heldout2.txt"]  # written before the re-examination


# ---- data ------------------------------------------------------------------

@dataclass
class Passage:
    id: str
    doc_id: str
    title: str
    text: str


@dataclass
class Query:
    qid: str
    question: str
    gold: list[str]
    answers: list[str] = field(default_factory=list)


@dataclass
class RetrievalSet:
    name: str
    passages: dict[str, Passage]
    docs: "OrderedDict[str, list[Passage]]"
    queries: list[Query]


def _jsonl(path: Path) -> Iterable[dict]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def load_set(setdir: Path, limit: int | None = None, sample_seed: int = 0) -> RetrievalSet:
    """A retrieval set; with `limit`, a fixed random sample of its queries (all passages kept)."""
    passages: dict[str, Passage] = {}
    docs: OrderedDict[str, list[Passage]] = OrderedDict()
    for rec in _jsonl(setdir / "passages.jsonl"):
        p = Passage(str(rec["id"]), str(rec.get("doc_id", rec["id"])), rec.get("title") or "", rec.get("text") or "")
        passages[p.id] = p
        docs.setdefault(p.doc_id, []).append(p)
    queries = [Query(str(r["qid"]), r["question"], [str(g) for g in r["gold"]], r.get("answers") or [])
               for r in _jsonl(setdir / "queries.jsonl")]
    queries = [q for q in queries if any(g in passages for g in q.gold)]
    if limit and limit < len(queries):
        queries = random.Random(sample_seed).sample(queries, limit)
    return RetrievalSet(setdir.name, passages, docs, queries)


#: A longer "title" field is a passage, not a headline.
TITLE_MAX = 80


def articles_of(rset: RetrievalSet) -> list:
    """One article per doc_id: its passages joined with newlines, the doc id as article id."""
    articles = []
    for doc_id, parts in rset.docs.items():
        text = "\n".join(p.text for p in parts if p.text.strip())
        if not text.strip():
            continue
        title = next((p.title.strip() for p in parts if p.title.strip()), None)
        if title and (len(title) > TITLE_MAX or norm(title) == norm(text)):
            title = None  # the "title" is the body itself (some sets repeat it): let ingestion find one
        articles.append(build_article(text, ArticleMeta(title=title, article_id=doc_id)))
    return articles


# ---- mapping returned passages to gold -------------------------------------

_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    """Comparison form: NFKC, lower case, no whitespace (ingestion may re-space or re-wrap text)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


#: Matching blocks shorter than this are coincidence (common characters), not shared text.
MIN_BLOCK = 4
#: A returned passage overlaps a gold passage when they share this share of the shorter one's characters ...
MIN_SHARE = 0.5
#: ... or a common run of at least this many characters.
LONG_RUN = 50


def overlaps(a: str, b: str) -> bool:
    """True when two (normalized) texts share >= 50% of the shorter one's characters or a 50-char run.

    Shared characters are those in matching blocks of at least MIN_BLOCK
    characters (difflib, no junk heuristic), so scattered common characters
    do not count. One text inside the other always counts.
    """
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    shorter = min(len(a), len(b))
    block = min(MIN_BLOCK, shorter)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.find_longest_match(0, len(a), 0, len(b)).size >= LONG_RUN:
        return True
    shared = sum(m.size for m in matcher.get_matching_blocks() if m.size >= block)
    return shared >= MIN_SHARE * shorter


class GoldMapper:
    """Decides whether a returned (article id, passage text) is one of a query's gold passages."""

    def __init__(self, rset: RetrievalSet) -> None:
        self.rset = rset
        self._norm: dict[str, str] = {}
        self._cache: dict[tuple[str, str], bool] = {}

    def gold_text(self, pid: str) -> str:
        if pid not in self._norm:
            self._norm[pid] = norm(self.rset.passages[pid].text)
        return self._norm[pid]

    def is_gold(self, article_id: str, text: str, gold: Sequence[str]) -> bool:
        ntext = norm(text)
        for pid in gold:
            p = self.rset.passages.get(pid)
            if p is None or p.doc_id != article_id:
                continue
            key = (pid, ntext)
            if key not in self._cache:
                self._cache[key] = overlaps(ntext, self.gold_text(pid))
            if self._cache[key]:
                return True
        return False


def first_hit(flags: Sequence[bool]) -> int | None:
    """1-based rank of the first True, or None."""
    return next((i for i, f in enumerate(flags, 1) if f), None)


def metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    out = {f"R@{k}": sum(1 for r in ranks if r is not None and r <= k) / n for k in KS}
    out[f"MRR@{MRR_AT}"] = sum(1 / r for r in ranks if r is not None and r <= MRR_AT) / n
    return out


# ---- systems ---------------------------------------------------------------

def baseline_ranks(rset: RetrievalSet) -> list[int | None]:
    """Plain jieba.lcut + BM25Okapi (defaults) over the raw passages."""
    import jieba
    import logging
    import numpy as np
    from rank_bm25 import BM25Okapi

    jieba.setLogLevel(logging.WARNING)
    ids = list(rset.passages)
    bm25 = BM25Okapi([jieba.lcut(rset.passages[i].text) for i in ids])
    ranks = []
    for q in rset.queries:
        scores = bm25.get_scores(jieba.lcut(q.question))
        top = np.argsort(-scores, kind="stable")[:DEPTH]
        gold = set(q.gold)
        ranks.append(first_hit([ids[i] in gold for i in top]))
    return ranks


def temp_corpus(root: Path, params: RankingParams | None = None) -> Corpus:
    home = Path(tempfile.mkdtemp(prefix="home-", dir=root))
    (home / "corpus").mkdir()
    return Corpus(Settings.from_env(env={}, home=home), params=params)


#: Data files only the search reads (questions, not passages): editing them needs no new home.
SEARCH_ONLY_DATA = ("aliases.txt", "answer_types.txt", "question_frames.txt", "time_words.txt")


def index_fingerprint() -> str:
    """Changes whenever what gets stored and indexed could change: every module of the package
    but those of search/, bot/ and render/ (they only read the index) and every data file
    but those only the search reads."""
    import hashlib
    import policybot

    pkg = Path(policybot.__file__).parent
    h = hashlib.sha256()
    for path in sorted([*pkg.rglob("*.py"), *(pkg / "data").glob("*.txt")]):
        rel = path.relative_to(pkg)
        if rel.parts[0] not in ("search", "bot", "render") and rel.name not in SEARCH_ONLY_DATA:
            h.update(str(rel).encode() + path.read_bytes())
    return h.hexdigest()[:16]


def cached_corpus(cache: Path | None, root: Path, key: str, build: Callable[[Corpus], None],
                  params: RankingParams | None = None) -> Corpus:
    """A home built by `build`, kept under `cache/key-fingerprint` and reused while the fingerprint holds;
    its questions are ranked with `params` (default: `RankingParams()`)."""
    if cache is None:
        corpus = temp_corpus(root, params)
        build(corpus)
        return corpus
    home = cache / f"{key}-{index_fingerprint()}"
    done = home / ".built"
    if not done.exists():
        import shutil

        shutil.rmtree(home, ignore_errors=True)
        (home / "corpus").mkdir(parents=True)
        build(Corpus(Settings.from_env(env={}, home=home)))
        done.touch()
    return Corpus(Settings.from_env(env={}, home=home), params=params)


def ask_fn(corpus: Corpus, rule: bool) -> Callable[[str, int], list]:
    """The normal search path; without the rule, a Searcher with the corpus's parameters but min_coverage=0."""
    if rule:
        return lambda q, k: corpus.ask(q, k=k).results
    searcher = Searcher(corpus.segmenter, replace(corpus.searcher.params, min_coverage=0.0))
    return lambda q, k: searcher.ask(corpus.store, corpus.snapshot(), q, k).results


@dataclass
class SnippetCount:
    """Of the questions whose first shown passage is a gold one and holds a gold answer
    string: how many show that answer in the snippet (the sentence the reader sees first).
    A long answer that runs over several sentences counts when the snippet holds
    `SNIPPET_RUN` characters of it in a row."""

    answerable: int = 0
    in_snippet: int = 0

    def add(self, answers: Sequence[str], passage_text: str, snippet: str) -> None:
        wanted = [norm(a) for a in answers if norm(a)]
        if wanted and any(a in norm(passage_text) for a in wanted):
            self.answerable += 1
            self.in_snippet += any(_shows(a, norm(snippet)) for a in wanted)

    @property
    def share(self) -> float:
        return self.in_snippet / self.answerable if self.answerable else 0.0


@dataclass
class AnswerElsewhere:
    """Of the questions whose first passage is not a gold one (nor has one folded in): how many
    first passages still hold a gold answer of `ELSEWHERE_MIN` characters or more (another
    article reporting the same thing, which R@1 does not credit)."""

    misses: int = 0
    holding: int = 0

    def add(self, answers: Sequence[str], passage_text: str) -> None:
        self.misses += 1
        text = norm(passage_text)
        self.holding += any(len(a) >= ELSEWHERE_MIN and a in text for a in map(norm, answers))


#: Shortest gold answer AnswerElsewhere looks for (a two-digit "21" is in many passages).
ELSEWHERE_MIN = 3

#: Characters of a long answer the snippet must hold in a row.
SNIPPET_RUN = 10


def _shows(answer: str, snippet: str) -> bool:
    if answer in snippet:
        return True
    if len(answer) <= SNIPPET_RUN:
        return False
    run = difflib.SequenceMatcher(None, answer, snippet, autojunk=False).find_longest_match(
        0, len(answer), 0, len(snippet))
    return run.size >= SNIPPET_RUN


def policybot_ranks(corpus: Corpus, rset: RetrievalSet, rule: bool = True, misses: list | None = None,
                    snippets: SnippetCount | None = None,
                    elsewhere: AnswerElsewhere | None = None) -> tuple[list[int | None], list[int | None], int]:
    """Ranks of the first gold result (a folded duplicate counts), the same counting only
    the shown passages, and how many questions got no passage at all."""
    mapper = GoldMapper(rset)
    ask = ask_fn(corpus, rule)
    ranks: list[int | None] = []
    shown: list[int | None] = []
    empty = 0
    for q in rset.queries:
        results = ask(q.question, DEPTH)
        empty += not results
        own = [mapper.is_gold(r.passage.article_id, r.passage.text, q.gold) for r in results]
        if snippets is not None and own and own[0]:
            snippets.add(q.answers, results[0].passage.text, results[0].snippet)
        rank = first_hit([hit or any(mapper.is_gold(p.article_id, p.text, q.gold) for p in r.folded)
                          for hit, r in zip(own, results)])
        ranks.append(rank)
        shown.append(first_hit(own))
        if elsewhere is not None and results and rank != 1:
            elsewhere.add(q.answers, results[0].passage.text)
        if misses is not None and rank != 1:
            misses.append((q, rank, results[:3]))
    return ranks, shown, empty


def gold_coverage(corpus: Corpus, rset: RetrievalSet) -> float:
    """Share of the queries' gold passages that overlap some stored passage of their article
    (what the mapping can reach at all after re-splitting)."""
    mapper = GoldMapper(rset)
    wanted = {g for q in rset.queries for g in q.gold if g in rset.passages}
    by_doc: dict[str, list[str]] = {}
    for aid in {rset.passages[g].doc_id for g in wanted}:
        try:
            by_doc[aid] = [p.text for p in corpus.article(aid)[1]]
        except Exception:
            by_doc[aid] = []
    found = sum(1 for g in wanted
                if any(mapper.is_gold(rset.passages[g].doc_id, t, [g]) for t in by_doc[rset.passages[g].doc_id]))
    return found / len(wanted) if wanted else 1.0


# ---- seed mode -------------------------------------------------------------

def read_distractors(path: Path) -> list:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return list(articles_from_jsonl(f.read(), path.name, ArticleMeta()))


def seed_corpus(root: Path, seed_article: Path, distractors: Path | None, cache: Path | None = None,
                params: RankingParams | None = None) -> Corpus:
    def build(corpus: Corpus) -> None:
        corpus.add([str(seed_article)])
        if distractors:
            corpus.add_articles(read_distractors(distractors))

    key = "seed" + (f"+{distractors.name.split('.')[0]}" if distractors else "")
    return cached_corpus(cache, root, key, build, params)


def seed_eval(corpus: Corpus, questions: Path, verbose: bool = False) -> dict[str, object]:
    """hit@1 / hit@3 of the seed questions (needs_section ones count only when first), both systems."""
    import jieba
    from rank_bm25 import BM25Okapi
    import numpy as np

    qs = list(_jsonl(questions))
    rows = corpus.store.conn.execute("SELECT a.id, p.text FROM passages p JOIN articles a ON a.id = p.article_id"
                                     " ORDER BY p.id").fetchall()
    bm25 = BM25Okapi([jieba.lcut(text) for _, text in rows])
    out: dict[str, dict[str, float]] = {}
    details = []
    for system in ("baseline", "policybot"):
        hit1 = hit3 = ok = 0
        for q in qs:
            golds = [norm(g) for g in q["gold"]]
            if system == "baseline":
                scores = bm25.get_scores(jieba.lcut(q["q"]))
                texts = [rows[i][1] for i in np.argsort(-scores, kind="stable")[:3]]
            else:
                texts = [r.passage.text for r in corpus.ask(q["q"], k=3).results]
            rank = first_hit([any(g in norm(t) for g in golds) for t in texts])
            hit1 += rank == 1
            hit3 += rank is not None
            good = rank == 1 if q.get("needs_section") else rank is not None
            ok += good
            if system == "policybot":
                details.append((q["q"], rank, bool(q.get("needs_section")), texts[:1]))
        n = len(qs) or 1
        out[system] = {"hit@1": hit1 / n, "hit@3": hit3 / n, "target": ok / n}
    if verbose:
        for question, rank, needs, texts in details:
            flag = "ok " if (rank == 1 if needs else rank) else "BAD"
            print(f"  {flag} rank={rank} {'[needs_section] ' if needs else ''}{question}  → {texts[0][:50] if texts else '(none)'}")
    out["n"] = len(qs)  # type: ignore[assignment]
    return out


def offtopic_eval(corpus: Corpus, path: Path, verbose: bool = False) -> dict[str, object]:
    questions = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#")]
    answered = []
    for q in questions:
        results = corpus.ask(q).results
        if results:
            answered.append((q, results[0].passage.text[:50]))
    if verbose:
        for q, t in answered:
            print(f"  answered off-topic: {q}  → {t}")
    return {"n": len(questions), "rejected": 1 - len(answered) / (len(questions) or 1)}


# ---- output ----------------------------------------------------------------

def fmt_row(name: str, system: str, m: dict[str, float], extra: str = "") -> str:
    cells = " ".join(f"{m[c]:>7.3f}" for c in [f"R@{k}" for k in KS] + [f"MRR@{MRR_AT}"])
    return f"{name:<24} {system:<20} {cells}  {extra}"


def header() -> str:
    cols = " ".join(f"{c:>7}" for c in [f"R@{k}" for k in KS] + [f"MRR@{MRR_AT}"])
    return f"{'set':<24} {'system':<20} {cols}"


def xwlb_eval(args: argparse.Namespace, root: Path, params: RankingParams) -> dict[str, object]:
    """The --xwlb question files over the --news corpus, policybot beside the baseline."""
    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))
    import xwlb

    corpus = cached_corpus(args.homes, root, "news-" + args.news.name.split(".")[0],
                           xwlb.build_news(args.news, root), params)
    out: dict[str, object] = {}
    for path in args.xwlb:
        qs = xwlb.load_questions(path)
        runs = {"policybot": xwlb.policybot_run(corpus, qs, args.today_from_question, args.today)}
        if not args.no_baseline:
            runs = {"baseline": xwlb.baseline_run(corpus, qs, args.homes), **runs}
        out[path.name] = xwlb.report(path.name, qs, runs, args.misses)
        sys.stdout.flush()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="*", type=Path, help="retrieval set folders (passages.jsonl + queries.jsonl)")
    ap.add_argument("--limit", type=int, help="a fixed random sample of N queries per set (all passages kept)")
    ap.add_argument("--seed-questions", type=Path, help="seed dev questions (jsonl: q, gold, needs_section?)")
    ap.add_argument("--seed-article", type=Path, default=SEED_ARTICLE, help="the seed article file")
    ap.add_argument("--distractors", type=Path, help="jsonl(.gz) articles added next to the seed article")
    ap.add_argument("--offtopic", type=Path, action="append", help="off-topic questions, one a line (repeatable; "
                    "default with seed mode: tests/data/offtopic_questions*.txt)")
    ap.add_argument("--no-rule", action="store_true", help="also score policybot without the 'no answer' rule")
    ap.add_argument("--no-baseline", action="store_true", help="skip the baseline (faster iteration)")
    ap.add_argument("--misses", type=int, default=0, help="print up to N questions whose gold is not first")
    ap.add_argument("-v", "--verbose", action="store_true", help="per-question seed results and answered off-topics")
    ap.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    ap.add_argument("--homes", type=Path, help="keep the built homes here and reuse them while ingestion and "
                    "segmentation are unchanged (default: build in a temporary folder)")
    ap.add_argument("--xwlb", type=Path, action="append", default=[], metavar="QUESTIONS.jsonl",
                    help="news-reader questions over --news (repeatable; see bench/xwlb.py)")
    ap.add_argument("--news", type=Path, help="the news articles for --xwlb (jsonl or jsonl.gz)")
    ap.add_argument("--today-from-question", action="store_true",
                    help="--xwlb: ask a question that has asked_on with that day as today")
    ap.add_argument("--today", help="--xwlb: today for questions without asked_on (YYYY-MM-DD)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="change a policybot.search.RankingParams field for this run, e.g. "
                    "--set proper_name_multiplier=1 (ablations; repeatable)")
    args = ap.parse_args(argv)
    try:
        params = with_overrides(RankingParams(), args.set)
    except InputError as error:
        ap.error(f"--set: {error}")
    if not args.sets and not args.seed_questions and not args.xwlb:
        ap.error("give retrieval set folders, --seed-questions and/or --xwlb")
    if args.xwlb and not args.news:
        ap.error("--xwlb needs --news PATH (the articles the questions are about)")

    report: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="policybot-eval-") as tmp:
        root = Path(tmp)
        if args.sets:
            print(header())
        for setdir in args.sets:
            started = time.monotonic()
            rset = load_set(setdir, args.limit)
            corpus = cached_corpus(args.homes, root, rset.name, lambda c: c.add_articles(articles_of(rset)), params)
            built = time.monotonic() - started
            entry: dict[str, object] = {"queries": len(rset.queries), "gold_reachable": gold_coverage(corpus, rset)}
            if not args.no_baseline:
                entry["baseline"] = metrics(baseline_ranks(rset))
                print(fmt_row(rset.name, "baseline", entry["baseline"]))
            misses: list = []
            started = time.monotonic()
            snippets = SnippetCount()
            elsewhere = AnswerElsewhere()
            ranks, shown, empty = policybot_ranks(corpus, rset, misses=misses, snippets=snippets, elsewhere=elsewhere)
            per_q = (time.monotonic() - started) / max(1, len(rset.queries)) * 1000
            entry["policybot"] = metrics(ranks)
            entry["policybot_shown_only"] = metrics(shown)
            entry["no_answer"] = empty / max(1, len(rset.queries))
            print(fmt_row(rset.name, "policybot", entry["policybot"],
                          f"n={len(rset.queries)} no-answer={entry['no_answer']:.3f} "
                          f"gold-reachable={entry['gold_reachable']:.3f} {per_q:.1f} ms/q index {built:.0f}s"))
            print(fmt_row(rset.name, "  shown passage only", entry["policybot_shown_only"],
                          "(a duplicate folded into a result does not count)"))
            entry["answer_in_snippet"] = snippets.share
            print(f"{rset.name:<24} {'  answer in snippet':<22} {snippets.share:.3f}  "
                  f"(of {snippets.answerable} first passages that are gold and hold a gold answer)")
            entry["answer_elsewhere"] = {"misses": elsewhere.misses, "holding_answer": elsewhere.holding}
            print(f"{rset.name:<24} {'  answer elsewhere':<22} {elsewhere.holding} of {elsewhere.misses} "
                  f"first passages that are not gold hold a gold answer (≥{ELSEWHERE_MIN} characters)")
            if args.no_rule:
                entry["policybot_no_rule"] = metrics(policybot_ranks(corpus, rset, rule=False)[0])
                print(fmt_row(rset.name, "policybot (no rule)", entry["policybot_no_rule"]))
            for q, rank, results in misses[:args.misses]:
                print(f"    miss rank={rank} {q.question}")
                for r in results:
                    print(f"        {r.passage.article_id[:12]} {r.score:7.2f} {r.passage.text[:60]!r}")
                print(f"        gold {rset.passages[q.gold[0]].doc_id[:12]} {rset.passages[q.gold[0]].text[:60]!r}")
            report[rset.name] = entry
            sys.stdout.flush()
        if args.seed_questions:
            corpus = seed_corpus(root, args.seed_article, args.distractors, args.homes, params)
            seed = seed_eval(corpus, args.seed_questions, args.verbose)
            report["seed"] = seed
            n_articles = len(corpus.articles())
            print(f"\nseed questions ({seed['n']}, {n_articles} articles):")
            for system in ("baseline", "policybot"):
                s = seed[system]
                print(f"  {system:<10} hit@1 {s['hit@1']:.3f}  hit@3 {s['hit@3']:.3f}  "
                      f"in top 3 (needs_section first) {s['target']:.3f}")
            report["offtopic"] = {}
            for path in args.offtopic or [p for p in OFFTOPIC if p.exists()]:
                off = offtopic_eval(corpus, path, args.verbose)
                report["offtopic"][path.name] = off
                print(f"  off-topic questions, {path.name} ({off['n']}): {off['rejected']:.3f} get no passage")
        if args.xwlb:
            report["xwlb"] = xwlb_eval(args, root, params)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

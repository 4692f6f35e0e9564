#!/usr/bin/env python3
"""Does one very long article slow every question? The same questions against a news corpus
without and with one 50 MB article (made here) added through the normal path.

    python bench/long_article.py --news ../shared/data/news/xwlb.jsonl.gz \
        --questions ../shared/data/xwlb_dev_questions.jsonl [--articles 5000] [--megabytes 50]

Both homes hold the first `--articles` news articles; the second also holds one article of
`--megabytes` MB (numbered copies of a city-renewal paragraph, whose words many news
questions share, with one answer in its middle). Every question (the file's "q" fields, plus
three about the long article) is asked once to warm up, then timed: `Corpus.ask`, whole
answer, wall and CPU. The target: the p50 and p95 with the article within 2x of those without.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # runnable from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

from policybot.config import Settings  # noqa: E402
from policybot.corpus import Corpus  # noqa: E402
from policybot.ingest.article import ArticleMeta, build_article  # noqa: E402

#: One paragraph of the long article; each copy is numbered, so no two passages are the same.
FILLER = ("第{n}段：本市持续推进城市更新，改造老旧小区，完善社区养老托育设施，新增停车位和充电桩，"
          "推动公共服务向基层延伸，群众办事更加便捷，城市面貌焕然一新。")
ANSWER = "辛县跨江大桥今天建成通车，大桥全长3.2公里，双向六车道，设计时速80公里。"
ABOUT_IT = ["辛县跨江大桥有多长，老旧小区改造了吗？", "城市更新中老旧小区改造有哪些内容？", "社区养老托育设施怎么完善？"]


def long_article(path: Path, megabytes: int = 50) -> None:
    """A plain-text article of `megabytes` MB (UTF-8) with ANSWER in its middle."""
    target = megabytes * 1024 * 1024
    with path.open("w", encoding="utf-8") as out:
        out.write("本市城市更新工作综述\n\n")
        written, n, answered = 0, 0, False
        while written < target:
            n += 1
            paragraph = FILLER.format(n=n) + "\n\n"
            if not answered and written >= target // 2:
                paragraph += ANSWER + "\n\n"
                answered = True
            out.write(paragraph)
            written += len(paragraph.encode("utf-8"))


def news_articles(path: Path, n: int) -> list:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for _, line in zip(range(n), f)]
    return [build_article(r["text"], ArticleMeta(title=r.get("title"), source=r.get("source"), date=r.get("date"),
                                                 url=r.get("url"), article_id=r["id"])) for r in records]


def timed(corpus: Corpus, questions: list[str]) -> dict[str, float]:
    """p50/p95 of wall and CPU milliseconds per question (after a warm-up pass)."""
    for q in questions:
        corpus.ask(q)
    wall, cpu = [], []
    for q in questions:
        w, c = time.perf_counter(), time.process_time()
        corpus.ask(q)
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)

    def p95(values: list[float]) -> float:
        return sorted(values)[min(len(values) - 1, int(0.95 * len(values)))]

    return {"wall_p50": statistics.median(wall), "wall_p95": p95(wall),
            "cpu_p50": statistics.median(cpu), "cpu_p95": p95(cpu)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--news", type=Path, required=True, help="news articles (jsonl or jsonl.gz)")
    ap.add_argument("--questions", type=Path, required=True, help="jsonl with a 'q' field per line")
    ap.add_argument("--articles", type=int, default=5000, help="news articles in both homes")
    ap.add_argument("--megabytes", type=int, default=50, help="size of the long article")
    args = ap.parse_args(argv)
    questions = [json.loads(line)["q"] for line in args.questions.read_text(encoding="utf-8").splitlines()
                 if line.strip()] + ABOUT_IT
    news = news_articles(args.news, args.articles)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="policybot-long-") as tmp:
        for label, extra in (("without", False), ("with", True)):
            home = Path(tmp) / label
            (home / "corpus").mkdir(parents=True)
            corpus = Corpus(Settings.from_env(env={}, home=home))
            started = time.monotonic()
            corpus.add_articles(news)
            if extra:
                long_article(Path(tmp) / "long.txt", args.megabytes)
                corpus.add([str(Path(tmp) / "long.txt")])
            n_passages = corpus.counts().passages
            print(f"  built {label}: {n_passages} passages in {time.monotonic() - started:.0f}s", file=sys.stderr)
            rows[label] = {"passages": n_passages, **timed(corpus, questions)}
    print(f"{len(questions)} questions, {args.articles} news articles; a {args.megabytes} MB article or not")
    print(f"{'':<24}{'without':>10}{'with':>10}{'ratio':>8}")
    for key in ("passages", "wall_p50", "wall_p95", "cpu_p50", "cpu_p95"):
        a, b = rows["without"][key], rows["with"][key]
        print(f"{key + (' (ms)' if key != 'passages' else ''):<24}{a:>10.1f}{b:>10.1f}{b / a:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

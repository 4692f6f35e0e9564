"""Hostile sizes: peak memory of `add` on a big one-line file, segmenting a long run of one character (jieba's HMM is quadratic on a run of
characters it has no word for: 2k/4k/8k × 龘 took 0.22/0.75/2.4 s),
and the longest passage of a text without sentence punctuation.

    python bench/limits.py --news /work/shared/data/news/xwlb.jsonl.gz [--mb 50] [--run 100000] [--char 龘] \\
        [--only rss,run,passage] [--timeout 900]

Each measurement runs in its own process (`policybot` from this checkout, a fresh
temporary home), so the figures are that process's own: peak RSS from wait4(),
wall seconds. The baseline is the same `add` of a one-paragraph file (jieba
loaded, nothing big read). The one-line file is news text with its line breaks
removed, cut at --mb megabytes of UTF-8. POLICYBOT_WORKERS=1 keeps segmentation
in the measured process.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SEGMENT_RUN = """
import sys, time
from pathlib import Path
from policybot.segment.segmenter import get_segmenter
segmenter = get_segmenter(Path(sys.argv[2]))
segmenter.terms("预热")
text = sys.argv[3] * int(sys.argv[1])
started = time.perf_counter()
terms = segmenter.terms(text)
print(f"{time.perf_counter() - started:.2f} {len(terms)}")
"""
_LONGEST_PASSAGE = """
import sys
from policybot.ingest.article import build_article
article = build_article(open(sys.argv[1], encoding="utf-8").read())
print(max(len(p.text) for p in article.passages), len(article.passages))
"""


def _one_line_file(news: Path, megabytes: float, path: Path) -> int:
    """News text, no line breaks, cut at the size (the news again from the start if short); returns bytes."""
    limit = int(megabytes * 1_000_000)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("长文本测试\n")  # a title line, so the body is the one long line
        while written < limit - 3:
            with gzip.open(news, "rt", encoding="utf-8") as stream:
                for line in stream:
                    text = json.loads(line)["text"].replace("\n", "")
                    chunk = text.encode("utf-8")[:limit - written].decode("utf-8", "ignore")
                    out.write(chunk)
                    written += len(chunk.encode("utf-8"))
                    if written >= limit - 3:
                        break
    return path.stat().st_size


def _run(argv: list[str], timeout: float, env: dict[str, str]) -> tuple[int | None, float, int, str]:
    """(exit code or None on timeout, wall seconds, peak RSS in KB, last stderr line) of one process."""
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return None, time.monotonic() - started, 0, "timed out"
    seconds = time.monotonic() - started
    # communicate() reaped it; the children's figure is the largest child so far.
    import resource

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    lines = (out + err).decode("utf-8", "replace").strip().splitlines()
    return proc.returncode, seconds, peak, lines[-1][:160] if lines else ""


def _rss_one(argv: list[str], timeout: float, env: dict[str, str]) -> tuple[int | None, float, int, str]:
    """Run argv in a fresh Python helper so RUSAGE_CHILDREN holds this one process only."""
    helper = ("import json,sys,os; sys.path.insert(0, os.environ['LIMITS_BENCH']); import limits; "
              "print(json.dumps(limits._run(json.loads(sys.argv[1]), float(sys.argv[2]), dict(os.environ))))")
    result = subprocess.run([sys.executable, "-c", helper, json.dumps(argv), str(timeout)],
                            capture_output=True, text=True, env=env | {"LIMITS_BENCH": str(ROOT / "bench")})
    code, seconds, peak, last = json.loads(result.stdout.strip().splitlines()[-1])
    return code, seconds, peak, last


def measure_rss(news: Path, megabytes: float, timeout: float, scratch: Path, env: dict[str, str]) -> None:
    small = scratch / "small.txt"
    small.write_text("小文件\n这是一篇很短的文章，只有一段。", encoding="utf-8")
    big = scratch / "one_line.txt"
    size = _one_line_file(news, megabytes, big)
    cli = [sys.executable, "-m", "policybot"]
    for name, path in (("baseline (one paragraph)", small), (f"one line, {size / 1e6:.1f} MB", big)):
        home = scratch / f"home-{path.stem}"
        code, seconds, peak, last = _rss_one([*cli, "--home", str(home), "add", str(path)], timeout, env)
        print(f"add {name:28} exit {code}  {seconds:7.1f} s  peak RSS {peak / 1024:8.0f} MB  | {last}")
        sys.stdout.flush()


def measure_run(length: int, char: str, timeout: float, scratch: Path, env: dict[str, str]) -> None:
    argv = [sys.executable, "-c", _SEGMENT_RUN, str(length), str(scratch / "cache"), char]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
        print(f"segment a run of {length:,} × {char}: {result.stdout.strip() or result.stderr.strip()[-200:]} "
              "(seconds, terms)")
    except subprocess.TimeoutExpired:
        print(f"segment a run of {length:,} × {char}: not done after {timeout:.0f} s")


def measure_passage(news: Path, scratch: Path, env: dict[str, str]) -> None:
    path = scratch / "no_punctuation.txt"
    _one_line_file(news, 2, path)
    text = path.read_text(encoding="utf-8")
    for mark in "，。！？；：、,.!?;:…“”（）《》":
        text = text.replace(mark, "")
    path.write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", _LONGEST_PASSAGE, str(path)], capture_output=True, text=True,
                            env=env)
    print(f"{len(text):,} characters without punctuation: longest passage, passages = "
          f"{result.stdout.strip() or result.stderr.strip()[-200:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--news", type=Path, required=True)
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--run", type=int, default=100_000)
    parser.add_argument("--char", default="龘", help="the character of the run (龘 is in no dictionary)")
    parser.add_argument("--only", default="rss,run,passage")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args(argv)
    env = dict(os.environ, POLICYBOT_WORKERS="1", PYTHONPATH=str(ROOT / "src"))
    env.pop("POLICYBOT_HOME", None)
    wanted = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="policybot-limits-") as tmp:
        scratch = Path(tmp)
        if "passage" in wanted:
            measure_passage(args.news, scratch, env)
        if "run" in wanted:
            measure_run(args.run, args.char, args.timeout, scratch, env)
        if "rss" in wanted:
            measure_rss(args.news, args.mb, args.timeout, scratch, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())

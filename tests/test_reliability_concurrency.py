"""Concurrent use: one process writes while others keep answering, on the same home.

The writer is the CLI's `add`/`remove` in its own process, with small batches so
that it commits dozens of times while the readers run: two reader threads
sharing one `Corpus` (as the bot does), one `policybot ask --json` process
answering a long list of questions, and a checker that validates the whole store
(articles whole or absent, index == passages, statistics == recount) at every
generation it sees. Nobody may see "database is locked", an exception, a
half-added article or a torn index.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest


from conftest import clean_env, make_corpus
from reliability_helpers import (article_token, check_store, expected_passages, make_articles, recount_from_segments,
                                 write_jsonl)

N_ARTICLES = 400
BATCH = 40
REMOVED = ["r00003", "r00250", "r00399"]

WRITER = """
import sys
import policybot.corpus
policybot.corpus.BATCH_ARTICLES = {batch}
from policybot.cli import main
home, first, second = sys.argv[1:4]
steps = [["add", first], ["add", "--replace", first], *[["remove", i] for i in {removed!r}], ["add", second]]
for step in steps:
    code = main(["--home", home, *step])
    if code:
        sys.exit(f"step {{step}} exited {{code}}")
"""


def _questions(rng: random.Random, n: int) -> list[str]:
    from reliability_helpers import PLACES, WORDS

    questions = []
    for i in range(n):
        if i % 3 == 0:
            questions.append(f"{article_token(rng.randrange(2 * N_ARTICLES))} 讲了什么?")
        else:
            questions.append(rng.choice(PLACES) + "".join(rng.sample(WORDS, 3)) + "有哪些举措?")
    return questions


@pytest.mark.slow
def test_readers_never_see_half_added_articles_or_a_torn_index(tmp_path: Path) -> None:
    rng = random.Random(11)
    first = write_jsonl(tmp_path / "first.jsonl", make_articles(N_ARTICLES, seed=1))
    second = write_jsonl(tmp_path / "second.jsonl", make_articles(N_ARTICLES, seed=2, start=N_ARTICLES))
    expected = expected_passages(first) | expected_passages(second)
    home = tmp_path / "home"
    (home / "corpus").mkdir(parents=True)
    db = home / ".policybot" / "store.sqlite3"
    reader = make_corpus(home)
    reader.ask("预热")  # loads jieba and creates the store before the race starts

    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER.format(batch=BATCH, removed=REMOVED), str(home), str(first), str(second)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=clean_env())
    ask_process = subprocess.Popen(
        [sys.executable, "-m", "policybot", "--home", str(home), "ask", "--json"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    questions = _questions(rng, 3000)
    asked: list[str] = []
    ask_output: list[bytes] = []

    def feed() -> None:
        # A question every few milliseconds while the writer runs, through a pipe kept open.
        assert ask_process.stdin is not None
        for question in questions:
            if writer.poll() is not None and len(asked) > 50:
                break
            ask_process.stdin.write((question + "\n").encode("utf-8"))
            ask_process.stdin.flush()
            asked.append(question)
            time.sleep(0.02)
        ask_output.extend(ask_process.communicate(timeout=180))

    feeder = threading.Thread(target=feed)
    feeder.start()

    errors: list[str] = []
    answered = [0, 0]
    generations: set[int] = set()

    def whole(store, article_id: str) -> bool:
        n = len(store.article_passages(article_id))
        return n == expected[article_id] or (n == 0 and article_id in REMOVED)

    def ask_loop(slot: int, seed: int) -> None:
        local = random.Random(seed)
        try:
            while writer.poll() is None:
                snapshot = reader.snapshot()
                n_docs, total_len, _ = recount_from_segments(snapshot)
                if (n_docs, total_len) != (snapshot.stats.n_docs, snapshot.stats.total_len):
                    errors.append(f"torn snapshot at generation {snapshot.generation}")
                answer = reader.ask(local.choice(questions), k=5)
                answered[slot] += 1
                time.sleep(0.01)  # leave the writer some CPU
                for result in answer.results:
                    if not whole(reader.store, result.passage.article_id):
                        errors.append(f"half-added article {result.passage.article_id} in an answer")
        except Exception as exc:  # noqa: BLE001 - any error at all fails the test
            errors.append(f"reader {slot}: {type(exc).__name__}: {exc}")

    def check_loop() -> None:
        try:
            while writer.poll() is None:
                check_store(db, expected, probe=3, rng=random.Random(len(generations)))
                generations.add(reader.store.generation())
                time.sleep(0.05)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"checker: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=ask_loop, args=(i, i)) for i in range(2)] + [threading.Thread(target=check_loop)]
    for thread in threads:
        thread.start()
    _, writer_err = writer.communicate(timeout=180)
    for thread in threads:
        thread.join(timeout=60)
    feeder.join(timeout=180)

    assert writer.returncode == 0, writer_err.decode("utf-8", "replace")
    assert not errors, errors[:5]
    assert min(answered) > 10, answered
    assert len(generations) > 3, "the checker must see the store at several generations"

    out, err = ask_output
    assert ask_process.returncode == 0 and b"Traceback" not in err and b"locked" not in err, err.decode()
    lines = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    assert [line["question"] for line in lines] == asked
    final = check_store(db, expected)
    for line in lines:
        for result in line["results"]:
            article_id = result["article_id"]
            assert final.get(article_id) == expected[article_id] or article_id in REMOVED
    assert set(expected) - set(final) == set(REMOVED)
    assert any(line["results"] for line in lines), "the reader process never saw an article"
    print(f"\nreader threads answered {sum(answered)} questions, the ask process {len(lines)}, "
          f"checker saw {len(generations)} generations")

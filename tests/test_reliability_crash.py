"""Crash safety: `policybot add` killed with SIGKILL at random moments never leaves a broken store.

One home goes through many trials. Each trial starts `python -m policybot add
big.jsonl` (every third with --replace, which tombstones and merges segments),
kills it with SIGKILL after a random delay, and checks the store: every article
whole or absent, the index holding exactly the stored passages, statistics
equal to a recount (and, once mid-import and once after a complete add, BM25
scores equal to rank-bm25's over the passages' text). After the trials on one
input, an add of it runs to completion and must leave every article present
exactly once; then a new input of new articles starts. One input is large
enough (over a million characters) for `add` to segment in worker processes:
killing it must leave no worker behind, and nothing may print a traceback.
Ctrl-C during such an add ends it with one line and no process left over.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policybot.segment import bulk
from policybot import corpus as corpus_module

from conftest import clean_env
from reliability_helpers import (assert_bm25_parity, check_store, cli, expected_passages, make_articles,
                                 write_jsonl)

#: Inputs in order: (articles, long articles?, trials before the add is completed).
SCHEDULE = [(1200, False, 7), (1200, False, 7), (2000, True, 4), (1200, False, 7), (1200, False, 7), (1200, False, 7)]
#: Kills to make (each followed by a full check of the store); trials that finish first don't count.
KILLS = 25
QUERIES = ["宜兴发展低空经济和合成生物", "无锡人才政策", "新质生产力 产业 集群"]


def _env(workers: bool) -> dict[str, str]:
    return clean_env(**{bulk.WORKERS_ENV: "2" if workers else "1"})


def _descendants(pid: int) -> list[int]:
    """Live processes below `pid`: its children (the fork server, the resource tracker) and theirs
    (the segmenting workers are the fork server's children). Linux /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


def _wait_for_workers(process: subprocess.Popen, timeout: float = 60) -> None:
    """Return once `process` has segmenting workers (more descendants than the fork server and the
    resource tracker), or has ended."""
    deadline = time.monotonic() + timeout
    while len(_descendants(process.pid)) <= 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)


def _gone(pids: list[int], timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                alive.append(pid)
        if not alive:
            return True
        time.sleep(0.1)
    return False


def _complete(home: Path, source: Path, expected: dict[str, int], workers: bool) -> float:
    """Add `source` without interruption; every article must then be present exactly once. Returns seconds taken."""
    started = time.monotonic()
    result = cli(home, "add", "--json", str(source), env=_env(workers))
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    statuses = {r["status"] for r in json.loads(result.stdout)}
    assert statuses <= {"added", "duplicate"}, statuses
    present = check_store(home / ".policybot" / "store.sqlite3", expected)
    assert present == expected, f"{len(expected) - len(present)} articles missing after a complete add"
    return took


@pytest.mark.slow
def test_sigkill_during_add_never_breaks_the_store(tmp_path: Path) -> None:
    assert corpus_module.BATCH_ARTICLES < min(n for n, _, _ in SCHEDULE) / 2, "inputs must span several transactions"
    rng = random.Random(20240608)
    home = tmp_path / "home"
    db = home / ".policybot" / "store.sqlite3"
    expected: dict[str, int] = {}
    outcomes: list[str] = []
    partial_parity = complete_parity = False
    kills = trials = worker_kills = 0
    full_run = {False: 2.5, True: 5.0}  # seconds an uninterrupted add takes; re-measured whenever one runs
    for cycle, (count, long, n_trials) in enumerate(SCHEDULE):
        if kills >= KILLS:
            break
        records = make_articles(count, seed=cycle, start=cycle * 10_000, long=long)
        source = write_jsonl(tmp_path / f"input{cycle}.jsonl", records)
        expected.update(expected_passages(source))
        if long:
            assert sum(len(r["text"]) for r in records) > bulk.PARALLEL_MIN_CHARS
        for trial in range(n_trials):
            if kills >= KILLS:
                break
            replace = trial % 3 == 2
            # Mostly after start-up (imports, jieba, reading the input), when batches commit.
            earliest = 0.05 if trial % 4 == 0 else 0.3 * full_run[long]
            started = time.monotonic()
            args = ["add", str(source), *(["--replace"] if replace else [])]
            process = subprocess.Popen([sys.executable, "-m", "policybot", "--home", str(home), *args],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(long))
            children: list[int] = []
            try:
                if long and trial % 2:  # on a busy machine a timer alone may always fire before the workers start
                    _wait_for_workers(process)
                    process.wait(timeout=rng.uniform(0, 1))
                else:
                    process.wait(timeout=rng.uniform(earliest, 0.95 * full_run[long]))
            except subprocess.TimeoutExpired:
                children = _descendants(process.pid)
                process.send_signal(signal.SIGKILL)
            _, stderr = process.communicate(timeout=60)
            killed = process.returncode == -signal.SIGKILL
            assert b"Traceback" not in stderr, stderr.decode("utf-8", "replace")
            if killed:
                kills += 1
                worker_kills += len(children) > 2  # more than the fork server and the resource tracker
                assert _gone(children), f"workers {children} outlived their killed parent"
            else:
                assert process.returncode == 0, stderr.decode("utf-8", "replace")
                full_run[long] = time.monotonic() - started
            trials += 1
            batches = stderr.count(b"indexed ")
            present = check_store(db, expected, rng=rng) if db.exists() else {}
            outcomes.append(f"{'killed' if killed else 'finished'}:{'add --replace' if replace else 'add'}"
                            f"{' (workers)' if children else ''}:{batches} batches reported:"
                            f"{len(present)}/{len(expected)} articles present")
            if killed and not partial_parity and 0 < len(present) < len(expected):
                assert_bm25_parity(db, QUERIES)  # a half-done import is still exact BM25
                partial_parity = True
        full_run[long] = _complete(home, source, expected, long)
        if not complete_parity:
            assert_bm25_parity(db, QUERIES)
            complete_parity = True
    print(f"\n{trials} trials, {kills} killed mid-add ({worker_kills} with segmenting workers running):\n  "
          + "\n  ".join(outcomes))
    assert kills >= KILLS and worker_kills >= 1
    assert partial_parity and complete_parity
    # Kills landed both before the first commit and after some.
    stages = {o.split(":")[2] for o in outcomes if o.startswith("killed")}
    assert "0 batches reported" in stages and len(stages) >= 2, stages


@pytest.mark.slow
def test_ctrl_c_during_a_parallel_add_ends_it_in_one_line(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group (the terminal sends it so); no worker prints a
    traceback, none is left behind, and the store keeps whole batches only."""
    records = make_articles(2000, seed=3, long=True)
    source = write_jsonl(tmp_path / "long.jsonl", records)
    expected = expected_passages(source)
    home = tmp_path / "home"
    for delay in (0.0, 0.3, 1.5):  # as the workers start, while they load jieba, mid-import
        process = subprocess.Popen([sys.executable, "-m", "policybot", "--home", str(home), "add", str(source)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(True),
                                   start_new_session=True)
        deadline = time.monotonic() + 60
        while len(children := _descendants(process.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)  # the fork server, the resource tracker and a first worker
        assert process.poll() is None, "the add ended before its workers started"
        time.sleep(delay)
        children = _descendants(process.pid)
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        lines = stderr.decode("utf-8", "replace").strip().splitlines()
        assert process.returncode == 130 and lines[-1].startswith("interrupted"), lines
        assert not any("Traceback" in line or "Error" in line for line in lines), lines
        assert _gone(children), f"{children} outlived the interrupted add"
        present = check_store(home / ".policybot" / "store.sqlite3", expected)
        assert len(present) % corpus_module.BATCH_ARTICLES == 0, "only whole batches are kept"

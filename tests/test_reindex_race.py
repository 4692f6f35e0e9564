"""`reindex` in one process while `add` and `remove` commit in others: afterwards stored and indexed agree."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from conftest import clean_env
from reliability_helpers import check_index, check_store, cli, expected_passages, make_articles, write_jsonl

#: Runs `Corpus.reindex` and, once its passages are segmented, waits for the go file before writing.
REINDEX = """
import sys, time
from pathlib import Path
from policybot.config import Settings
from policybot.corpus import Corpus

home, ready, go = map(Path, sys.argv[1:4])

def progress(message):
    if "writing the index" in message:
        ready.touch()
        deadline = time.monotonic() + 120
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

print(Corpus(Settings.from_env(env={}, home=home)).reindex(progress=progress))
"""


def test_adds_and_removals_during_a_reindex_are_indexed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = write_jsonl(tmp_path / "first.jsonl", make_articles(40))
    later = write_jsonl(tmp_path / "later.jsonl", make_articles(5, seed=8, start=40))
    assert cli(home, "add", str(first)).returncode == 0
    ready, go = tmp_path / "ready", tmp_path / "go"
    reindex = subprocess.Popen([sys.executable, "-c", REINDEX, str(home), str(ready), str(go)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert reindex.poll() is None and time.monotonic() < deadline, reindex.communicate()
            time.sleep(0.05)
        # The reindex has read and segmented every passage; other processes change the store now.
        assert cli(home, "add", str(later)).returncode == 0
        assert cli(home, "remove", "r00003").returncode == 0
        go.touch()
        out, err = reindex.communicate(timeout=120)
    finally:
        reindex.kill()
    assert reindex.returncode == 0, err
    db = home / ".policybot" / "store.sqlite3"
    check_index(db)
    expected = expected_passages(first) | expected_passages(later)
    present = check_store(db, expected, probe=45)  # each present article found by its own token, r00003 not
    assert "r00003" not in present and {"r00040", "r00044"} <= set(present)
    assert int(out) == sum(n for article_id, n in expected.items() if article_id != "r00003")

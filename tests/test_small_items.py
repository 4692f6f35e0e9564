"""The smaller items of issue 12: a full disk, homes that cannot be used, duplicates inside one article,
POLICYBOT_TOP_K=0, killed workers."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import clean_env
from policybot.corpus import Corpus
from policybot.errors import StoreError
from policybot.ingest.article import ArticleMeta, build_article
from reliability_helpers import check_index, cli, make_articles

BODY = "宜兴将重点发展合成生物、氢能和储能、低空经济等新赛道，打造发展新质生产力特色优势。"


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_full_disk_reads_as_such_and_keeps_the_store(empty_corpus: Corpus) -> None:
    [kept] = empty_corpus.add_articles([build_article("宜兴新赛道\n" + BODY)])
    conn = empty_corpus.store.conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # this connection's disk is now nearly full
    big = "\n".join(f"第{i}段。" + BODY * 3 for i in range(400))
    with pytest.raises(StoreError) as caught:
        empty_corpus.add_articles([build_article("很长的文章\n" + big)])
    text = str(caught.value)
    assert "full" in text and "no transaction" not in text and "move" not in text and "backup" not in text
    assert [a.id for a in empty_corpus.articles()] == [kept.article_id]
    check_index(empty_corpus.settings.db_path)


def test_a_home_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder", encoding="utf-8")
    line = _one_error_line(cli(home, "list"))
    assert f"{home} is a file, not a folder" in line and " — " in line


@contextlib.contextmanager
def _read_only(*paths: Path):
    """Paths made unwritable: by mode bits, or for root (which ignores them) the immutable flag."""
    if os.geteuid() != 0:
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path in paths:
                path.chmod(0o755 if path.is_dir() else 0o644)
        return
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", *map(str, paths)]).returncode:
        pytest.skip("cannot make a folder read-only for root here (no chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=True)


def test_a_read_only_home_is_one_line_without_backup_advice(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert cli(home, "stats").returncode == 0  # the store exists
    state = home / ".policybot"
    with _read_only(*sorted(state.rglob("*")), state, home / "corpus", home):
        line = _one_error_line(cli(home, "add", "-", stdin="宜兴新赛道\n" + BODY))
    assert "read-only" in line and "backup" not in line and "move" not in line


def test_three_identical_paragraphs_of_one_article_are_not_other_articles(empty_corpus: Corpus) -> None:
    text = "宜兴新赛道\n" + "\n".join([BODY, "第二段讲别的事情，与新赛道无关。", BODY, "第四段。", BODY])
    empty_corpus.add_articles([build_article(text)])
    answer = empty_corpus.ask("宜兴发展哪些新赛道?")
    assert answer.results and answer.results[0].duplicates == 0
    other = "另一报道\n" + BODY
    empty_corpus.add_articles([build_article(other, ArticleMeta(source="另一家报纸"))])
    assert empty_corpus.ask("宜兴发展哪些新赛道?").results[0].duplicates == 1  # one other article


def test_top_k_zero_is_refused_with_a_hint(tmp_path: Path) -> None:
    for value in ("0", "-1", "51"):
        result = cli(tmp_path, "ask", "宜兴发展哪些新赛道?", env=clean_env(POLICYBOT_TOP_K=value))
        line = _one_error_line(result)
        assert result.returncode == 2 and f"POLICYBOT_TOP_K={value} is out of range" in line and "between 1 and 50" in line


def test_a_huge_article_is_indexed_a_slice_at_a_time(empty_corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sliced path (taken above HUGE_ARTICLE characters; bench/limits.py measures its memory),
    with small limits so the test stays quick."""
    from policybot import corpus as corpus_module

    monkeypatch.setattr(corpus_module, "HUGE_ARTICLE", 3000)
    monkeypatch.setattr(corpus_module, "HUGE_SLICE", 800)
    paragraphs = [f"第{i}段：" + BODY for i in range(120)] + ["最后一段写到江阴的人才公寓zqhugex。"]
    small = build_article("短文\n" + BODY.replace("宜兴", "江阴"))
    huge = build_article("很长的文章\n" + "\n".join(paragraphs))
    results = empty_corpus.add_articles([small, huge, build_article("另一短文\n新吴推进未来产业集聚工程。")])
    assert [str(r.status) for r in results] == ["added", "added", "added"]
    assert results[1].passages == len(huge.passages)
    check_index(empty_corpus.settings.db_path)
    assert "zqhugex" in empty_corpus.ask("江阴人才公寓 zqhugex").results[0].passage.text
    replaced = build_article("很长的文章\n" + "\n".join(paragraphs[:-1]), ArticleMeta(article_id=results[1].article_id))
    [again] = empty_corpus.add_articles([replaced], replace=True)
    assert str(again.status) == "replaced" and again.article_id == results[1].article_id
    check_index(empty_corpus.settings.db_path)
    assert not empty_corpus.ask("zqhugex").results


def _workers_of(pid: int) -> list[int]:
    """The segmenting workers: children of the forkserver, itself a child of `pid`."""
    def children(parent: int) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]
    return [grandchild for child in children(pid) for grandchild in children(child)]


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "workers killed"])
def test_interrupted_or_killed_workers_print_no_tracebacks(tmp_path: Path, how: str) -> None:
    """A large add whose workers are interrupted (Ctrl-C to the group) or killed: one line, no traceback."""
    import json

    batch = tmp_path / "many.jsonl"
    batch.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in make_articles(3000, long=True)),
                     encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "policybot", "--home", str(tmp_path / "home"), "add", str(batch)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(POLICYBOT_WORKERS="2"),
                            start_new_session=True)
    time.sleep(8)  # jieba loaded, workers busy
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        for worker in _workers_of(proc.pid):
            os.kill(worker, signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    text = err.decode("utf-8", "replace")
    assert "Traceback" not in text and "BrokenPipeError" not in text, text[-2000:]
    check_index(tmp_path / "home" / ".policybot" / "store.sqlite3")

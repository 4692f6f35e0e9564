"""Bounded work per question: one 50 MB article (made here, in tmp) is added through the normal
path, and a question whose answer sits in its middle reads only the passages it needs. How long
that takes is measured in bench/long_article.py, never here."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from conftest import ROOT, make_corpus


def bench_module():
    """bench/long_article.py, which makes the long article (and times questions against it)."""
    spec = importlib.util.spec_from_file_location("policybot_bench_long_article", ROOT / "bench" / "long_article.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_a_question_reads_no_whole_article(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "corpus").mkdir(parents=True)
    article = tmp_path / "long.txt"
    bench_module().long_article(article)
    assert article.stat().st_size >= 50 * 1024 * 1024
    corpus = make_corpus(home)
    corpus.add([str(article)])
    statements: list[str] = []
    corpus.store.conn.set_trace_callback(statements.append)
    # 老旧小区 is not in the answering passage but next to it: the article signal reads around it.
    answer = corpus.ask("辛县跨江大桥有多长，老旧小区改造了吗？")
    corpus.store.conn.set_trace_callback(None)
    assert answer.results and "全长3.2公里" in answer.results[0].passage.text
    # The answer's article is 50 MB: the question read its passages by position, never its text.
    reads_article_text = [s for s in statements if re.search(r"SELECT\s+(a\.)?text\s+FROM\s+articles", s, re.I)]
    assert statements and not reads_article_text
    assert any("ordinal IN" in s for s in statements)  # the article signal read passages around the answer

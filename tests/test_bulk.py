"""bulk: segmenting many articles (titles once, worker processes) indexes exactly what plain segmentation does."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import Counter

import pytest

from policybot.segment import bulk
from policybot.ingest.article import ArticleMeta, build_article
from policybot.segment.segmenter import Segmenter, get_segmenter, retrievable_text

from conftest import SEED, make_corpus

ARTICLE = """宜兴发展新赛道
# 一、产业
宜兴加快发展合成生物、氢能和储能、低空经济等新赛道新领域，推动科技型中小企业评价入库。
江阴聚焦高层次人才引进，打造“暨阳英才”品牌。
## （一）园区
特色园区建设促进传统产业技术创新和资源整合，壮大新兴产业集群规模。
# 二、生态
依托良好生态发展科创经济，打响“中国陶都、世界陶醉”品牌。Version 2.0 的 AI+ 平台。
"""


def _plain(segmenter, articles) -> list[list[list[str]]]:
    return [[segmenter.terms(retrievable_text(a.title, p.section, p.text)) for p in a.passages] for a in articles]


def _articles() -> list:
    seed = build_article(SEED.read_text(encoding="utf-8"))
    return [seed, build_article(ARTICLE, ArticleMeta(source="无锡日报")),
            build_article("标题：短文\n只有一段。", ArticleMeta(title="短文 Short 标题"))]


def _as_counters(terms: list[list[list[str]]]) -> list[list[Counter]]:
    return [[Counter(p) for p in article] for article in terms]


def test_titles_and_headings_segmented_once_give_the_same_terms() -> None:
    segmenter = get_segmenter()
    articles = _articles()
    assert any(p.section for a in articles for p in a.passages)
    got = bulk.segment_items(segmenter, bulk.items_of(articles))
    assert _as_counters(got) == _as_counters(_plain(segmenter, articles))


class JoiningSegmenter(Segmenter):
    """A segmenter whose terms are not per-line: a bigram across each line break."""

    def terms(self, text: str) -> list[str]:
        lines = text.split("\n")
        return super().terms(text) + [a[-1:] + b[:1] for a, b in zip(lines, lines[1:]) if a and b]


def test_segmentation_falls_back_to_whole_texts_when_lines_are_not_independent() -> None:
    segmenter = JoiningSegmenter()
    articles = _articles()
    got = bulk.segment_items(segmenter, bulk.items_of(articles))
    assert _as_counters(got) == _as_counters(_plain(segmenter, articles))


def test_worker_processes_give_the_same_terms_in_order(tmp_path) -> None:
    segmenter = Segmenter(cache_dir=tmp_path / "cache")
    articles = _articles() * 40  # 120 articles: two tasks of CHUNK_ARTICLES
    with bulk.batch_terms(segmenter, articles, batch=50, workers=2) as batches:
        got = [article for batch in batches for article in batch]
    assert got == bulk.segment_items(segmenter, bulk.items_of(articles))


def test_small_adds_stay_in_process(monkeypatch) -> None:
    monkeypatch.delenv(bulk.WORKERS_ENV, raising=False)
    assert bulk.worker_count(bulk.PARALLEL_MIN_CHARS - 1) == 1
    monkeypatch.setenv(bulk.WORKERS_ENV, "1")
    assert bulk.worker_count(10 * bulk.PARALLEL_MIN_CHARS) == 1
    monkeypatch.setenv(bulk.WORKERS_ENV, "3")
    assert bulk.worker_count(10 * bulk.PARALLEL_MIN_CHARS) == 3


@pytest.mark.slow
def test_a_parallel_add_indexes_what_a_serial_add_does(tmp_path, monkeypatch) -> None:
    articles = [build_article(ARTICLE.replace("宜兴", f"宜兴{i}"), ArticleMeta(article_id=f"a{i}")) for i in range(300)]
    snapshots = []
    for workers in ("1", "2"):
        monkeypatch.setenv(bulk.WORKERS_ENV, workers)
        monkeypatch.setattr(bulk, "PARALLEL_MIN_CHARS", 1)
        home = tmp_path / workers
        (home / "corpus").mkdir(parents=True)
        corpus = make_corpus(home)
        results = corpus.add_articles(articles)
        assert all(r.status == "added" for r in results)
        snapshot = corpus.snapshot()
        terms = dict(corpus.store.conn.execute("SELECT id, term FROM terms"))
        postings = Counter()
        for seg in snapshot.segments:
            for k, term_id in enumerate(seg.term_ids.tolist()):
                for doc, tf in zip(seg.doc_idx[seg.offsets[k]:seg.offsets[k + 1]].tolist(),
                                   seg.tfs[seg.offsets[k]:seg.offsets[k + 1]].tolist()):
                    postings[(int(seg.rowids[doc]), terms[term_id])] += tf
        snapshots.append((snapshot.stats.n_docs, snapshot.stats.total_len, postings))
    assert snapshots[0] == snapshots[1]


def test_a_dead_worker_fails_the_add_instead_of_hanging(tmp_path) -> None:
    segmenter = Segmenter(cache_dir=tmp_path / "cache")
    articles = _articles() * 100  # six batches of 50
    with bulk.batch_terms(segmenter, articles, batch=50, workers=2) as batches:
        assert next(batches) == bulk.segment_items(segmenter, bulk.items_of(articles[:50]))
        workers = multiprocessing.active_children()  # the pool's processes
        assert workers
        os.kill(workers[0].pid, signal.SIGKILL)
        with pytest.raises(bulk.SegmentingError, match="POLICYBOT_WORKERS=1") as raised:
            for _ in batches:
                pass
    assert "\n" not in str(raised.value)


def test_workers_start_with_ctrl_c_blocked_and_ignored(tmp_path) -> None:
    """Ctrl-C is the parent's: a worker must not print a KeyboardInterrupt traceback, even while it starts."""
    pool = bulk.start_pool(1, Segmenter(cache_dir=tmp_path / "cache"))
    try:
        blocked = pool.submit(signal.pthread_sigmask, signal.SIG_BLOCK, ()).result()
        handler = pool.submit(signal.getsignal, signal.SIGINT).result()
    finally:
        pool.shutdown()
    assert signal.SIGINT in blocked  # from the fork server: before the initializer runs
    assert handler == signal.SIG_IGN  # set by the initializer
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, ())  # ours is as it was

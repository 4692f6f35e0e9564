"""Our scores are rank-bm25's BM25Okapi scores, on the same tokens (like bm25s' comparison tests)."""

from __future__ import annotations

import json
import random
from collections import Counter

import numpy as np
from rank_bm25 import BM25Okapi

from policybot.ingest.article import build_article
from policybot.segment.segmenter import retrievable_text

from conftest import make_corpus

WORDS = ["发展", "新质生产力", "低空经济", "宜兴", "江阴", "产业", "科技", "创新", "改革", "开放", "人才",
         "合成生物", "氢能", "储能", "项目", "园区", "企业", "绿色", "生态", "数字", "政策", "会议"]


def _article(rng: random.Random, n: int) -> str:
    paragraphs = []
    for _ in range(rng.randint(2, 6)):
        # "发展" and "产业" in nearly every paragraph: document frequency above half,
        # where BM25Okapi's idf turns negative and its epsilon floor applies.
        words = ["发展", "产业"] + rng.choices(WORDS, k=rng.randint(3, 40))
        paragraphs.append(",".join(words) + "。")
    return f"测试文章{n}\n" + "\n".join(paragraphs)


def _live_tokens(corpus) -> tuple[list[int], list[list[str]]]:
    rows = corpus.store.conn.execute(
        "SELECT p.id, a.title, p.section, p.text FROM passages p JOIN articles a ON a.id = p.article_id ORDER BY p.id"
    ).fetchall()
    tokens = [corpus.segmenter.terms(retrievable_text(t, json.loads(s), x)) for _, t, s, x in rows]
    return [r[0] for r in rows], tokens


def _assert_parity(corpus, queries: list[str]) -> int:
    rowids, tokens = _live_tokens(corpus)
    reference = BM25Okapi(tokens)
    snapshot = corpus.snapshot()
    df = Counter(t for doc in tokens for t in set(doc))
    negative = sum(1 for count in df.values() if count > len(tokens) / 2)
    for query in queries:
        terms = corpus.segmenter.terms(query)
        expected = reference.get_scores(terms)
        ids = {t: i for t, i in corpus.store.conn.execute("SELECT term, id FROM terms")}
        got_rowids, got_scores = snapshot.score([ids.get(t, -1) for t in terms])
        got = dict(zip(got_rowids.tolist(), got_scores.tolist()))
        ours = np.array([got.get(r, 0.0) for r in rowids])
        assert np.max(np.abs(ours - expected)) < 1e-9, query
        assert set(got) <= set(rowids)
    return negative


QUERIES = ["宜兴发展哪些新赛道?", "低空经济和合成生物", "发展产业", "江阴人才人才政策", "完全无关的词语组合"]


def test_parity_with_negative_idf_terms_after_adds_removes_and_merges(empty_home) -> None:
    rng = random.Random(7)
    corpus = make_corpus(empty_home)
    # Many small adds: more segments than MAX_SEGMENTS, so merges happen.
    for batch in range(12):
        articles = [build_article(_article(rng, batch * 10 + i)) for i in range(8)]
        corpus.add_articles(articles)
    negative = _assert_parity(corpus, QUERIES)
    assert negative >= 2, "the corpus must contain terms with negative raw idf"
    ids = [a.id for a in corpus.articles()]
    for article_id in rng.sample(ids, 20):
        corpus.remove(article_id)
    _assert_parity(corpus, QUERIES)
    corpus.add_articles([build_article(_article(rng, 999))])
    _assert_parity(corpus, QUERIES)
    assert len(corpus.snapshot().segments) <= 8


def test_parity_on_the_seed(seed_corpus) -> None:
    _assert_parity(seed_corpus, QUERIES + ["市委全会提出要牢牢把握什么首要任务?"])


def test_reindex_keeps_scores(seed_corpus) -> None:
    before = seed_corpus.ask("宜兴发展哪些新赛道?").as_dict()
    seed_corpus.reindex()
    after = seed_corpus.ask("宜兴发展哪些新赛道?").as_dict()
    assert before == after
    _assert_parity(seed_corpus, QUERIES)

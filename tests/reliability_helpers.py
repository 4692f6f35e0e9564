"""Shared by the reliability tests: synthetic articles, running the CLI, and a store checker.

`check_store` is the definition of "the store is valid" used after every
SIGKILL and by the concurrent reader: every article is whole or absent, the
index holds exactly the stored passages, and its statistics match a recount.
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Mapping

import numpy as np

from policybot import index as idx

from conftest import clean_env

# Policy-news vocabulary; articles are random sentences of these words.
WORDS = ("发展 新质生产力 低空经济 产业 科技 创新 改革 开放 人才 合成生物 氢能 储能 项目 园区 企业 绿色 生态 数字 "
         "政策 会议 推进 建设 打造 实施 支持 服务 招商 引资 制造业 集群 乡村 振兴 文旅 消费 民生 就业 教育 医疗 "
         "养老 交通 水利 农业 城市 更新 营商环境 数据 要素 平台 基金 研发 机构 高校 人工智能 机器人 新能源 汽车 "
         "半导体 集成电路 生物医药 物联网 光伏 风电 港口 物流 外贸 出口 市场 主体 街道 社区 治理 安全 应急 "
         "环保 节能 减排 碳达峰 标准 质量 品牌 金融 财政 税收 补贴 奖励 试点 示范 工程 载体").split()
PLACES = "无锡 江阴 宜兴 梁溪 锡山 惠山 滨湖 新吴 常州 苏州 南京 扬州".split()


def article_token(n: int) -> str:
    """A token that only article n has (jieba keeps an ASCII run as one word)."""
    return f"zq{n:05d}x"


def make_articles(count: int, seed: int = 7, start: int = 0, long: bool = False) -> list[dict[str, str]]:
    """`count` JSONL records with ids r00000…; each title carries the article's unique token.

    Articles are about 110 characters, or about 550 with `long` (2,000 of those
    are over a million characters, enough for `add` to segment in worker processes).
    """
    rng = random.Random(seed)
    records = []
    for n in range(start, start + count):
        place = rng.choice(PLACES)
        paragraphs = []
        for _ in range(rng.randint(6, 10) if long else rng.randint(2, 4)):
            sentences = []
            for _ in range(rng.randint(3, 5) if long else rng.randint(1, 3)):
                sentences.append(place + "".join(rng.choices(WORDS, k=rng.randint(4, 9))) + rng.choice("。；，"))
            paragraphs.append("".join(sentences).rstrip("。，；") + "。")
        records.append({"id": f"r{n:05d}", "title": f"{place}{rng.choice(WORDS)}新举措 {article_token(n)}",
                        "date": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "source": "测试日报",
                        "text": "\n".join(paragraphs)})
    return records


def write_jsonl(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def expected_passages(path: Path) -> dict[str, int]:
    """Article id -> number of passages, as `add` will store them."""
    from policybot.ingest.article import ArticleMeta
    from policybot.ingest.sources import read_file

    return {a.article_id: len(a.passages) for a in read_file(path, ArticleMeta(), 10**9)}


def cli(home: Path, *args: str, stdin: str | bytes | None = None, env: Mapping[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m policybot --home HOME ARGS…` and capture its output."""
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    proc = subprocess.run([sys.executable, "-m", "policybot", "--home", str(home), *args], input=data,
                          capture_output=True, env=dict(env or clean_env()), timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                                       proc.stderr.decode("utf-8", "replace"))


def live_rowids(snapshot: idx.Snapshot) -> list[int]:
    rows: list[int] = []
    for seg in snapshot.segments:
        rows += [int(r) for r in seg.rowids if int(r) not in snapshot.deleted]
    return rows


def recount_from_segments(snapshot: idx.Snapshot) -> tuple[int, int, Counter[int]]:
    """(n_docs, total_len, df) counted from the live postings themselves."""
    n_docs = total_len = 0
    df: Counter[int] = Counter()
    for seg in snapshot.segments:
        live = np.array([int(r) not in snapshot.deleted for r in seg.rowids], dtype=bool)
        n_docs += int(live.sum())
        total_len += int(seg.lens[live].sum())
        per_posting_term = np.repeat(seg.term_ids, np.diff(seg.offsets))
        kept = per_posting_term[live[seg.doc_idx]] if len(seg.doc_idx) else per_posting_term
        df.update(Counter(kept.tolist()))
    return n_docs, total_len, df


def check_store(db_path: Path, expected: Mapping[str, int], probe: int = 6,
                rng: random.Random | None = None) -> dict[str, int]:
    """Assert the store is valid; returns article id -> passages for the articles present.

    Everything is read in one read transaction, so it can run while a writer commits.
    """
    from policybot.store import Store

    rng = rng or random.Random(0)
    # Opened the way policybot opens it first (a kill before the schema was committed leaves an
    # empty file, which opening turns into an empty store).
    Store(db_path).close()
    conn = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        conn.execute("BEGIN")
        generation_row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        snapshot = idx.load_snapshot(conn, int(generation_row[0]) if generation_row else 0)
        articles = dict(conn.execute(
            "SELECT a.id, COUNT(p.id) FROM articles a LEFT JOIN passages p ON p.article_id = a.id GROUP BY a.id"))
        ordinals: dict[str, list[int]] = {}
        for article_id, ordinal in conn.execute("SELECT article_id, ordinal FROM passages ORDER BY article_id, ordinal"):
            ordinals.setdefault(article_id, []).append(ordinal)
        passage_ids = {r[0] for r in conn.execute("SELECT id FROM passages")}
        by_article: dict[str, set[int]] = {}
        for rowid, article_id in conn.execute("SELECT id, article_id FROM passages"):
            by_article.setdefault(article_id, set()).add(rowid)
        n_terms, max_term = conn.execute("SELECT COUNT(*), COALESCE(MAX(id), -1) FROM terms").fetchone()
        tombstones = dict(conn.execute("SELECT rowid, segment FROM tombstones"))
        term_ids = {t: i for t, i in conn.execute("SELECT term, id FROM terms WHERE term LIKE 'zq%x'")}
        conn.execute("COMMIT")
    finally:
        conn.close()

    # Every article whole or absent; no passage without its article.
    for article_id, n in articles.items():
        assert article_id in expected, f"unexpected article {article_id}"
        assert n == expected[article_id], f"article {article_id} has {n} of {expected[article_id]} passages"
        assert ordinals[article_id] == list(range(1, n + 1)), article_id
    assert set(ordinals) <= set(articles), "passages without an article"

    # The index holds exactly the stored passages, each once.
    live = live_rowids(snapshot)
    assert len(live) == len(set(live)), "a passage is indexed twice"
    assert set(live) == passage_ids, (f"{len(passage_ids - set(live))} stored passages not indexed, "
                                      f"{len(set(live) - passage_ids)} indexed passages not stored")
    seg_of = {int(r): seg.seg_id for seg in snapshot.segments for r in seg.rowids}
    for rowid, seg_id in tombstones.items():
        assert seg_of.get(rowid) == seg_id, f"tombstone {rowid} points at segment {seg_id}"
    assert n_terms == max_term + 1, "term ids are not dense"

    # Statistics equal a recount of the live postings.
    n_docs, total_len, df = recount_from_segments(snapshot)
    assert snapshot.stats.n_docs == n_docs == len(passage_ids)
    assert snapshot.stats.total_len == total_len
    stored_df = {i: int(v) for i, v in enumerate(snapshot.stats.df) if v}
    assert stored_df == dict(df), "document frequencies differ from a recount"
    assert all(i <= max_term for i in df), "a posting uses a term id the terms table lacks"

    # Present articles are searchable by their own token, absent ones are not found.
    present = sorted(articles)
    absent = sorted(set(expected) - set(articles))
    for article_id in rng.sample(present, min(probe, len(present))) + rng.sample(absent, min(probe, len(absent))):
        token = article_token(int(article_id[1:]))
        term_id = term_ids.get(token, -1)
        rowids, _ = snapshot.score([term_id])
        assert set(rowids.tolist()) == by_article.get(article_id, set()), f"search for {token} ({article_id})"
    return articles


def assert_bm25_parity(db_path: Path, queries: list[str]) -> None:
    """Stored statistics equal a fresh recount from the passages' text, and scores equal rank-bm25's."""
    from rank_bm25 import BM25Okapi

    from policybot.segment.segmenter import get_segmenter, retrievable_text

    segmenter = get_segmenter()
    conn = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN")
        rows = conn.execute("SELECT p.id, a.title, p.section, p.text FROM passages p "
                            "JOIN articles a ON a.id = p.article_id ORDER BY p.id").fetchall()
        ids = dict(conn.execute("SELECT term, id FROM terms"))
        snapshot = idx.load_snapshot(conn, 0)
        conn.execute("COMMIT")
    finally:
        conn.close()
    rowids = [r[0] for r in rows]
    tokens = [segmenter.terms(retrievable_text(t, json.loads(s), x)) for _, t, s, x in rows]
    assert snapshot.stats.n_docs == len(tokens)
    assert snapshot.stats.total_len == sum(len(t) for t in tokens)
    df = Counter(t for doc in tokens for t in set(doc))
    assert {term: int(snapshot.stats.df[ids[term]]) for term in df} == dict(df)
    assert int(snapshot.stats.df.sum()) == sum(df.values()), "df counts terms no passage has"
    reference = BM25Okapi(tokens)
    for query in queries:
        terms = segmenter.terms(query)
        expected = reference.get_scores(terms)
        got_rowids, got_scores = snapshot.score([ids.get(t, -1) for t in terms])
        got = dict(zip(got_rowids.tolist(), got_scores.tolist()))
        ours = np.array([got.get(r, 0.0) for r in rowids])
        assert np.max(np.abs(ours - expected)) < 1e-9, query


def check_index(db_path: Path) -> None:
    """Assert the index holds exactly the stored passages, each once (for stores of any articles)."""
    from policybot.store import Store

    Store(db_path).close()  # as policybot opens it (a kill before the schema was committed leaves an empty file)
    conn = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN")
        generation_row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        snapshot = idx.load_snapshot(conn, int(generation_row[0]) if generation_row else 0)
        passage_ids = {r[0] for r in conn.execute("SELECT id FROM passages")}
        conn.execute("COMMIT")
    finally:
        conn.close()
    live = live_rowids(snapshot)
    assert len(live) == len(set(live)), "a passage is indexed twice"
    assert set(live) == passage_ids, (f"{len(passage_ids - set(live))} stored passages not indexed, "
                                      f"{len(set(live) - passage_ids)} indexed passages not stored")
    assert snapshot.stats.n_docs == len(passage_ids)

"""The index's fast paths give exactly what the plain ones give.

`Snapshot.top` (pruned, MaxScore) against ranking every score of `Snapshot.score`;
`merge_segments` (postings placed directly) against building the segment anew;
merge policy, narrow term-frequency arrays, and reads that touch only the
segments they need.
"""

from __future__ import annotations

import random
import sqlite3

import numpy as np
import pytest

from policybot import index as idx
from policybot.errors import StoreError
from policybot.index import accumulator, segments, storage


def _zipf_docs(rng: random.Random, n_docs: int, vocab: int = 3000) -> list[list[int]]:
    """Passages of term ids with a Zipf-like spread: a few terms in most passages, most terms rare."""
    weights = [1 / (rank + 1) for rank in range(vocab)]
    docs = []
    for _ in range(n_docs):
        length = rng.randint(1, 60)
        docs.append(rng.choices(range(vocab), weights=weights, k=length))
    return docs


def _db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(idx.SCHEMA)
    return conn


def _add(conn: sqlite3.Connection, rowids: list[int], docs: list[list[int]]) -> None:
    """Index passages whose terms are given as ids (terms named 't<id>' so ids stay the same)."""
    idx.term_ids_for(conn, [f"t{i}" for i in range(max(max(d) for d in docs) + 1)], create=True)
    idx.add_passages(conn, rowids, [[f"t{t}" for t in doc] for doc in docs])


def _ranked(snapshot: idx.Snapshot, query: list[int], k: int) -> list[tuple[int, float]]:
    rowids, scores = snapshot.score(query)
    order = np.lexsort((rowids, -scores))[:k]
    return [(int(rowids[i]), float(scores[i])) for i in order]


def _assert_same_top(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    assert len(got) == len(want)
    for (r, s), (wr, ws) in zip(got, want):
        assert abs(s - ws) < 1e-9
        if r != wr:  # only where scores tie (summed in another order, they may differ in the last bits)
            assert abs(s - ws) < 1e-12
    assert {r for r, _ in got} - {r for r, _ in want} <= {r for r, s in got if abs(s - got[-1][1]) < 1e-12}


@pytest.fixture(scope="module")
def big_snapshot() -> tuple[sqlite3.Connection, idx.Snapshot]:
    """~6k passages in several segments, with tombstones; copies of some passages make exact ties."""
    rng = random.Random(11)
    conn = _db()
    rowid = 1
    for batch in range(6):
        docs = _zipf_docs(rng, rng.randint(300, 1500))
        docs += [list(d) for d in docs[:50]]  # identical passages: exact ties at any k
        conn.execute("BEGIN")
        _add(conn, list(range(rowid, rowid + len(docs))), docs)
        conn.execute("COMMIT")
        rowid += len(docs)
    conn.execute("BEGIN")
    idx.remove_passages(conn, rng.sample(range(1, rowid), 400))
    conn.execute("COMMIT")
    return conn, idx.load_snapshot(conn, 1)


def test_top_is_the_exact_ranking_of_all_scores(big_snapshot) -> None:
    _, snapshot = big_snapshot
    assert len(snapshot.segments) > 1 and snapshot.deleted
    rng = random.Random(3)
    for _ in range(300):
        common = rng.sample(range(0, 20), rng.randint(0, 4))
        rare = rng.sample(range(20, 3000), rng.randint(0, 6))
        query = common + rare + rng.sample(common + rare, min(2, len(common + rare)))  # repeats count twice
        for k in (1, 10, 100):
            _assert_same_top(snapshot.top(query, k), _ranked(snapshot, query, k))


def test_top_scores_only_the_postings_that_can_matter(monkeypatch) -> None:
    conn = _db()
    # Terms 1 and 2 in 30 passages, term 0 in 40% of 2,000 (low idf): once the 30 are scored
    # for 1 and 2, the rest cannot catch up, so term 0 is looked up for those 30 only.
    docs = [([1, 2] if i < 30 else []) + ([0] if i % 5 < 2 else []) + [100 + i] * (1 + i % 7) for i in range(2000)]
    conn.execute("BEGIN")
    _add(conn, list(range(1, 2001)), docs)
    idx.remove_passages(conn, [3])
    conn.execute("COMMIT")
    snapshot = idx.load_snapshot(conn, 1)
    scored = []
    original = accumulator.Accumulator._add

    def counting(self, docs, contributions):
        scored.append(len(docs))
        return original(self, docs, contributions)

    monkeypatch.setattr(accumulator.Accumulator, "_add", counting)
    top = snapshot.top([1, 2, 0], 10)
    assert sum(scored) == 30 + 30 + 12  # term 0 looked up for the 30 candidates only (12 have it)
    scored.clear()
    assert top == _ranked(snapshot, [1, 2, 0], 10)
    assert sum(scored) == 30 + 30 + 800


def test_top_with_negative_idf_terms_falls_back_to_scoring_everything() -> None:
    conn = _db()
    conn.execute("BEGIN")
    docs = [[0, 1, 2], [0, 1], [0, 3], [0], [4, 0, 1]]  # term 0 in every passage: negative raw idf
    _add(conn, [1, 2, 3, 4, 5], docs)
    conn.execute("COMMIT")
    snapshot = idx.load_snapshot(conn, 1)
    assert snapshot.idf(0) > 0 > np.log(5 - 5 + 0.5) - np.log(5.5)  # the epsilon floor
    for query in ([0], [0, 1], [1, 1, 3], [2, 4, 0]):
        _assert_same_top(snapshot.top(query, 3), _ranked(snapshot, query, 3))


def test_top_breaks_ties_by_lower_rowid_at_the_cut() -> None:
    conn = _db()
    conn.execute("BEGIN")
    _add(conn, list(range(1, 41)), [[1, 2]] * 10 + [[3]] * 30)
    conn.execute("COMMIT")
    snapshot = idx.load_snapshot(conn, 1)
    assert [r for r, _ in snapshot.top([1], 5)] == [1, 2, 3, 4, 5]


def test_merge_equals_building_the_live_passages_anew() -> None:
    rng = random.Random(5)
    built, rows, all_docs = [], [], {}
    rowid = 1
    for _ in range(4):
        docs = _zipf_docs(rng, rng.randint(1, 300), vocab=500)
        ids = list(range(rowid, rowid + len(docs)))
        rowid += len(docs)
        built.append(segments.build_segment(ids, docs))
        all_docs.update(zip(ids, docs))
        rows += ids
    deleted = set(rng.sample(rows, len(rows) // 3))
    merged = segments.merge_segments(built, deleted)
    live = [r for r in rows if r not in deleted]
    expected = segments.build_segment(live, [all_docs[r] for r in live])
    for name in ("rowids", "lens", "term_ids", "offsets", "doc_idx", "tfs"):
        assert np.array_equal(getattr(merged, name), getattr(expected, name)), name
    assert segments.merge_segments(built, set(rows)).n_docs == 0


def test_term_frequencies_are_stored_narrow_and_old_int32_blobs_still_load() -> None:
    small = segments.build_segment([1, 2], [[1, 1, 2], [2]])
    big = segments.build_segment([3], [[7] * 300 + [8]])
    assert small.tfs.dtype == np.uint8 and big.tfs.dtype == np.uint16
    for seg in (small, big):
        blobs = segments.segment_blobs(seg)
        loaded = segments.segment_from_row(1, [blobs[c] for c in segments.COLUMNS])
        assert np.array_equal(loaded.tfs, seg.tfs) and loaded.tfs.dtype == seg.tfs.dtype
        old = dict(blobs, tfs=seg.tfs.astype("<i4").tobytes())
        assert np.array_equal(segments.segment_from_row(1, [old[c] for c in segments.COLUMNS]).tfs, seg.tfs)
    broken = dict(segments.segment_blobs(small), tfs=b"\x01\x02")
    with pytest.raises(StoreError):
        segments.segment_from_row(1, [broken[c] for c in segments.COLUMNS])


def _simulate(sizes: dict[int, tuple[int, int]], adds: list[int], next_id: int) -> tuple[int, int, int]:
    """Run plan_merge after each add; returns (passages rewritten, largest merge of one add, next id)."""
    written = largest = 0
    for n in adds:
        sizes[next_id] = (n, 0)
        next_id += 1
        merged_now = 0
        while chosen := storage.plan_merge(sizes):
            total = sum(sizes.pop(i)[0] for i in chosen)
            sizes[next_id] = (total, 0)
            next_id += 1
            written += total
            merged_now += total
        largest = max(largest, merged_now)
        assert len(sizes) <= storage.MAX_SEGMENTS
    return written, largest, next_id


def test_merge_policy_keeps_few_segments_and_rewrites_each_passage_few_times() -> None:
    sizes: dict[int, tuple[int, int]] = {}
    written, _, next_id = _simulate(sizes, [2800] * 360, 0)  # a 1M-passage import, 500 articles a batch
    assert written < 5 * 2800 * 360
    assert len(sizes) <= storage.BIG_SEGMENTS + 1
    # Then articles one at a time: only small segments are merged.
    _, largest, _ = _simulate(sizes, [6] * 300, next_id)
    assert largest < 20_000
    assert storage.plan_merge({1: (900, 400), 2: (10, 0)}) == [1]  # mostly tombstones: rewritten
    assert storage.plan_merge({1: (5, 0), 2: (6, 0)}, force=True) == [1, 2]
    assert storage.plan_merge({1: (50, 0), 2: (60, 0), 3: (55, 0)}) == []
    assert storage.plan_merge({1: (50, 0), 2: (60, 0), 3: (55, 0), 4: (40, 0)}) == [1, 2, 3, 4]


def test_remove_reads_only_the_segments_holding_the_passages() -> None:
    conn = _db()
    rng = random.Random(2)
    for start in (1, 1001, 2001):
        conn.execute("BEGIN")
        _add(conn, list(range(start, start + 1000)), _zipf_docs(rng, 1000, vocab=300))
        conn.execute("COMMIT")
    seg_ids = [r[0] for r in conn.execute("SELECT id FROM segments ORDER BY id")]
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    conn.execute("BEGIN")
    idx.remove_passages(conn, [1500, 1501])
    conn.execute("COMMIT")
    conn.set_trace_callback(None)
    full_reads = [s for s in statements if "doc_idx" in s and s.lstrip().upper().startswith("SELECT")]
    assert len(full_reads) == 1 and full_reads[0].rstrip().endswith(f"id = {seg_ids[1]}")
    snapshot = idx.load_snapshot(conn, 2)
    assert snapshot.deleted == {1500, 1501}
    assert snapshot.stats.n_docs == 2998


def test_a_new_snapshot_reuses_the_previous_ones_segments() -> None:
    conn = _db()
    conn.execute("BEGIN")
    _add(conn, [1, 2], [[1, 2], [2, 3]])
    conn.execute("COMMIT")
    first = idx.load_snapshot(conn, 1)
    conn.execute("BEGIN")
    _add(conn, [3], [[3, 4]])
    conn.execute("COMMIT")
    second = idx.load_snapshot(conn, 2, first)
    assert second.segments[0].doc_idx is first.segments[0].doc_idx
    assert second.segments[0].norm is not first.segments[0].norm  # avgdl changed
    assert len(second.segments) == 2


def test_term_ids_cached_between_batches_are_dropped_when_another_writer_renumbers_them(empty_home) -> None:
    from policybot.ingest.article import ArticleMeta, build_article

    from conftest import make_corpus
    from reliability_helpers import assert_bm25_parity, cli

    def article(n: int, words: str) -> object:
        return build_article(f"标题{n}\n{words}。\n{words}，第二段。", ArticleMeta(article_id=f"a{n}"))

    writer = make_corpus(empty_home)
    writer.add_articles([article(1, "低空经济 合成生物 氢能"), article(2, "宜兴 江阴 人才 氢能")])
    writer.add_articles([article(3, "宜兴 储能 园区")])  # term ids from the cache
    cached_max = storage._term_cache.max_id
    # Another process renumbers every term id, then adds terms until there are as many as
    # before: only the store's generation tells that the writer's cached ids are stale.
    assert cli(empty_home, "remove", "a1").returncode == 0
    assert cli(empty_home, "reindex").returncode == 0
    max_id = writer.store.conn.execute("SELECT MAX(id) FROM terms").fetchone()[0]
    filler = " ".join(f"zz{i}qq" for i in range(cached_max - max_id))
    assert cli(empty_home, "add", "-", "--title", "宜兴", stdin=f"宜兴 储能\n{filler}").returncode == 0
    assert writer.store.conn.execute("SELECT MAX(id) FROM terms").fetchone()[0] == cached_max
    writer.add_articles([article(4, "江阴 储能 人才 数字")])
    assert_bm25_parity(empty_home / ".policybot" / "store.sqlite3", ["宜兴 储能", "江阴人才", "数字 氢能"])

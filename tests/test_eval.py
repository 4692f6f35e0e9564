"""The evaluation harness (bench/eval.py): grouping, gold mapping, metrics, one whole run.

Uses the small synthetic set in tests/data/eval_tiny (our own text): article "a" has a
passage longer than ingestion's paragraph limit, so it comes back as two passages and
only overlap can map them to their gold.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "eval_tiny"


@pytest.fixture(scope="module")
def ev():
    spec = importlib.util.spec_from_file_location("policybot_bench_eval", ROOT / "bench" / "eval.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_passages_grouped_into_articles_by_doc_id(ev) -> None:
    rset = ev.load_set(TINY)
    articles = ev.articles_of(rset)
    assert [a.article_id for a in articles] == ["a", "b"]
    assert articles[0].title == "甲市出台措施支持中小企业共渡难关"
    # The long passage a-1 is re-split by ingestion; every character of it is still there.
    assert len(articles[0].passages) > len(rset.docs["a"])
    joined = ev.norm("".join(p.text for p in articles[0].passages))
    assert ev.norm(rset.passages["a-1"].text) in joined


def test_overlap_rule(ev) -> None:
    gold = ev.norm("一是减免房租，对承租市属国有企业经营用房的中小企业，二月份免收房租，三月和四月房租减半收取。")
    assert ev.overlaps(gold[:20], gold)                      # a piece of the gold passage
    assert ev.overlaps(gold + "另外一句新的内容。", gold)       # the gold passage inside a longer one
    half = gold[: len(gold) // 2 + 2] + "完全不同的后半部分文字内容在这里出现" * 2
    assert ev.overlaps(half, gold)                           # >= 50% of the shorter one shared
    assert not ev.overlaps(ev.norm("中小企业房租政策另有规定，二月份起执行。"), gold)  # common words only
    long_text = ev.norm(ev.load_set(TINY).passages["a-1"].text)
    assert ev.overlaps("甲" * 10 + long_text[100:160] + "乙" * 400, long_text)  # a 50-character common run


def test_gold_mapping_needs_the_gold_article(ev) -> None:
    rset = ev.load_set(TINY)
    mapper = ev.GoldMapper(rset)
    second_half = rset.passages["a-1"].text[-120:]
    assert mapper.is_gold("a", second_half, ["a-1"])
    assert not mapper.is_gold("b", second_half, ["a-1"])         # same words, wrong article
    assert not mapper.is_gold("a", rset.passages["a-2"].text, ["a-1"])
    assert mapper.is_gold("b", rset.passages["b-1"].text, ["b-0", "b-1"])


def test_metrics(ev) -> None:
    m = ev.metrics([1, 3, None, 12])
    assert m["R@1"] == 0.25 and m["R@5"] == 0.5 and m["R@20"] == 0.75
    assert m["MRR@10"] == pytest.approx((1 + 1 / 3) / 4)
    assert ev.first_hit([False, False, True]) == 3 and ev.first_hit([False]) is None


def test_whole_run_prints_both_systems(ev, tmp_path: Path, capsys) -> None:
    out = tmp_path / "report.json"
    assert ev.main([str(TINY), "--no-rule", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "baseline" in printed and "policybot" in printed
    report = json.loads(out.read_text(encoding="utf-8"))["eval_tiny"]
    assert report["queries"] == 4 and report["gold_reachable"] == 1.0
    assert report["policybot"]["R@1"] == 1.0 and report["policybot_no_rule"]["R@5"] == 1.0
    assert set(report["baseline"]) == {"R@1", "R@5", "R@20", "MRR@10"}
    assert report["answer_in_snippet"] == 1.0  # every tiny passage's answer is its answering sentence
    assert report["answer_elsewhere"] == {"misses": 0, "holding_answer": 0}  # every first passage is gold


def test_snippet_count(ev) -> None:
    count = ev.SnippetCount()
    passage = "二月份免收房租。三月份房租减半。"
    count.add(["二月份免收房租"], passage, "二月份免收房租。")
    count.add(["三月份房租减半"], passage, "二月份免收房租。")
    count.add(["不在这段里"], passage, "二月份免收房租。")  # the passage cannot show it: not counted
    assert (count.answerable, count.in_snippet, count.share) == (2, 1, 0.5)
    # A long answer over two sentences: ten characters of it in a row are enough.
    passage = "二月份中小企业免收房租。三月份中小企业房租减半。"
    count.add([passage], passage, "三月份中小企业房租减半。")
    count.add([passage], passage, "三月份。")
    assert (count.answerable, count.in_snippet) == (4, 2)


def test_answer_elsewhere(ev) -> None:
    count = ev.AnswerElsewhere()
    count.add(["古特雷斯"], "联合国秘书长古特雷斯发表声明。")  # another article naming the answer
    count.add(["马克龙"], "法国总统发表讲话。")
    count.add(["21"], "21日发生爆炸。")  # answers shorter than three characters are too common to count
    assert (count.misses, count.holding) == (3, 1)


def test_set_changes_the_ranking_parameters_of_the_run(ev, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    # No passage can cover twice the question, nor repeat 1000 of its characters: every question is refused ...
    assert ev.main([str(TINY), "--no-baseline", "--no-rule", "--json", str(out),
                    "--set", "min_coverage=2", "--set", "min_phrase_chars=1000"]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))["eval_tiny"]
    assert report["no_answer"] == 1.0 and report["policybot"]["R@20"] == 0.0
    # ... but the no-rule row still answers them (min_coverage=0 over the same parameters).
    assert report["policybot_no_rule"]["R@5"] == 1.0


@pytest.mark.parametrize("assignment, message", [
    ("W_NAMED=0", "no ranking parameter 'W_NAMED'"),
    ("candidates=1.5", "candidates takes a whole number"),
    ("title_match_headings=maybe", "title_match_headings is a switch"),
])
def test_set_refuses_unknown_names_and_wrong_types(ev, capsys, assignment: str, message: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ev.main([str(TINY), "--set", assignment])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


XWLB_TINY = ROOT / "tests" / "data" / "xwlb_tiny"


def test_xwlb_mode_scores_by_kind(ev, tmp_path: Path, capsys) -> None:
    """--xwlb: the news file goes in through Corpus.add (gzip too), hits by gold string, off-topic counted."""
    import gzip

    news = tmp_path / "news.jsonl.gz"
    news.write_bytes(gzip.compress((XWLB_TINY / "news.jsonl").read_bytes()))
    out = tmp_path / "report.json"
    assert ev.main(["--xwlb", str(XWLB_TINY / "questions.jsonl"), "--news", str(news),
                    "--today-from-question", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "place_fact" in printed and "baseline @1" in printed and "policybot @1" in printed
    report = json.loads(out.read_text(encoding="utf-8"))["xwlb"]["questions.jsonl"]
    tables = report["by_kind"]
    assert tables["policybot"]["all"]["n"] == 3
    assert tables["policybot"]["all"]["hit@5"] == 1.0  # each article has 3 passages: all are in the top 5
    assert report["offtopic_rejected_policybot"] == 1 and report["offtopic_rejected_baseline"] == 0


def test_xwlb_hit_rank(ev) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import xwlb

    assert xwlb.hit_rank(["无关", "全长 28.5 公里"], ["全长28.5公里"]) == 2  # whitespace ignored
    assert xwlb.hit_rank(["ＡＢＣ１２３"], ["ABC123"]) == 1  # NFKC
    assert xwlb.hit_rank(["无关"], ["全长"]) is None

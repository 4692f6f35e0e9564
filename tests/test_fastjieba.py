"""fastjieba: the same cuts as jieba, and a prefix-dictionary cache that is data only (no marshal/pickle)."""

from __future__ import annotations

import hashlib
import inspect
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policybot.segment import fastjieba
from policybot.segment.segmenter import Segmenter, data_path, normalize_for_terms, read_userdict

from conftest import SEED

jieba = fastjieba.jieba


#: sha256 of the source of the jieba 0.42.1 methods that FastTokenizer overrides, mirrors or relies on.
JIEBA_SOURCES = {
    "cut": "831626320bad3099893b4cbf079a19aa133e6c00026266c6578151162ca083e1",
    "_Tokenizer__cut_DAG": "c48efaac90374fa673c07d347097073bd692ac4d27df2e542ae0f76562de3ac5",
    "get_DAG": "26db06fbf8bb0c151865dd5fcfa898f1dea0080f5baf51e5f0aead5053923b36",
    "calc": "180b027d1efc9c53aa23b45e4c9bce2e9689ed7c830bc5fa6b56b7d4de1aaf02",
    "gen_pfdict": "fe1cfffc474fb2834517abe7dd947a8fae8d08774ab6e6a60b37c657a858d142",
}


def test_jieba_is_the_one_fastjieba_was_checked_against() -> None:
    """fastjieba overrides jieba's private `Tokenizer.__cut_DAG`: safe only on the jieba it was checked against."""
    assert jieba.__version__.startswith("0.42."), (
        f"jieba {jieba.__version__} is installed; fastjieba is checked against 0.42.x only (see its docstring)")
    changed = [name for name, digest in JIEBA_SOURCES.items()
               if hashlib.sha256(inspect.getsource(getattr(jieba.Tokenizer, name)).encode()).hexdigest() != digest]
    assert not changed, f"jieba's Tokenizer.{changed} changed: re-check fastjieba.FastTokenizer, then the fingerprints"
    assert "_Tokenizer__cut_DAG" in vars(fastjieba.FastTokenizer)  # still overriding the method jieba's cut calls


@pytest.fixture(scope="module")
def prefix_dict(tmp_path_factory) -> tuple[dict[str, int], int]:
    return fastjieba.load_prefix_dict(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def pair(prefix_dict):
    """(stock jieba.Tokenizer, FastTokenizer) over the same dictionary plus our user dictionary."""
    freq, total = prefix_dict
    stock, fast = jieba.Tokenizer(), fastjieba.FastTokenizer()
    for tokenizer in (stock, fast):
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(freq), total, True
        for word, count, tag in read_userdict(data_path("userdict.txt")):
            tokenizer.add_word(word, count, tag)
    return stock, fast


def test_fast_cuts_equal_jiebas_on_the_seed_article(pair) -> None:
    stock, fast = pair
    lines = [normalize_for_terms(line) for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) > 10
    for line in lines:
        assert fast.lcut(line, HMM=True) == stock.lcut(line, HMM=True), line


# rjieba 0.2.2 (the jieba-rs binding; measured for issue 15 as a replacement, not adopted), against jieba 0.42.1
# with our prefix dictionary and user dictionary (rjieba.Jieba().add_word for the same entries):
# texts cut exactly as jieba cuts them: seed article lines 79/82, 2,000 random texts of the alphabet
# below 1969/2000, the first 20,000 paragraphs of the xwlb news 19712/20000 (fastjieba: all of them).
# Most differences are runs of letters, digits and -_.: jieba splits "2024-06-08" and "index_new5.html"
# at the punctuation, rjieba keeps them whole; one news paragraph differs in its Chinese words (速度快 /
# 速度+快). Speed on those paragraphs (one core, a busy machine): jieba ~42k, fastjieba ~70k,
# rjieba ~650k characters/s. Other cuts mean other terms and scores, so fastjieba stays.
# Characters that make jieba choose between words, fall back to single characters and run its HMM.
_ALPHABET = "发展新质生产力宜兴江阴无锡产业科技创新改革开放人才合成生物氢能储能低空经济项目园区企业绿色生态数字" \
            "政策会议的了和在是不我们中国市县区省长会委党员工作推进加快建设高质量体系龘齉爩" \
            "abcxyz0123456789 .-_%#&+,。、:()《》\n"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=80))
def test_fast_cuts_equal_jiebas_on_any_text(pair, text: str) -> None:
    stock, fast = pair
    assert fast.lcut(text, HMM=True) == stock.lcut(text, HMM=True)


def test_cache_holds_jiebas_prefix_dictionary(tmp_path: Path, prefix_dict) -> None:
    freq, total = prefix_dict
    fastjieba.load_prefix_dict(tmp_path)
    cache = tmp_path / fastjieba.CACHE_NAME
    data = cache.read_bytes()
    assert data.startswith(fastjieba.MAGIC)
    header = json.loads(data[len(fastjieba.MAGIC):data.index(b"\n", len(fastjieba.MAGIC))])
    assert header["count"] == len(freq) and header["total"] == total
    assert fastjieba.load_prefix_dict(tmp_path) == (freq, total)
    # Built from jieba's own dict.txt, exactly as jieba builds it.
    assert fastjieba.build_prefix_dict() == (freq, total)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "header", "stale", "counts", "words"])
def test_damaged_or_stale_cache_is_rebuilt(tmp_path: Path, damage: str) -> None:
    source = tmp_path / "dict.txt"
    source.write_text("发展 100 v\n新质生产力 5 n\n宜兴 30 ns\n", encoding="utf-8")
    expected = fastjieba.build_prefix_dict(source)
    assert expected == ({"发": 0, "发展": 100, "新": 0, "新质": 0, "新质生": 0, "新质生产": 0, "新质生产力": 5,
                         "宜": 0, "宜兴": 30}, 135)
    cache = tmp_path / fastjieba.CACHE_NAME
    assert fastjieba.load_prefix_dict(tmp_path, source) == expected
    data = cache.read_bytes()
    end = data.index(b"\n", len(fastjieba.MAGIC))
    header = json.loads(data[len(fastjieba.MAGIC):end])
    if damage == "truncate":
        data = data[:-5]
    elif damage == "garbage":
        data = b"\x80\x04\x95 not a cache"  # e.g. a pickle someone left there: never unpickled
    elif damage == "header":
        data = fastjieba.MAGIC + b"{not json\n" + data[end + 1:]
    elif damage == "stale":
        header["source"]["dict_size"] += 1
        data = fastjieba.MAGIC + json.dumps(header).encode() + data[end:]
    elif damage == "counts":
        header["count"] += 1
        data = fastjieba.MAGIC + json.dumps(header).encode() + data[end:]
    else:
        data = data.replace("宜兴".encode(), "\n兴".encode())  # one word more than the counts
    cache.write_bytes(data)
    source_key = fastjieba._source_key(source)
    assert fastjieba.read_cache(cache, source_key) is None
    assert fastjieba.load_prefix_dict(tmp_path, source) == expected
    assert fastjieba.read_cache(cache, source_key) == expected


def test_segmenter_caches_in_its_own_dir_only(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    segmenter = Segmenter(cache_dir=cache_dir)
    assert segmenter.terms("宜兴发展新赛道")
    assert sorted(p.name for p in cache_dir.iterdir()) == [fastjieba.CACHE_NAME]  # no jieba.cache (marshal)
    assert isinstance(segmenter._jieba(), fastjieba.FastTokenizer)

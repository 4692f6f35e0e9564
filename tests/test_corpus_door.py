"""The Corpus methods the CLI and the bot use instead of reaching below it (plain arguments, rows back)."""

from __future__ import annotations

import json

import pytest

from policybot.corpus import Corpus
from policybot.errors import EmptyArticleError, InputError

POST = "锡山区推出科创十条\n锡山区发布科创十条,对新认定的省级研发机构给予最高五百万元奖励。"
DATED_POST = "江阴发布人才新政\n来源:江阴日报\n2024年5月6日\n江阴市发布人才新政,对顶尖人才给予最高一亿元支持。"


def test_add_bytes_names_one_article_and_fills_in_only_what_the_text_lacks(empty_corpus: Corpus) -> None:
    [plain] = empty_corpus.add_bytes(POST.encode(), "消息", origin="telegram:reply", title="新标题",
                                     source="锡山发布", date="2024-06-09", url="https://t.me/xs/42")
    row, _ = empty_corpus.article(plain.article_id)
    assert (row.title, row.source, row.date, row.url) == ("新标题", "锡山发布", "2024-06-09", "https://t.me/xs/42")
    [dated] = empty_corpus.add_bytes(DATED_POST.encode(), "消息", origin="telegram:reply", source="某频道",
                                     date="2024-06-09")
    row, _ = empty_corpus.article(dated.article_id)
    # The text's own date wins; its 来源 line names the original source, not the publisher, so that is filled.
    assert (row.title, row.source, row.date, row.origin) == ("江阴发布人才新政", "某频道", "2024-05-06", "江阴日报")


def test_add_bytes_reads_by_the_names_suffix_and_ignores_a_title_for_several(empty_corpus: Corpus) -> None:
    lines = [json.dumps({"id": f"a{n}", "title": f"标题{n}", "text": f"第{n}篇正文讲低空经济。"}, ensure_ascii=False)
             for n in range(2)]
    results = empty_corpus.add_bytes("\n".join(lines).encode(), "两篇.jsonl", origin="telegram:两篇.jsonl",
                                     title="不该用上")
    assert [r.status for r in results] == ["added", "added"]
    assert sorted(a.title for a in empty_corpus.articles()) == ["标题0", "标题1"]
    with pytest.raises(EmptyArticleError):
        empty_corpus.add_bytes(b"   ", "消息", origin="telegram:text")
    assert len(empty_corpus.articles()) == 2


def test_add_url_takes_only_web_addresses(empty_corpus: Corpus, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(POST, encoding="utf-8")
    for not_a_url in (str(secret), "-", "file:///etc/passwd", "ftp://example.com/a.txt"):
        with pytest.raises(InputError, match="not an http"):
            empty_corpus.add_url(not_a_url)
    assert empty_corpus.articles() == []


def test_can_read_and_valid_article_id() -> None:
    assert Corpus.can_read("政策.TXT") and Corpus.can_read("a.jsonl") and Corpus.can_read("page.html")
    assert not Corpus.can_read("图.png") and not Corpus.can_read("file")
    assert Corpus.valid_article_id("wx-1.2:a_b") and not Corpus.valid_article_id("../etc/passwd")


def test_rows_and_counts_for_the_shells(seed_corpus: Corpus) -> None:
    [article] = seed_corpus.articles()
    passages = seed_corpus.passages_of(article.id)
    assert [p.ordinal for p in passages] == list(range(1, len(passages) + 1))
    middle = passages[5]
    assert [p.ordinal for p in seed_corpus.neighbours(middle.id, around=1)] == [5, 6, 7]
    assert seed_corpus.neighbours(10**12) == [] and seed_corpus.passages_of("nosuch") == []
    counts = seed_corpus.counts()
    assert (counts.articles, counts.passages) == (1, len(passages))
    assert counts.characters == sum(len(p.text) for p in passages)
    assert seed_corpus.newest_date() == article.date
    before = seed_corpus.generation()
    seed_corpus.add_bytes(POST.encode(), "消息", origin="telegram:text")
    assert seed_corpus.generation() != before and seed_corpus.counts().articles == 2


def test_add_inputs_parses_the_date_before_reading_anything(empty_corpus: Corpus, tmp_path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(POST, encoding="utf-8")
    with pytest.raises(InputError, match="bad date"):
        empty_corpus.add_inputs([str(tmp_path / "missing.txt")], date="2024-13-45")
    [result] = empty_corpus.add_inputs([str(path)], title="标题", source="无锡日报", date="2024年6月8日")
    row, _ = empty_corpus.article(result.article_id)
    assert (row.title, row.source, row.date) == ("标题", "无锡日报", "2024-06-08")

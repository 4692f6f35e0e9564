"""Adding, de-duplicating, replacing, removing, and the corpus folder."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from policybot.corpus import AddStatus
from policybot.errors import EncodingError, InputError, NotFoundError
from policybot.ingest.article import ArticleMeta

from conftest import SEED, make_corpus

ARTICLE = "梁溪推进科创飞地建设\n梁溪区布局9个科创飞地,推动创新资源向中心城区集聚。\n梁溪还将深化国企改革,培育国企产业化主体。"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_new_home_is_empty(empty_corpus) -> None:
    empty_corpus.sync()
    assert empty_corpus.articles() == []
    assert empty_corpus.ask("宜兴发展哪些新赛道?").results == []


def test_add_then_ask(empty_corpus, tmp_path: Path) -> None:
    [result] = empty_corpus.add([str(_write(tmp_path / "a.txt", ARTICLE))])
    assert result.status is AddStatus.ADDED and result.passages == 2
    assert json.loads(json.dumps(result.as_dict()))["status"] == "added"  # JSON keeps the word
    answer = empty_corpus.ask("梁溪布局了多少个科创飞地?")
    assert "布局9个科创飞地" in answer.results[0].passage.text


def test_duplicate_add_is_reported_not_stored(empty_corpus, tmp_path: Path) -> None:
    path = str(_write(tmp_path / "a.txt", ARTICLE))
    first = empty_corpus.add([path])[0]
    again = empty_corpus.add([str(_write(tmp_path / "b.txt", ARTICLE + "\n\n相关文章\n评论\n"))])[0]
    assert again.status is AddStatus.DUPLICATE and again.article_id == first.article_id
    assert len(empty_corpus.articles()) == 1
    assert empty_corpus.store.counts()[1] == 2


def test_replace_updates_by_id(empty_corpus, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "wx-1", "title": "旧标题", "text": "旧的正文内容讲低空经济。"}\n', encoding="utf-8")
    empty_corpus.add([str(path)])
    path.write_text('{"id": "wx-1", "title": "新标题", "text": "新的正文内容讲合成生物。"}\n', encoding="utf-8")
    [conflict] = empty_corpus.add([str(path)])
    assert conflict.status is AddStatus.CONFLICT
    assert empty_corpus.article("wx-1")[0].title == "旧标题"
    [replaced] = empty_corpus.add([str(path)], replace=True)
    assert replaced.status is AddStatus.REPLACED
    row, passages = empty_corpus.article("wx-1")
    assert row.title == "新标题" and [p.text for p in passages] == ["新的正文内容讲合成生物。"]
    assert empty_corpus.ask("低空经济").results == []
    assert empty_corpus.ask("合成生物").results[0].passage.article_id == "wx-1"


def test_remove_takes_effect_at_once(seed_corpus) -> None:
    question = "宜兴发展哪些新赛道?"
    article_id = seed_corpus.ask(question).results[0].passage.article_id
    seed_corpus.remove(article_id)
    assert seed_corpus.ask(question).results == []
    with pytest.raises(NotFoundError, match="policybot list"):
        seed_corpus.remove(article_id)
    # A removed corpus file stays out until it is edited.
    seed_corpus.sync()
    assert seed_corpus.articles() == []


def test_other_process_sees_changes(seed_home: Path, tmp_path: Path) -> None:
    reader = make_corpus(seed_home)
    reader.sync()
    assert reader.ask("科创飞地在哪里布局?").results[0].passage.text.startswith("在科技创新")
    writer = make_corpus(seed_home)
    writer.add([str(_write(tmp_path / "a.txt", ARTICLE))])
    assert "布局9个科创飞地" in reader.ask("梁溪布局了多少个科创飞地?").results[0].passage.text


def test_corpus_folder_files_picked_up_edited_and_deleted(seed_home: Path) -> None:
    corpus = make_corpus(seed_home)
    corpus.sync()
    path = _write(seed_home / "corpus" / "liangxi.txt", ARTICLE)
    assert corpus.sync() == 1
    assert corpus.ask("科创飞地").results
    _write(path, ARTICLE.replace("科创飞地", "创新飞地"))
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert corpus.sync() == 1
    assert len(corpus.articles()) == 2
    assert "创新飞地" in corpus.ask("创新飞地").results[0].passage.text
    path.unlink()
    corpus.sync()
    assert [a.file_path for a in corpus.articles()] == [SEED.name]


def test_gbk_file_added(empty_corpus, tmp_path: Path) -> None:
    [result] = empty_corpus.add([str(_write(tmp_path / "gbk.txt", ARTICLE, "gbk"))])
    assert result.title == "梁溪推进科创飞地建设"


def test_directory_added_recursively(empty_corpus, tmp_path: Path) -> None:
    (tmp_path / "news" / "deep").mkdir(parents=True)
    _write(tmp_path / "news" / "a.txt", ARTICLE)
    shutil.copy(SEED, tmp_path / "news" / "deep" / "seed.txt")
    _write(tmp_path / "news" / "ignore.bin", "x")
    results = empty_corpus.add([str(tmp_path / "news")])
    assert sorted(r.status for r in results) == ["added", "added"]


def test_failed_add_changes_nothing(seed_corpus, tmp_path: Path) -> None:
    before = seed_corpus.store.counts()
    good = _write(tmp_path / "good.txt", ARTICLE)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(100))
    with pytest.raises(EncodingError):
        seed_corpus.add([str(good), str(bad)], strict=True)
    with pytest.raises(InputError):
        seed_corpus.add([str(good), str(tmp_path / "missing.txt")], strict=True)
    assert seed_corpus.store.counts() == before
    # Without strict, each input stands alone: the good one is added, the bad one skipped with its reason.
    results = seed_corpus.add([str(good), str(bad)])
    assert sorted(str(r.status) for r in results) == ["added", "skipped"]
    assert [r.reason for r in results if r.status == "skipped"][0].startswith(f"{bad} is a PNG image")


def test_error_inside_the_transaction_rolls_back(seed_corpus, monkeypatch) -> None:
    from policybot import index

    before = seed_corpus.store.counts()
    generation = seed_corpus.store.generation()

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(index, "add_passages", broken)
    with pytest.raises(sqlite3.OperationalError):
        seed_corpus.add_articles([__import__("policybot.ingest.article", fromlist=["build_article"]).build_article(ARTICLE)])
    assert seed_corpus.store.counts() == before
    assert seed_corpus.store.generation() == generation


def test_stdin_add(empty_corpus) -> None:
    import io

    from policybot.ingest.sources import read_stdin

    [article] = read_stdin(ArticleMeta(title="粘贴的文章", date="2024-06-08"), io.BytesIO(ARTICLE.encode("gb18030")))
    assert article.title == "粘贴的文章" and article.date == "2024-06-08"


def test_html_file_and_url_added_with_page_metadata(empty_corpus, tmp_path: Path) -> None:
    import http.server
    import threading

    page = ("<html><head><title>惠山推进中欧班列扩容_无锡新闻网</title>"
            '<meta property="article:published_time" content="2024-06-10T08:00:00+08:00">'
            '<meta property="og:site_name" content="无锡新闻网"></head><body><nav>首页 新闻 评论</nav>'
            "<div class=content><h1>惠山推进中欧班列扩容</h1><p>惠山将优化中欧班列、海铁联运线路,&amp; 提升物流效率。</p>"
            "<p>同时推进&lt;数字口岸&gt;建设,服务外贸企业。</p></div><script>alert(1)</script></body></html>")
    path = tmp_path / "huishan.html"
    path.write_text(page, encoding="utf-8")
    [result] = empty_corpus.add([str(path)])
    row, passages = empty_corpus.article(result.article_id)
    assert (row.title, row.date, row.source) == ("惠山推进中欧班列扩容", "2024-06-10", "无锡新闻网")
    assert [p.text for p in passages] == ["惠山将优化中欧班列、海铁联运线路,&提升物流效率。", "同时推进<数字口岸>建设,服务外贸企业。"]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page.replace("中欧班列扩容", "物流枢纽建设").replace("物流效率", "通关效率").encode("gbk")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=gbk")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/news/1.html"
        [from_url] = make_corpus(empty_corpus.settings.home, allow_private_urls=True).add([url])
    finally:
        server.shutdown()
    row = empty_corpus.article(from_url.article_id)[0]
    assert row.title == "惠山推进物流枢纽建设" and row.url == url


def test_jsonl_in_corpus_folder_all_articles_and_edits(seed_home: Path) -> None:
    corpus = make_corpus(seed_home)
    path = seed_home / "corpus" / "feed.jsonl"
    path.write_text('{"id": "f1", "title": "一号文", "text": "滨湖推进山水东路科创谷建设。"}\n'
                    '{"id": "f2", "title": "二号文", "text": "新吴推进未来产业集聚工程。"}\n', encoding="utf-8")
    corpus.sync()
    assert {"f1", "f2"} <= {a.id for a in corpus.articles()}
    path.write_text('{"id": "f2", "title": "二号文", "text": "新吴推进未来产业集聚工程。"}\n', encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    corpus.sync()
    ids = {a.id for a in corpus.articles()}
    assert "f1" not in ids and "f2" in ids

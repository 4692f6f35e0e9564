"""An article keeps one id for its life; --replace updates it in place; the same text is the same article."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import make_corpus
from policybot.corpus import AddStatus, Corpus
from policybot.ingest.article import ArticleMeta, build_article
from reliability_helpers import check_index

OLD = "无锡设立产业基金\n无锡市设立总规模38亿元的产业基金，重点投向集成电路和生物医药。"
NEW = "无锡设立产业基金\n无锡市设立总规模45亿元的产业基金，重点投向集成电路和生物医药。"
QUESTION = "无锡产业基金总规模多少?"


def _add_text(corpus: Corpus, text: str, meta: ArticleMeta | None = None, replace: bool = False):
    """Text as pasted (no file or URL behind it)."""
    return corpus.add_articles([build_article(text, meta or ArticleMeta())], replace=replace)


def _statuses(results) -> list[str]:
    return [str(r.status) for r in results]


def _answer_text(corpus: Corpus) -> str:
    answer = corpus.ask(QUESTION)
    assert answer.results, "no answer"
    return answer.results[0].passage.text


def test_replacing_an_edited_file_keeps_its_id_and_drops_the_old_text(empty_corpus: Corpus, tmp_path: Path) -> None:
    path = tmp_path / "art.txt"
    path.write_text(OLD, encoding="utf-8")
    [first] = empty_corpus.add([str(path)])
    path.write_text(NEW, encoding="utf-8")
    [second] = empty_corpus.add([str(path)], replace=True)
    assert _statuses([second]) == ["replaced"] and second.article_id == first.article_id
    assert [a.id for a in empty_corpus.articles()] == [first.article_id]
    answer = empty_corpus.ask(QUESTION)
    assert "45亿元" in answer.results[0].passage.text and answer.results[0].duplicates == 0
    path.write_text(OLD, encoding="utf-8")  # and back again: still the same id
    [third] = empty_corpus.add([str(path)], replace=True)
    assert third.article_id == first.article_id and "38亿元" in _answer_text(empty_corpus)
    check_index(empty_corpus.settings.db_path)


def test_an_edited_file_without_replace_is_not_added_and_says_how(empty_corpus: Corpus, tmp_path: Path) -> None:
    path = tmp_path / "art.txt"
    path.write_text(OLD, encoding="utf-8")
    [first] = empty_corpus.add([str(path)])
    path.write_text(NEW, encoding="utf-8")
    [again] = empty_corpus.add([str(path)])
    assert again.status == AddStatus.CONFLICT and again.article_id == first.article_id
    assert "--replace" in again.reason
    assert len(empty_corpus.articles()) == 1 and "38亿元" in _answer_text(empty_corpus)


def test_the_same_text_under_another_title_or_source_is_already_there(empty_corpus: Corpus) -> None:
    [first] = _add_text(empty_corpus, OLD)
    [again] = _add_text(empty_corpus, OLD, ArticleMeta(title="另一个标题", source="另一家报纸"))
    assert again.status == AddStatus.DUPLICATE and again.article_id == first.article_id
    assert "same text" in again.reason
    assert len(empty_corpus.articles()) == 1


def test_replace_with_an_id_never_deletes_another_article(empty_corpus: Corpus) -> None:
    [a] = _add_text(empty_corpus, OLD, ArticleMeta(article_id="a"))
    [b] = _add_text(empty_corpus, NEW, ArticleMeta(article_id="b"))
    # Replacing b with a's text would make two articles of one text: refused, nothing deleted.
    [refused] = _add_text(empty_corpus, OLD, ArticleMeta(article_id="b"), replace=True)
    assert refused.status == AddStatus.CONFLICT and "a" in refused.reason
    assert sorted(r.id for r in empty_corpus.articles()) == ["a", "b"]
    # Replacing b with new text works in place.
    [done] = _add_text(empty_corpus, NEW.replace("45", "50"), ArticleMeta(article_id="b"), replace=True)
    assert done.status == AddStatus.REPLACED and done.article_id == "b"
    assert sorted(r.id for r in empty_corpus.articles()) == ["a", "b"]
    check_index(empty_corpus.settings.db_path)


def test_a_jsonl_id_is_replaced_in_place(empty_corpus: Corpus, tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    record = {"id": "n1", "title": "无锡设立产业基金", "text": OLD.split("\n", 1)[1]}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    empty_corpus.add([str(path)])
    record["text"] = NEW.split("\n", 1)[1]
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    [result] = empty_corpus.add([str(path)], replace=True)
    assert result.status == AddStatus.REPLACED and result.article_id == "n1"
    assert [a.id for a in empty_corpus.articles()] == ["n1"] and "45亿元" in _answer_text(empty_corpus)


@pytest.fixture
def changing_page() -> Iterator[tuple[str, dict[str, str]]]:
    state = {"body": OLD}

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            title, text = state["body"].split("\n", 1)
            body = f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/news/1.html", state
    server.shutdown()
    server.server_close()


def test_a_url_is_replaced_in_place(empty_home: Path, changing_page) -> None:
    url, state = changing_page
    corpus = make_corpus(empty_home, allow_private_urls=True)
    [first] = corpus.add([url])
    state["body"] = NEW
    [second] = corpus.add([url], replace=True)
    assert second.status == AddStatus.REPLACED and second.article_id == first.article_id
    assert [a.id for a in corpus.articles()] == [first.article_id] and "45亿元" in _answer_text(corpus)

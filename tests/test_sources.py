"""Reading inputs: encodings, binary files, JSONL and HTML files."""

from __future__ import annotations

from pathlib import Path

import pytest

from policybot.errors import EmptyArticleError, EncodingError, InputError
from policybot.ingest.article import ArticleMeta
from policybot.ingest.sources import decode_bytes, read_file

TEXT = "宜兴推进生态产品价值实现机制省级试点\n宜兴将深化生态产品价值实现机制省级试点,推动绿色发展。"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be"])
def test_encodings_are_read(encoding: str) -> None:
    data = TEXT.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = ("\ufeff" + TEXT).encode(encoding)
    assert decode_bytes(data, "x.txt").lstrip("\ufeff") == TEXT


def test_utf16_without_bom_detected() -> None:
    assert decode_bytes(("Report 2024 " + TEXT).encode("utf-16-le"), "x.txt") == "Report 2024 " + TEXT


@pytest.mark.parametrize("data,kind", [(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "PNG"),
                                       (b"PK\x03\x04" + b"\x00" * 50, "zip"), (b"\x7fELF\x02\x01" + b"\x00" * 50, "ELF")])
def test_binary_rejected_with_its_kind(data: bytes, kind: str) -> None:
    with pytest.raises(EncodingError, match=kind):
        decode_bytes(data, "x.txt")


def test_undecodable_bytes_rejected() -> None:
    data = bytes(range(0x80, 0x100)) * 20
    with pytest.raises(EncodingError, match="not readable text"):
        decode_bytes(data, "x.txt")


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_file(tmp_path / "missing.txt", ArticleMeta(), 10**6)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(EmptyArticleError, match="empty"):
        read_file(empty, ArticleMeta(), 10**6)
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n\t\n", encoding="utf-8")
    with pytest.raises(EmptyArticleError):
        read_file(blank, ArticleMeta(), 10**6)
    big = tmp_path / "big.txt"
    big.write_text(TEXT * 100, encoding="utf-8")
    with pytest.raises(InputError, match="limit"):
        read_file(big, ArticleMeta(), 1000)


def test_jsonl_keeps_ids_and_fields(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"id": "gov-1", "title": "通知一", "text": "第一段内容说明政策。\\n第二段内容说明落实。", "date": "2024年6月8日", "source": "无锡日报", "url": "https://example.com/1"}\n'
        '\n{"title": "通知二", "text": "另一篇文章的正文内容。"}\n', encoding="utf-8")
    first, second = read_file(path, ArticleMeta(), 10**6)
    assert (first.article_id, first.title, first.date, first.source, first.url) == (
        "gov-1", "通知一", "2024-06-08", "无锡日报", "https://example.com/1")
    assert [p.text for p in first.passages] == ["第一段内容说明政策。", "第二段内容说明落实。"]
    assert second.article_id is None and second.title == "通知二"


@pytest.mark.parametrize("line,message", [("not json", "not JSON"), ('{"title": "x"}', 'no "text"'),
                                          ('["a"]', "not a JSON object"), ('{"text": "正文内容。", "date": "2024-99-01"}', "bad date"),
                                          ('{"id": "a b/c", "text": "正文内容。"}', "id")])
def test_jsonl_bad_line_names_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"title": "好的", "text": "正文内容。"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        read_file(path, ArticleMeta(), 10**6)
    assert "line 2" in str(info.value)


@pytest.mark.parametrize("label", ["GBK", "gb2312", "x-gbk", "cp936", "euc-cn", "chinese"])
def test_declared_gb_labels_read_as_gb18030(label: str) -> None:
    # "·" (A1A4) differs between Python's gb2312 codec and GB18030, as browsers read it.
    data = ("政策·解读" + TEXT).encode("gb18030")
    assert decode_bytes(data, "x.html", label) == "政策·解读" + TEXT

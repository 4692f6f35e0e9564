"""`sources.load`: each article of an add stands alone; what cannot be used is named with its reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from policybot.ingest.article import ArticleMeta
from policybot.ingest.sources import load

DOCUMENTS = Path(__file__).resolve().parent / "fixtures" / "documents"
BODY = "宜兴将重点发展合成生物、氢能和储能、低空经济等新赛道，打造发展新质生产力特色优势。"


def _no_urls(url: str, meta: ArticleMeta) -> list:
    raise AssertionError("no URL in these tests")


def test_a_jsonl_file_keeps_its_good_lines_and_names_the_bad(tmp_path: Path) -> None:
    lines = [json.dumps({"id": "a1", "title": "甲", "text": BODY}, ensure_ascii=False),
             json.dumps({"id": "a2", "title": BODY * 3, "text": BODY * 3}, ensure_ascii=False),  # title = body
             json.dumps({"id": "a3", "title": "空", "text": ""}, ensure_ascii=False),
             "{not json",
             json.dumps({"id": "a5", "title": "乙", "text": "新吴推进未来产业集聚工程。"}, ensure_ascii=False)]
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load([str(path)], ArticleMeta(), 10**8, _no_urls)
    assert [a.article_id for a, _ in loaded.articles] == ["a1", "a2", "a5"]
    assert [a.text for a, _ in loaded.articles][1] == BODY * 3  # the body survives its overlong title
    assert [str(s).split(" — ")[0] for s in loaded.skipped] == [
        f'{path} line 3 has no "text"', f"{path} line 4 is not JSON (Expecting property name enclosed in double quotes)"]


def test_a_folder_adds_documents_and_names_what_it_skips(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("policy_notice.pdf", "policy_notice.docx", "scanned.pdf"):
        shutil.copy(DOCUMENTS / name, folder / name)
    (folder / "note.txt").write_text("宜兴新赛道\n" + BODY, encoding="utf-8")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    loaded = load([str(folder)], ArticleMeta(), 10**8, _no_urls)
    assert sorted(Path(where).name for _, where in loaded.articles) == ["note.txt", "policy_notice.docx",
                                                                        "policy_notice.pdf"]
    assert all(a.key == f"file:{Path(where).resolve()}" for a, where in loaded.articles)
    reasons = sorted(str(s) for s in loaded.skipped)
    assert len(reasons) == 2
    assert reasons[0].startswith(f"{folder}/passwd.txt: a link to outside the folder")
    assert reasons[1].startswith(f"{folder}/scanned.pdf is a scanned PDF")


def test_special_and_missing_inputs_are_skipped_not_fatal(tmp_path: Path) -> None:
    good = tmp_path / "a.txt"
    good.write_text("标题\n" + BODY, encoding="utf-8")
    loaded = load(["/dev/zero", str(tmp_path / "missing.txt"), "ftp://example.com/a", str(good)], ArticleMeta(),
                  10**8, _no_urls)
    assert [where for _, where in loaded.articles] == [str(good)]
    assert [s.line() for s in loaded.skipped] == [
        "/dev/zero is a character device, not a regular file", f"{tmp_path}/missing.txt does not exist",
        "ftp://example.com/a is not an http(s) address"]

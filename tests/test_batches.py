"""`policybot add` of many articles: the good ones are added, each bad one is named with why, a summary ends it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from reliability_helpers import check_index, cli

DOCUMENTS = Path(__file__).resolve().parent / "fixtures" / "documents"
BODY = "宜兴将重点发展合成生物、氢能和储能、低空经济等新赛道，打造发展新质生产力特色优势。"


def _jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records)
                    + "\n", encoding="utf-8")
    return path


def _batch(tmp_path: Path) -> Path:
    return _jsonl(tmp_path / "news.jsonl", [
        {"id": "a1", "title": "甲", "text": BODY},
        {"id": "a2", "title": BODY * 3, "text": BODY * 3},  # the "title" is the body: kept
        {"id": "a3", "title": "空", "text": ""},
        "{broken",
        {"id": "a5", "title": "乙", "text": "新吴推进未来产业集聚工程，建设一批未来产业先导区。"},
    ])


def _listed(home: Path) -> list[str]:
    return sorted(a["id"] for a in json.loads(cli(home, "list", "--json").stdout))


def test_good_articles_are_added_and_bad_ones_named(tmp_path: Path) -> None:
    home, batch = tmp_path / "home", _batch(tmp_path)
    result = cli(home, "add", str(batch))
    assert result.returncode == 1, result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert skipped == [f'skipped {batch} line 3 has no "text" — give each line a non-empty "text" field',
                       f"skipped {batch} line 4 is not JSON (Expecting property name enclosed in double quotes)"
                       " — write one JSON object per line"]
    assert result.stdout.splitlines()[-1] == "added 3, replaced 0, already there 0, skipped 2"
    assert _listed(home) == ["a1", "a2", "a5"]
    again = cli(home, "add", str(batch))
    assert again.returncode == 1 and again.stdout.splitlines()[-1] == "added 0, replaced 0, already there 3, skipped 2"
    check_index(home / ".policybot" / "store.sqlite3")


def test_everything_added_or_already_there_exits_0(tmp_path: Path) -> None:
    home = tmp_path / "home"
    good = _jsonl(tmp_path / "good.jsonl", [{"id": "g1", "title": "甲", "text": BODY}])
    assert cli(home, "add", str(good)).returncode == 0
    again = cli(home, "add", str(good))
    assert again.returncode == 0 and again.stdout.splitlines()[-1] == "added 0, replaced 0, already there 1, skipped 0"


def test_strict_keeps_all_or_nothing(tmp_path: Path) -> None:
    home, batch = tmp_path / "home", _batch(tmp_path)
    result = cli(home, "add", "--strict", str(batch))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f'error: {batch} line 3 has no "text" — give each line a non-empty "text" field']
    assert _listed(home) == []


def test_a_folder_of_documents_with_a_scan_and_a_link_out(tmp_path: Path) -> None:
    home, folder = tmp_path / "home", tmp_path / "docs"
    folder.mkdir()
    for name in ("policy_notice.pdf", "policy_notice.docx", "scanned.pdf"):
        shutil.copy(DOCUMENTS / name, folder / name)
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    result = cli(home, "add", str(folder))
    assert result.returncode == 1
    skipped = sorted(line.split(" — ")[0] for line in result.stderr.splitlines() if line.startswith("skipped"))
    assert skipped == [f"skipped {folder}/passwd.txt: a link to outside the folder, not followed",
                       f"skipped {folder}/scanned.pdf is a scanned PDF: its 1 page(s) are images without a text layer"]
    assert result.stdout.splitlines()[-1] == "added 2, replaced 0, already there 0, skipped 2"
    answer = json.loads(cli(home, "ask", "--json", "购买新能源乘用车补贴多少?").stdout)
    assert "给予每辆车2万元补贴" in answer["results"][0]["text"] and "第一条" in answer["results"][0]["section"]


def test_a_fifo_and_a_device_get_one_line_each_and_the_rest_is_added(tmp_path: Path) -> None:
    home = tmp_path / "home"
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    good = tmp_path / "good.txt"
    good.write_text("宜兴新赛道\n" + BODY, encoding="utf-8")
    result = cli(home, "add", str(fifo), "/dev/zero", str(good), timeout=60)  # a FIFO opened to read would hang
    assert result.returncode == 1
    assert [line.split(" — ")[0] for line in result.stderr.splitlines() if line.startswith("skipped")] == [
        f"skipped {fifo} is a FIFO (named pipe), not a regular file",
        "skipped /dev/zero is a character device, not a regular file"]
    assert result.stdout.splitlines()[-1] == "added 1, replaced 0, already there 0, skipped 2"


def test_add_help_states_the_identity_rules(tmp_path: Path) -> None:
    text = cli(tmp_path, "add", "--help").stdout
    for phrase in ("--replace", "same id", "same text", "--strict", "skipped", ".pdf", ".docx"):
        assert phrase in text, phrase

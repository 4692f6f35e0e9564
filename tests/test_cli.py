"""The `policybot` command as a user runs it: real processes, real files, a real store."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, clean_env

QUESTION = "宜兴发展哪些新赛道?"
FIELDS = {"rank", "score", "article_id", "title", "source", "date", "url", "section", "paragraph", "text", "snippet"}


def run(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = clean_env()
    return subprocess.run([sys.executable, "-m", "policybot", "--home", str(home), *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)


def test_ask_prints_cited_answer(seed_home: Path) -> None:
    result = run(seed_home, "ask", QUESTION)
    assert result.returncode == 0, result.stderr
    first = result.stdout.split("\n\n")[0]
    assert "合成生物、氢能和储能、低空经济" in first
    assert "《发力“新质”,无锡各板块这样干!》 · 现代快报+" in first
    assert "2024-06-08 · 宜兴 › 打造发展新质生产力特色优势 · ¶" in first
    assert "\x1b[" not in result.stdout  # piped: no terminal bold


def test_ask_json_fields_and_k(seed_home: Path) -> None:
    result = run(seed_home, "ask", "-k", "5", "--json", QUESTION)
    answer = json.loads(result.stdout)
    assert answer["question"] == QUESTION
    assert 1 <= len(answer["results"]) <= 5
    top = answer["results"][0]
    assert FIELDS <= set(top)
    assert top["rank"] == 1 and top["section"] == "宜兴 › 打造发展新质生产力特色优势"
    assert top["snippet"] in top["text"] and "合成生物" in top["snippet"]
    assert isinstance(top["paragraph"], int) and top["date"] == "2024-06-08"


def test_ask_questions_from_stdin_one_json_line_each(seed_home: Path) -> None:
    questions = [QUESTION, "北京冬奥会中国队获得了多少枚金牌?", "", "梁溪布局了多少个科创飞地?", "  "]
    result = run(seed_home, "ask", "--json", stdin="\n".join(questions) + "\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # Every input line gets its output line, blank ones too, so outputs pair with inputs by position.
    assert [line["question"] for line in lines] == [q.strip() for q in questions]
    assert lines[1]["results"] == [] and lines[2]["results"] == [] and lines[4]["results"] == []
    assert "布局9个科创飞地" in lines[3]["results"][0]["text"]


def test_no_answer_said_plainly(seed_home: Path) -> None:
    result = run(seed_home, "ask", "北京冬奥会中国队获得了多少枚金牌?")
    assert result.returncode == 0
    assert result.stdout.startswith("没有找到相关内容")


def test_add_list_show_remove_cycle(seed_home: Path, tmp_path: Path) -> None:
    article = tmp_path / "wuxi.md"
    article.write_text("# 锡山发布科创18条\n\n## 政策要点\n\n锡山区发布科创18条,支持企业建设研发机构,最高奖励500万元。\n",
                       encoding="utf-8")
    added = run(seed_home, "add", str(article), "--date", "2024-07-01", "--source", "锡山发布")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added: ")
    article_id = added.stdout.split()[1]
    again = run(seed_home, "add", str(article), "--date", "2024-07-01", "--source", "锡山发布")
    assert again.returncode == 0 and again.stdout.startswith("already there: " + article_id)
    listing = json.loads(run(seed_home, "list", "--json").stdout)
    assert {a["id"] for a in listing} >= {article_id}
    assert next(a for a in listing if a["id"] == article_id)["date"] == "2024-07-01"
    shown = run(seed_home, "show", article_id)
    assert "## 政策要点" in shown.stdout and "最高奖励500万元" in shown.stdout
    answer = json.loads(run(seed_home, "ask", "--json", "科创18条最高奖励多少?").stdout)
    assert answer["results"][0]["article_id"] == article_id
    assert answer["results"][0]["source"] == "锡山发布"
    removed = run(seed_home, "remove", article_id)
    assert removed.returncode == 0 and removed.stdout.startswith("removed: ")
    answer = json.loads(run(seed_home, "ask", "--json", "科创18条最高奖励多少?").stdout)
    assert all(r["article_id"] != article_id for r in answer["results"])


def test_add_from_stdin_with_metadata(empty_home: Path) -> None:
    text = "无锡发布低空经济行动方案\n无锡将建设低空经济产业园,打造低空飞行服务保障体系。"
    added = run(empty_home, "add", "-", "--title", "低空经济方案", "--date", "2024-06-09", "--url", "https://example.com/a",
                stdin=text)
    assert added.returncode == 0, added.stderr
    [row] = json.loads(run(empty_home, "list", "--json").stdout)
    assert (row["title"], row["date"], row["url"]) == ("低空经济方案", "2024-06-09", "https://example.com/a")


@pytest.mark.parametrize("args,needle", [
    (["add", "--strict", "/no/such/file.txt"], "does not exist"),
    (["add", "-", "--date", "2024-13-45"], "bad date"),
    (["show", "nope"], "policybot list"),
    (["remove", "nope"], "policybot list"),
    (["ask", "-k", "0", "问题"], "between 1 and 50"),
    (["ask", "--since", "2024-13", "问题"], "YYYY-MM-DD"),
    (["ask", "--since", "2024-06-01", "--until", "2024-01-01", "问题"], "swap"),
    (["ask", "--today", "tomorrow", "问题"], "--today"),
])
def test_user_errors_are_one_line(empty_home: Path, args: list[str], needle: str) -> None:
    result = run(empty_home, *args, stdin="")
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert needle in result.stderr and "Traceback" not in result.stderr


NEWS = ROOT / "tests" / "data" / "news_tiny.jsonl"


def test_ask_reads_time_against_today_and_filters(empty_home: Path) -> None:
    assert run(empty_home, "add", str(NEWS)).returncode == 0
    question = "上个月甲省居民消费价格涨了多少？"
    asked = [json.loads(run(empty_home, "ask", "--json", "--today", day, question).stdout)["results"][0]
             for day in ("2023-07-20", "2024-07-20")]
    assert [a["article_id"] for a in asked] == ["cpi-2023-07-10", "cpi-2024-07-10"]
    env_today = subprocess.run(
        [sys.executable, "-m", "policybot", "--home", str(empty_home), "ask", "--json", question],
        capture_output=True, text=True, timeout=120, env={**clean_env(), "POLICYBOT_TODAY": "2023-07-20"})
    assert json.loads(env_today.stdout)["results"][0]["article_id"] == "cpi-2023-07-10"
    # The same filters in --json batch mode, one question a line.
    lines = run(empty_home, "ask", "--json", "-k", "5", "--since", "2024", "--source", "甲省",
                stdin="甲省居民消费价格同比上涨多少？\n乙市外贸进出口总值是多少？\n").stdout.splitlines()
    first, second = (json.loads(line)["results"] for line in lines)
    assert first and {r["date"][:4] for r in first} == {"2024"} and second == []  # 乙市 trade is in 乙台新闻


def test_a_bad_policybot_today_is_one_line(empty_home: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "policybot", "--home", str(empty_home), "stats"],
                            capture_output=True, text=True, timeout=120,
                            env={**clean_env(), "POLICYBOT_TODAY": "2024/06/01"})
    assert result.returncode != 0 and result.stderr.count("\n") == 1 and "POLICYBOT_TODAY" in result.stderr


def test_new_home_starts_empty(empty_home: Path) -> None:
    stats = json.loads(run(empty_home, "stats", "--json").stdout)
    assert stats["articles"] == 0 and stats["passages"] == 0


def test_every_command_help_has_an_example(empty_home: Path) -> None:
    for command in ["ask", "add", "list", "show", "remove", "stats", "reindex", "bot", "feedback"]:
        result = run(empty_home, command, "--help")
        assert "example: policybot" in re.sub(r"TELEGRAM_BOT_TOKEN=\S+ ", "", result.stdout), command


def test_interactive_prompt_on_a_terminal(seed_home: Path) -> None:
    env = clean_env()
    pid, fd = pty.fork()
    if pid == 0:  # child: a terminal session running policybot with no command
        os.execve(sys.executable, [sys.executable, "-m", "policybot", "--home", str(seed_home)], env)
    output = b""

    def read_until(marker: bytes, count: int = 1, timeout: float = 60) -> None:
        nonlocal output
        deadline = time.monotonic() + timeout
        while output.count(marker) < count and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    output += os.read(fd, 65536)
                except OSError:
                    break

    read_until("问题> ".encode())
    os.write(fd, (QUESTION + "\n").encode())
    read_until("¶".encode())
    read_until("问题> ".encode(), count=2)
    os.write(fd, b"\n")
    _, status = os.waitpid(pid, 0)
    text = output.decode("utf-8", "replace")
    assert "合成生物" in text and "\x1b[1m" in text  # a terminal gets bold highlights
    assert os.waitstatus_to_exitcode(status) == 0


def test_python_m_and_console_script_agree(seed_home: Path) -> None:
    script = Path(sys.executable).parent / "policybot"
    env = clean_env()
    via_script = subprocess.run([str(script), "--home", str(seed_home), "ask", "--json", QUESTION],
                                capture_output=True, text=True, env=env, timeout=120)
    via_module = run(seed_home, "ask", "--json", QUESTION)
    assert json.loads(via_script.stdout) == json.loads(via_module.stdout)


def test_default_home_is_the_checkout() -> None:
    from policybot.config import default_home

    assert default_home() == ROOT

"""The everyday edges of the command line, tried as a new user would: real processes, real homes."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import clean_env, make_corpus
from policybot.config import Settings

QUESTION = "宜兴发展哪些新赛道?"


def policybot(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m policybot ARGS` with a clean English environment plus `env`."""
    return subprocess.run([sys.executable, "-m", "policybot", *args], input=stdin, capture_output=True, text=True,
                          env=clean_env(**env), timeout=180)


# ---- the interactive prompt -------------------------------------------------------------------------


class Terminal:
    """policybot with no command on a pseudo-terminal, typed at like a person would."""

    def __init__(self, home: Path) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: a terminal session running policybot with no command
            os.execve(sys.executable, [sys.executable, "-m", "policybot", "--home", str(home)], clean_env())
        self.output = b""

    def read_until(self, marker: str, count: int = 1, timeout: float = 60, required: bool = True) -> str:
        deadline = time.monotonic() + timeout
        while self.output.count(marker.encode()) < count and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    break
        if required and self.output.count(marker.encode()) < count:
            raise AssertionError(f"{marker!r} ×{count} not seen within {timeout:.0f} s; printed:\n{self.text[-2000:]}")
        return self.text

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    def ask(self, line: str, prompts: int) -> str:
        """Type a line and wait for the prompt to come back (the `prompts`-th prompt in all)."""
        os.write(self.fd, line.encode() + b"\r")
        return self.read_until("问题> ", count=prompts)

    def wait(self, timeout: float) -> int | None:
        """The session's exit code once it ends within `timeout` seconds, else None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            self.read_until("\x00", timeout=0.2, required=False)  # keep the terminal drained so the child never blocks
        return None

    def exit_code(self, timeout: float = 60) -> int:
        """Wait for the session to end; kill it and fail with what it printed if it does not."""
        code = self.wait(timeout)
        if code is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            raise AssertionError(f"policybot did not exit within {timeout:.0f} s; it printed:\n{self.text[-2000:]}")
        return code

    def interrupt(self, presses: int = 3) -> int:
        """Press Ctrl-C until the session ends, as a person would; its exit code.

        CPython's readline loop can miss a SIGINT that lands between drawing the prompt and its
        select() (the flag is set, select never wakes), so pressing again is part of the protocol.
        """
        for _ in range(presses):
            os.write(self.fd, b"\x03")
            code = self.wait(timeout=10)
            if code is not None:
                return code
        return self.exit_code(timeout=1)


def test_the_prompt_follows_up_and_says_which_question_it_answered(seed_home: Path) -> None:
    term = Terminal(seed_home)
    term.read_until("问题> ")
    first = term.ask(QUESTION, prompts=2)
    assert "合成生物、氢能和储能" in first
    text = term.ask("那梁溪呢?", prompts=3)
    followed = text.split("问题> 那梁溪呢?", 1)[1]
    assert "(Answered as “梁溪发展哪些新赛道?”)" in followed  # the locale is English
    assert "梁溪 › " in followed and "¶13" in followed.split("[2]")[0]
    opened = term.ask("第二条详细说说", prompts=4).split("问题> 第二条详细说说", 1)[1]
    assert "¶12 " in opened  # 梁溪's second result, in full with its neighbours
    os.write(term.fd, b"\r")
    assert term.exit_code() == 0


def test_ctrl_c_ends_the_prompt_with_130_and_history_is_kept(seed_home: Path) -> None:
    term = Terminal(seed_home)
    term.read_until("问题> ")
    term.ask(QUESTION, prompts=2)
    assert term.interrupt() == 130  # Ctrl-C at the prompt
    history = seed_home / ".policybot" / "history"
    assert QUESTION in history.read_text(encoding="utf-8")
    # A new session recalls it with ↑ (readline's line editing and history).
    again = Terminal(seed_home)
    again.read_until("问题> ")
    answer = again.ask("\x1b[A", prompts=2)
    assert "合成生物、氢能和储能" in answer.split("问题> ", 1)[1]
    os.write(again.fd, b"\x04")  # Ctrl-D
    assert again.exit_code() == 0


# ---- the Telegram token and the network ------------------------------------------------------------


def test_a_malformed_token_is_one_line_before_any_network_call(empty_home: Path) -> None:
    result = policybot("--home", str(empty_home), "bot", TELEGRAM_BOT_TOKEN="notatoken",
                       TELEGRAM_API_URL="http://127.0.0.1:9")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "does not look like a bot token" in result.stderr and "notatoken" not in result.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_bot_api_is_one_line(empty_home: Path) -> None:
    result = policybot("--home", str(empty_home), "bot", TELEGRAM_BOT_TOKEN="123456:TEST-token",
                       TELEGRAM_API_URL=f"http://127.0.0.1:{_closed_port()}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: cannot reach the Telegram Bot API")


# ---- settings --------------------------------------------------------------------------------------


def test_dotenv_is_read_from_the_home_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    (home / ".env").write_text("POLICYBOT_TOP_K=5\nTELEGRAM_BOT_TOKEN=1:home\nPOLICYBOT_ADMIN_IDS=7\n", encoding="utf-8")
    monkeypatch.chdir(work)
    assert Settings.from_env(env={}, home=home).top_k == 5
    assert Settings.from_env(env={}, home=home).telegram_token == "1:home"
    (work / ".env").write_text("POLICYBOT_TOP_K=4\n", encoding="utf-8")
    settings = Settings.from_env(env={"POLICYBOT_ADMIN_IDS": "8"}, home=home)
    assert settings.top_k == 4  # the working folder's .env wins over the home's ...
    assert settings.admin_ids == {8}  # ... and the environment over both
    assert settings.telegram_token == "1:home"


def test_the_homes_dotenv_changes_what_ask_does(seed_home: Path) -> None:
    (seed_home / ".env").write_text("POLICYBOT_TOP_K=5\n", encoding="utf-8")
    answer = json.loads(policybot("ask", "--home", str(seed_home), "--json", QUESTION).stdout)
    assert len(answer["results"]) == 5


# ---- help ------------------------------------------------------------------------------------------


def test_home_is_accepted_after_the_command(seed_home: Path, empty_home: Path) -> None:
    after = json.loads(policybot("ask", "--home", str(seed_home), "--json", QUESTION).stdout)
    assert after["results"]
    both = json.loads(policybot("--home", str(empty_home), "ask", "--home", str(seed_home), "--json", QUESTION).stdout)
    assert both["results"]  # given after the command, it wins
    assert "0 " not in policybot("stats", "--home", str(seed_home)).stdout.split("articles:")[1][:3]


def test_show_and_remove_examples_name_the_shipped_article(seed_home: Path) -> None:
    listed = {a["id"] for a in json.loads(policybot("--home", str(seed_home), "list", "--json").stdout)}
    for command in ("show", "remove"):
        help_text = policybot(command, "--help").stdout
        example = re.search(rf"policybot {command} (\S+)", help_text.split("example:", 1)[1]).group(1)
        assert example in listed, command
    assert "发力“新质”" in policybot("--home", str(seed_home), "show", example).stdout


def test_every_option_and_input_has_help_text() -> None:
    for command in ("ask", "add", "list", "show", "remove", "stats", "feedback"):
        lines = policybot(command, "--help").stdout.split("\n\n")
        listed = [block for block in lines if block.startswith(("options:", "positional arguments:"))]
        for block in listed:
            entries = re.findall(r"^  (\S.*?)(?:\s{2,}(\S.*))?$", block, re.MULTILINE)
            for entry, text in entries:
                # An entry with no text on its line must be followed by its text on the next one.
                assert text or f"{entry}\n      " in block, (command, entry)
    add = policybot("add", "--help").stdout
    for needle in ("the article's title", "original's web address", "print the results as JSON",
                   "files (.txt .md .html .jsonl .pdf .docx), folders"):
        assert needle in add
    ask = policybot("ask", "--help").stdout
    assert "1–50" in ask and "one JSON line per question" in ask


@pytest.mark.parametrize("k", ["0", "51", "-3"])
def test_k_out_of_range_is_refused_in_one_line(seed_home: Path, k: str) -> None:
    result = policybot("--home", str(seed_home), "ask", "-k", k, QUESTION)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "choose between 1 and 50 passages" in result.stderr


def test_help_and_errors_follow_the_locale(empty_home: Path) -> None:
    chinese = policybot("ask", "--help", LANG="zh_CN.UTF-8").stdout
    assert chinese.startswith("用法:policybot ask") and "显示帮助并退出" in chinese and "给出几段,1–50" in chinese
    english = policybot("ask", "--help", LANG="en_US.UTF-8").stdout
    assert english.startswith("usage: policybot ask") and "show this help message and exit" in english
    missing = policybot("--home", str(empty_home), "show", "nope", LC_ALL="zh_CN.UTF-8")
    assert missing.stderr == "错误:没有 ID 为 'nope' 的文章 —— 用 `policybot list` 查看 ID\n"
    usage = policybot("add", LANG="zh_CN.UTF-8")
    assert usage.returncode == 2 and usage.stderr.count("\n") == 1
    assert usage.stderr.startswith("policybot add: 错误:缺少参数:PATH|URL|-")
    assert policybot("--home", str(empty_home), "show", "nope").stderr.startswith("error: no article with id 'nope'")


# ---- an empty home ---------------------------------------------------------------------------------


def test_stats_of_an_empty_home_has_sizes_and_no_none(empty_home: Path) -> None:
    text = policybot("--home", str(empty_home), "stats").stdout
    assert "None" not in text and "oldest: —" in text
    assert re.search(r"store size: \d+(\.\d)? (KB|MB)\n", text), text
    figures = json.loads(policybot("--home", str(empty_home), "stats", "--json").stdout)
    assert figures["oldest"] is None and isinstance(figures["store_bytes"], int)  # JSON keeps raw values
    chinese = policybot("--home", str(empty_home), "stats", LANG="zh_CN.UTF-8").stdout
    assert "最早: —" in chinese and "存储大小: " in chinese


def test_an_empty_homes_answer_says_to_add_articles(empty_home: Path) -> None:
    result = policybot("--home", str(empty_home), "ask", QUESTION)
    assert result.returncode == 0 and "policybot add" in result.stdout and "There are no articles" in result.stdout
    as_json = policybot("--home", str(empty_home), "ask", "--json", QUESTION)
    assert json.loads(as_json.stdout) == {"question": QUESTION, "results": []}
    assert "policybot add" in as_json.stderr
    chinese = policybot("--home", str(empty_home), "ask", QUESTION, LANG="zh_CN.UTF-8").stdout
    assert "文章库还是空的" in chinese


# ---- feedback export -------------------------------------------------------------------------------


def test_feedback_export_writes_one_json_line_per_rating(seed_home: Path, tmp_path: Path) -> None:
    corpus = make_corpus(seed_home)
    corpus.sync()
    corpus.feedback.rate(QUESTION, "0e059e18ba08", 9, 1, chat_id=42, at=1_717_800_000)
    corpus.feedback.rate("那梁溪呢?", "0e059e18ba08", 12, -1, chat_id=42, at=1_717_800_060)
    out = policybot("--home", str(seed_home), "feedback", "export").stdout.splitlines()
    assert [json.loads(line) for line in out] == [
        {"q": QUESTION, "article_id": "0e059e18ba08", "paragraph": 9, "rating": 1, "at": "2024-06-07T22:40:00Z"},
        {"q": "那梁溪呢?", "article_id": "0e059e18ba08", "paragraph": 12, "rating": -1, "at": "2024-06-07T22:41:00Z"},
    ]
    target = tmp_path / "feedback.jsonl"
    assert policybot("--home", str(seed_home), "feedback", "export", "-o", str(target)).returncode == 0
    assert target.read_text(encoding="utf-8").splitlines() == out
